#!/usr/bin/env node
// Sums the JSON reports that every package's vitest run writes (.vitest-report.json) into one
// closing line, "Tests: N passed, N failed, N skipped", so a CI log says in one place how many
// tests ran. Exits non-zero when a report records a failure or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const packages = [];
// Workspace packages live one level below these folders, except `examples`, which is one package.
const packageDirs = ["packages", "apps", "tools"].flatMap((group) => {
  const dir = join(root, group);
  return existsSync(dir) ? readdirSync(dir).map((name) => join(group, name)) : [];
});
packageDirs.push("examples");
for (const name of packageDirs) {
  const report = join(root, name, ".vitest-report.json");
  if (!existsSync(report)) continue;
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed += json.numPassedTests ?? 0;
  failed += json.numFailedTests ?? 0;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  packages.push(`${name}: ${json.numPassedTests} passed, ${json.numFailedTests} failed`);
}
for (const line of packages) console.log(`  ${line}`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
