#!/usr/bin/env node
// `pnpm --filter @tinker-ts/parity parity [--only a,b] [--keep DIR]`
//
// Loads scripts/main.ts through a Vite module runner so that the workspace packages resolve to
// their TypeScript sources (the `@tinker-ts/source` export condition, as in the tests): the
// harness always runs against the code in the tree, with no build step. Everything outside the
// workspace is left to Node.
import { fileURLToPath } from "node:url";
import { createServer, createServerModuleRunner, defaultServerConditions } from "vite";

const conditions = ["@tinker-ts/source", ...defaultServerConditions.filter((c) => c !== "module")];
const vite = await createServer({
  configFile: false,
  root: fileURLToPath(new URL("..", import.meta.url)),
  logLevel: "error",
  appType: "custom",
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
  ssr: { resolve: { conditions }, noExternal: [/^@tinker-ts\//] },
});
const runner = createServerModuleRunner(vite.environments.ssr, { hmr: false });
let code = 1;
try {
  const { main } = await runner.import(fileURLToPath(new URL("./main.ts", import.meta.url)));
  code = await main(process.argv.slice(2));
} catch (error) {
  console.error(error);
} finally {
  await runner.close();
  await vite.close();
}
process.exit(code);
