#!/usr/bin/env node
// The README's test command. Runs every stage even when an earlier one failed, so that a failing
// package never hides the others' results, the lint, or the closing "Tests:" line:
//   1. build, typecheck and test every package (turbo --continue: a failed task stops only the
//      tasks that depend on it);
//   2. pack every published package and check it with publint, attw and our manifest checks;
//   3. lint the whole tree;
//   4. sum the test reports into one line (tools/ci/summarize-tests.mjs).
// Exits 1 if any stage failed, after all of them ran, and names the failed stages last.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const stages = [
  [
    "build, typecheck, test",
    "pnpm",
    ["exec", "turbo", "run", "build", "typecheck", "test", "--concurrency=2", "--continue"],
  ],
  ["package checks (publint, attw)", "pnpm", ["--filter", "@tinker-ts/release", "check-packages"]],
  ["lint", "pnpm", ["exec", "biome", "check", "."]],
  ["test summary", "node", ["tools/ci/summarize-tests.mjs"]],
];

// A report left by an earlier run would be counted as this run's result; the summary must only
// see reports written now.
for (const group of ["packages", "apps", "tools"]) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) rmSync(join(dir, name, ".vitest-report.json"), { force: true });
}
rmSync(join(root, "examples", ".vitest-report.json"), { force: true });

const failed = [];
for (const [name, command, args] of stages) {
  const started = Date.now();
  const { status, error } = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (status !== 0) failed.push(name);
  console.log(
    `\n[test-all] ${name}: ${status === 0 ? "ok" : `FAILED (${error?.message ?? `exit ${status}`})`} in ${seconds} s\n`,
  );
}
if (failed.length > 0) {
  console.log(`[test-all] failed: ${failed.join("; ")}`);
  process.exit(1);
}
