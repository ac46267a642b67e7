import { defineConfig } from "tsup";

// The library entry and the `tinker` executable in one build, sharing chunks. Command modules
// are imported lazily from cli.ts, so with code splitting each becomes its own chunk and
// `tinker --help` loads none of them. @tinker-ts/local-server is an optional install, only ever
// imported at run time. (A `#!` line is valid at the top of any ES module, so the banner is
// harmless on the library chunks.)
export default defineConfig({
  entry: { index: "src/index.ts", bin: "src/bin.ts" },
  format: ["esm"],
  platform: "node",
  target: "es2022",
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  clean: true,
  splitting: true,
  banner: { js: "#!/usr/bin/env node" },
  external: ["@tinker-ts/local-server"],
});
