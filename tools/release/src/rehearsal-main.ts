import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seedQwen3TokenizerCache } from "@tinker-ts/examples/support";
import { transform } from "esbuild";
import { warningLines } from "../../ci/warnings.mjs";
import { run } from "./pack.js";
import { codeBlockAfter, envAssignments } from "./readme.js";
import { type Registry, startRegistry } from "./verdaccio.js";
import { publishedPackages } from "./workspace.js";

/**
 * `pnpm --filter @tinker-ts/release rehearsal`: the release rehearsal (docs/packaging.md#the-release-rehearsal).
 * Publishes every package with `changeset publish` to a verdaccio started on 127.0.0.1 with its
 * storage in a temporary directory, then, as a new user would, in an empty project and a temporary
 * HOME: `npm install @tinker-ts/clients @tinker-ts/types`, `npm install -g @tinker-ts/cli
 * @tinker-ts/local-server` (into a temporary prefix), `tinker --help`, `tinker version`,
 * `tinker-local serve --backend tiny`, and the README's Quickstart program as written, against that
 * server. Needs `pnpm build` first, the upstream npm registry (for third-party packages) and
 * loopback; nothing else. Exits 1 on the first step that fails.
 */
const root = fileURLToPath(new URL("../../..", import.meta.url));
const verdaccioBin = fileURLToPath(new URL("../node_modules/.bin/verdaccio", import.meta.url));
const work = await mkdtemp(join(tmpdir(), "tinker-ts-rehearsal-"));
const say = (line: string) => console.log(`[rehearsal] ${line}`);

let registry: Registry | undefined;
let server: ChildProcess | undefined;
try {
  const upstream = run("npm", ["config", "get", "registry"], root, cleanEnv({})).trim();
  registry = await startRegistry(verdaccioBin, await dir("registry"), upstream);
  say(`verdaccio at ${registry.url} (storage in ${work}/registry), proxying ${upstream}`);
  const env = await userEnv(registry);
  await publishAll(env);
  const { project, bin } = await installAsUser(env);
  const home = env["HOME"]!;
  server = spawn(bin("tinker-local"), ["serve", "--backend", "tiny", "--port", "0"], {
    cwd: project,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  say("tinker-local serve --backend tiny --port 0   (HOME is the temporary one)");
  const started = await serverStart(server);
  say(`tinker-local is up at ${started.url}; ${started.dataDirLine}`);
  if (!started.dataDirLine.includes(join(home, ".tinker-local"))) {
    throw new Error(`tinker-local's default data dir is not ~/.tinker-local: ${started.dataDirLine}`);
  }
  await runQuickstart(project, { ...env, TINKER_BASE_URL: started.url });
  say("the Quickstart ran against tinker-local from the registry's packages, and its loss fell");
} catch (error) {
  console.error(`[rehearsal] FAILED: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGINT");
    await exited;
  }
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
}

async function dir(name: string): Promise<string> {
  const path = join(work, name);
  await mkdir(path, { recursive: true });
  return path;
}

/** The environment without the `npm_*` variables a package manager set for this script. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^PNPM_/i.test(key)));
  return { ...env, ...extra };
}

/** A new user's environment: a temporary HOME and npm cache, npm pointed at the registry. */
async function userEnv(registry: Registry): Promise<NodeJS.ProcessEnv> {
  const npmrc = join(work, "npmrc");
  const host = registry.url.replace(/^http:/, "");
  await writeFile(npmrc, `registry=${registry.url}\n${host}:_authToken=${registry.token}\n`);
  return cleanEnv({
    HOME: await dir("home"),
    npm_config_userconfig: npmrc,
    npm_config_registry: registry.url,
    npm_config_cache: await dir("npm-cache"),
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_update_notifier: "false",
  });
}

/** `changeset publish` to the registry, then a check that every package's version is there. */
async function publishAll(env: NodeJS.ProcessEnv): Promise<void> {
  say("changeset publish --no-git-tag");
  console.log(run("pnpm", ["exec", "changeset", "publish", "--no-git-tag"], root, env));
  for (const pkg of await publishedPackages(root)) {
    const version = run("npm", ["view", `${pkg.name}@${pkg.version}`, "version"], root, env).trim();
    if (version !== pkg.version) throw new Error(`${pkg.name}@${pkg.version} is not on the registry`);
  }
  say("every published package is on the registry");
}

/**
 * The README's install lines, in an empty project and a temporary global prefix, then the CLI's
 * help and version. Returns the project and where the installed executables are.
 */
async function installAsUser(
  env: NodeJS.ProcessEnv,
): Promise<{ project: string; bin: (name: string) => string }> {
  const project = await dir("project");
  const manifest = { name: "newcomer", private: true, type: "module" };
  await writeFile(join(project, "package.json"), `${JSON.stringify(manifest)}\n`);
  say(`npm install @tinker-ts/clients @tinker-ts/types   (in ${project})`);
  expectQuiet(run("npm", ["install", "@tinker-ts/clients", "@tinker-ts/types"], project, env), "npm install");
  const prefix = await dir("global");
  say(`npm install -g --prefix ${prefix} @tinker-ts/cli @tinker-ts/local-server`);
  expectQuiet(
    run(
      "npm",
      ["install", "-g", "--prefix", prefix, "@tinker-ts/cli", "@tinker-ts/local-server"],
      project,
      env,
    ),
    "npm install -g",
  );
  const bin = (name: string) => join(prefix, "bin", name);
  expectIncludes(run(bin("tinker"), ["--help"], project, env), "Usage: tinker", "tinker --help");
  const cliVersion = (await publishedPackages(root)).find((p) => p.name === "@tinker-ts/cli")!.version;
  expectIncludes(run(bin("tinker"), ["version"], project, env), `tinker ${cliVersion}`, "tinker version");
  say(`tinker --help and tinker version (${cliVersion}) work`);
  return { project, bin };
}

/**
 * The README's Quickstart, taken from the README, transpiled from TypeScript and run as written
 * with the `TINKER_API_KEY` the README gives for the emulator; its ten losses must fall.
 */
async function runQuickstart(project: string, env: NodeJS.ProcessEnv): Promise<void> {
  const readme = await readFile(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quickstart"));
  const apiKey = envAssignments(section.slice(section.indexOf("tinker-local serve")))["TINKER_API_KEY"] ?? "";
  // TODO(lineup): once tinker-local serves tokenizers to the SDK (issue #21 item 3), drop this seeded
  // cache and HF_HUB_OFFLINE: the Quickstart must then get its tokenizer from the server itself.
  const hfHome = await dir("hf-home");
  await seedQwen3TokenizerCache(join(hfHome, "hub"));
  const { code } = await transform(codeBlockAfter(readme, "Quickstart"), {
    loader: "ts",
    format: "esm",
    target: "node20",
  });
  await writeFile(join(project, "quickstart.mjs"), code);
  say(`README Quickstart as written (TINKER_API_KEY=${apiKey}, HF_HOME seeded, HF_HUB_OFFLINE=1)`);
  const runEnv = { ...env, TINKER_API_KEY: apiKey, HF_HOME: hfHome, HF_HUB_OFFLINE: "1" };
  const output = run("node", ["quickstart.mjs"], project, runEnv);
  console.log(output);
  const losses = [...output.matchAll(/^(\d+) (\S+)$/gm)].map((m) => Number(m[2]));
  if (losses.length !== 10 || losses.some((loss) => !Number.isFinite(loss))) {
    throw new Error(`expected 10 "step loss" lines from the Quickstart, got ${losses.length}`);
  }
  if (!(losses[9]! < losses[0]!))
    throw new Error(`the Quickstart's loss did not fall (${losses[0]} → ${losses[9]})`);
}

/** Prints an install's output and fails when it warned: a user's first install must be quiet. */
function expectQuiet(output: string, what: string): void {
  console.log(output.trim());
  const warnings = warningLines(output);
  if (warnings.length > 0) throw new Error(`${what} printed warnings:\n${warnings.join("\n")}`);
}

function expectIncludes(text: string, part: string, what: string): void {
  if (!text.includes(part)) throw new Error(`${what} did not print ${JSON.stringify(part)}:\n${text}`);
}

/** Waits for `tinker-local serve` to print its URL and data dir line. */
function serverStart(child: ChildProcess): Promise<{ url: string; dataDirLine: string }> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.once("exit", (code) => reject(new Error(`tinker-local exited with code ${code}:\n${text}`)));
    child.stdout!.on("data", (chunk) => {
      text += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
      const dataDirLine = text.split("\n").find((line) => line.includes("data dir"));
      if (url !== undefined && dataDirLine !== undefined) resolve({ url, dataDirLine });
    });
  });
}
