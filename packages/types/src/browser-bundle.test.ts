import { builtinModules } from "node:module";
import { gzipSync } from "node:zlib";
import { build, type Plugin } from "esbuild";
import { describe, expect, test } from "vitest";

/**
 * `@tinker-ts/types` must run in browsers (architecture.md §1): bundling `src/index.ts` for the
 * browser must succeed without reaching any Node built-in, and the JSON half stays small.
 */

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Records every import of a Node built-in instead of letting esbuild fail on the first one. */
function recordBuiltins(found: string[]): Plugin {
  return {
    name: "record-node-builtins",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, "").split("/")[0]!;
        if (args.path.startsWith("node:") || NODE_BUILTINS.has(bare)) {
          found.push(`${args.path} (from ${args.importer})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

async function bundle(entry: string) {
  const builtins: string[] = [];
  const result = await build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [recordBuiltins(builtins)],
  });
  const code = result.outputFiles[0]!.contents;
  return {
    builtins,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    inputs: Object.keys(result.metafile.inputs),
  };
}

describe("browser bundle of @tinker-ts/types", () => {
  test("src/index.ts bundles for the browser with no Node built-in import", async () => {
    const result = await bundle("./index.ts");
    expect(result.builtins).toEqual([]);
    expect(result.inputs.some((input) => input.includes("/proto/"))).toBe(false);
    console.info(
      `@tinker-ts/types browser bundle (esm, minified): ${(result.bytes / 1024).toFixed(1)} kB, ` +
        `${(result.gzipBytes / 1024).toFixed(1)} kB gzipped`,
    );
    expect(result.gzipBytes).toBeLessThanOrEqual(25 * 1024);
  });

  test("the plugin does catch a Node built-in (the check can fail)", async () => {
    const result = await bundle("./browser-bundle.test.ts");
    expect(result.builtins.some((b) => b.startsWith("node:zlib"))).toBe(true);
  });
});
