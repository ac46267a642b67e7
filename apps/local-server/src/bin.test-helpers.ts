import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Runs the real `tinker-local` command in a child process for tests that need a process to kill.
 * The bin is bundled from the TypeScript sources (sibling packages through their source
 * condition) into node_modules/.cache, so no prior build is needed. Only the WebAssembly packages
 * stay external, as each loads its .wasm file from beside its own module: zstd, and tiktoken
 * (imported by absolute path, as the server does not depend on it directly).
 */
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(packageDir, "node_modules", ".cache", "tinker-local-test", "bin.mjs");
const tokenizerRequire = createRequire(join(packageDir, "..", "..", "packages", "tokenizer", "package.json"));
let built: Promise<string> | undefined;

/** Bundles src/bin.ts once per test process and returns the bundle's path. */
export function buildBin(): Promise<string> {
  built ??= (async () => {
    await mkdir(dirname(outfile), { recursive: true });
    await build({
      entryPoints: [join(packageDir, "src", "bin.ts")],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["@tinker-ts/source"],
      logLevel: "silent",
      // CommonJS dependencies (commander) call require() for node built-ins. The alias keeps clear
      // of bundled modules that import createRequire themselves (@tinker-ts/tokenizer).
      banner: {
        js: 'import { createRequire as bannerCreateRequire } from "node:module"; const require = bannerCreateRequire(import.meta.url);',
      },
      plugins: [
        {
          name: "external-npm",
          setup(b) {
            b.onResolve({ filter: /^@bokuweb\/zstd-wasm$/ }, (args) => ({ path: args.path, external: true }));
            b.onResolve({ filter: /^tiktoken(\/.*)?$/ }, (args) => ({
              path: tokenizerRequire.resolve(args.path),
              external: true,
            }));
          },
        },
      ],
    });
    return outfile;
  })();
  return built;
}

/** A running `tinker-local serve` child process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stdout: string[];
}

/**
 * Starts `tinker-local serve --port 0 …args` and resolves once it prints its ready line. Without
 * `--data-dir` in `args` (or `persistent`), it adds `--ephemeral`: a test never writes into the
 * default data directory.
 */
export async function spawnServe(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; persistent?: boolean } = {},
): Promise<ServeProcess> {
  const bin = await buildBin();
  const ephemeral = args.includes("--data-dir") || options.persistent ? [] : ["--ephemeral"];
  const child = spawn(
    process.execPath,
    [bin, "serve", "--port", "0", "--log-level", "silent", ...ephemeral, ...args],
    { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    let listening: string | undefined;
    child.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        stdout.push(line);
        listening ??= /listening on (\S+)/.exec(line)?.[1];
        if (listening && line.startsWith("ready:")) resolve(listening);
      }
    });
    child.once("exit", (code) => reject(new Error(`tinker-local exited with ${code}: ${stderr.join("")}`)));
  });
  return { child, url, stdout };
}

/** Sends `signal` and waits for the process to exit; resolves its exit code or signal. */
export function stop(proc: ServeProcess, signal: NodeJS.Signals): Promise<number | NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null) {
      resolve(proc.child.exitCode);
      return;
    }
    proc.child.once("exit", (code, sig) => resolve(code ?? sig));
    proc.child.kill(signal);
  });
}
