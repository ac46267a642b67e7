#!/usr/bin/env node
// Size of @tinker-ts/types' JSON entry (src/index.ts) bundled for browsers: esbuild, ESM,
// minified, then gzipped. The protobuf codec (`@tinker-ts/types/proto`) is a separate entry and
// not included. Run from the repository root: `node bench/types-bundle-size.mjs`.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const entry = new URL("../packages/types/src/index.ts", import.meta.url).pathname;
const result = await build({
  entryPoints: [entry],
  bundle: true,
  platform: "browser",
  format: "esm",
  minify: true,
  write: false,
  metafile: true,
  logLevel: "silent",
});
const code = result.outputFiles[0].contents;
const inputs = Object.values(result.metafile.outputs)[0].inputs;
const zodBytes = Object.entries(inputs)
  .filter(([path]) => path.includes("node_modules/"))
  .reduce((sum, [, info]) => sum + info.bytesInOutput, 0);
console.log(
  JSON.stringify(
    {
      entry: "packages/types/src/index.ts",
      minifiedBytes: code.length,
      gzipBytes: gzipSync(code).length,
      dependencyMinifiedBytes: zodBytes,
      ownMinifiedBytes: code.length - zodBytes,
    },
    null,
    2,
  ),
);
