import { mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Bundles the real `tinker` executable from the TypeScript sources for the process-level tests:
 * sibling packages through their `@tinker-ts/source` condition (so no prior build of them is
 * needed, and no stale one is used), with code splitting so the lazily imported command modules
 * stay separate chunks as in the published build. The WebAssembly packages stay external (each
 * loads its .wasm from beside its own module): zstd and tiktoken, imported by absolute path.
 */
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BIN_DIR = join(packageDir, "node_modules", ".cache", "tinker-cli-test");

/** Builds the executable and returns the path of its entry, `bin.js`. */
export async function buildBin(): Promise<string> {
  await rm(BIN_DIR, { recursive: true, force: true });
  await mkdir(BIN_DIR, { recursive: true });
  const httpRequire = createRequire(join(packageDir, "..", "..", "packages", "http", "package.json"));
  const zstd = httpRequire.resolve("@bokuweb/zstd-wasm");
  const tokenizerRequire = createRequire(
    join(packageDir, "..", "..", "packages", "tokenizer", "package.json"),
  );
  await build({
    entryPoints: { bin: join(packageDir, "src", "bin.ts") },
    outdir: BIN_DIR,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@tinker-ts/source"],
    logLevel: "silent",
    // CommonJS dependencies (commander, cli-table3) call require() for node built-ins.
    banner: {
      js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);',
    },
    plugins: [
      {
        name: "external-wasm",
        setup(b) {
          b.onResolve({ filter: /^@bokuweb\/zstd-wasm$/ }, () => ({ path: zstd, external: true }));
          b.onResolve({ filter: /^tiktoken(\/.*)?$/ }, (args) => ({
            path: tokenizerRequire.resolve(args.path),
            external: true,
          }));
        },
      },
    ],
  });
  return join(BIN_DIR, "bin.js");
}
