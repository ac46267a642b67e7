#!/usr/bin/env node
// The `tinker-local` executable. This file is committed (dist/ is not) so that package managers can link
// the bin on a fresh workspace install, before anything is built; the server CLI itself is dist/bin.js.
try {
  await import("../dist/bin.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/bin.js")) throw error;
  console.error(
    "tinker-local: @tinker-ts/local-server is not built yet (dist/bin.js is missing); run `pnpm build` first.",
  );
  process.exitCode = 1;
}
