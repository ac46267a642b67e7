#!/usr/bin/env node
// Sums the JSON reports that every package's vitest run writes (.vitest-report.json) into one
// closing line, "Tests: N passed, N failed, N skipped", so a CI log says in one place how many
// tests ran. A package with a `test` script but no report (its build failed, or vitest crashed)
// is named and counted as a failure. Exits non-zero on any failure or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
const missing = [];
// Workspace packages live one level below these folders, except `examples`, which is one package.
const packageDirs = ["packages", "apps", "tools"].flatMap((group) => {
  const dir = join(root, group);
  return existsSync(dir) ? readdirSync(dir).map((name) => join(group, name)) : [];
});
packageDirs.push("examples");
for (const name of packageDirs) {
  const manifest = join(root, name, "package.json");
  if (!existsSync(manifest)) continue;
  const hasTests = Boolean(JSON.parse(readFileSync(manifest, "utf8")).scripts?.test);
  const report = join(root, name, ".vitest-report.json");
  if (!existsSync(report)) {
    if (hasTests) missing.push(name);
    continue;
  }
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed += json.numPassedTests ?? 0;
  failed += json.numFailedTests ?? 0;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  lines.push(`${name}: ${json.numPassedTests} passed, ${json.numFailedTests} failed`);
}
for (const line of lines) console.log(`  ${line}`);
for (const name of missing) console.log(`  ${name}: no test report (its tests did not run)`);
console.log(
  `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped` +
    (missing.length > 0 ? `, ${missing.length} package(s) without a report` : ""),
);
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
