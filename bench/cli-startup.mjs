// Benchmark: start-up time of the `tinker` CLI (phase Q7).
//
// Runs `tinker --help` (commander only: every command module is imported lazily) and, for
// reference, `node -e 0` (the floor: Node's own start) and `tinker version`, each --runs times
// (default 20) after one warm-up, and prints the min and median wall time in ms. Target for
// `tinker --help`: ≤ 150 ms on the CI machine. It measures; it asserts nothing.
//
// Run after `pnpm --filter @tinker-ts/cli build`:
//   node bench/cli-startup.mjs [--runs 20]

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "apps/cli/dist/bin.js");
const i = process.argv.indexOf("--runs");
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 20;

if (!existsSync(bin)) {
  console.error(`${bin} is missing: run \`pnpm --filter @tinker-ts/cli build\` first.`);
  process.exit(1);
}

function time(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function measure(label, args) {
  time(args);
  const samples = Array.from({ length: RUNS }, () => time(args)).sort((a, b) => a - b);
  const median = RUNS % 2 ? samples[(RUNS - 1) / 2] : (samples[RUNS / 2 - 1] + samples[RUNS / 2]) / 2;
  return { label, min: samples[0], median };
}

const rows = [
  measure("node -e 0 (floor)", ["-e", "0"]),
  measure("tinker --help", [bin, "--help"]),
  measure("tinker version", [bin, "version"]),
];
console.log(
  `CLI start-up, ${RUNS} runs each (node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)})`,
);
console.log("command                 min ms   median ms");
for (const r of rows)
  console.log(`${r.label.padEnd(22)} ${r.min.toFixed(1).padStart(7)} ${r.median.toFixed(1).padStart(11)}`);
const help = rows[1];
console.log(
  `tinker --help over the node floor: ${(help.median - rows[0].median).toFixed(1)} ms (median); target ≤ 150 ms total`,
);
