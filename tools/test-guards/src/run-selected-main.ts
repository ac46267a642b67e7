import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { selectTests } from "./select.js";

/**
 * `pnpm test:contract` and `pnpm test:live` (docs/testing.md#selectors): runs only the contract
 * tests or only the live tests, package by package, without coverage. `test:live` selects every
 * live area unless `TINKER_LIVE` names some. Exits 1 when a package's run fails.
 */
const kind = process.argv[2];
if (kind !== "contract" && kind !== "live") {
  console.error("usage: run-selected-main.ts contract|live");
  process.exit(2);
}
const root = fileURLToPath(new URL("../../..", import.meta.url));
const byPackage = new Map<string, string[]>();
for (const test of await selectTests(root, kind)) {
  byPackage.set(test.packageDir, [...(byPackage.get(test.packageDir) ?? []), test.file]);
}
const env =
  kind === "live" && !process.env["TINKER_LIVE"] ? { ...process.env, TINKER_LIVE: "all" } : process.env;
let failed = 0;
for (const [packageDir, files] of byPackage) {
  console.log(`\n[${kind}] ${packageDir}: ${files.join(" ")}`);
  const result = spawnSync("pnpm", ["exec", "vitest", "run", "--coverage.enabled=false", ...files], {
    cwd: `${root}/${packageDir}`,
    env,
    stdio: "inherit",
  });
  if (result.status !== 0) failed += 1;
}
console.log(`\n[${kind}] ${byPackage.size - failed} of ${byPackage.size} package(s) passed`);
process.exitCode = failed === 0 ? 0 : 1;
