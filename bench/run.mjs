// `pnpm bench`: builds what the suite imports, runs B1, B2, B3, B5 and then B4 (the tokenizer,
// last), prints each table and a summary of the targets, and writes every result plus a suite
// summary to bench/results/. See bench/README.md.
//
//   pnpm bench [--only b1,b3] [--full] [--no-build]
//   --full       B1 with N = 20,000 per run (default 2,000; $BENCH_B1_N overrides both)
//   --no-build   use the dist outputs as they are
// Environment: BENCH_B1_N, BENCH_REPEATS (default 3), BENCH_PYTHON (an interpreter with tinker==0.38.0).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runB1 } from "./b1-sampling.mjs";
import { runB2 } from "./b2-training-payloads.mjs";
import { runB3 } from "./b3-pipeline.mjs";
import { runB4 } from "./b4-tokenizer.mjs";
import { runB5 } from "./b5-footprint.mjs";
import { arg, flag, fmt, loads, machineInfo, printTable, root, writeResults } from "./lib/common.mjs";

const BUILDS = [
  {
    filters: ["@tinker-ts/clients...", "@tinker-ts/local-server..."],
    needed: "packages/clients/dist/index.js",
  },
  { filters: ["@tinker-ts/cli"], needed: "apps/cli/dist/bin.js", optional: true },
];

/** Builds with pnpm; a failed build falls back to an existing dist with a warning. */
function buildAll() {
  for (const { filters, needed, optional } of BUILDS) {
    const args = filters.flatMap((f) => ["--filter", f]).concat(["build"]);
    console.log(`> pnpm ${args.join(" ")}`);
    const r = spawnSync("pnpm", args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (r.status === 0) continue;
    const tail = (r.stderr ?? "").trim().split("\n").slice(-5).join("\n");
    if (existsSync(join(root, needed)))
      console.warn(`build failed, using the existing dist outputs:\n${tail}`);
    else if (optional)
      console.warn(`build failed; the benchmarks that need ${needed} will be skipped:\n${tail}`);
    else throw new Error(`build failed and ${needed} is missing:\n${tail}`);
  }
}

const SUITE = [
  ["b1", runB1],
  ["b2", runB2],
  ["b3", runB3],
  ["b5", runB5],
  ["b4", runB4], // last: the tokenizer benchmark is the longest-running and the most CPU-bound
];

const only = arg("only")?.split(",");
if (!flag("no-build")) buildAll();
const started = new Date();
const results = {};
for (const [name, run] of SUITE) {
  if (only && !only.includes(name)) continue;
  console.log(`\n=== ${name.toUpperCase()} (load ${loads().join(" ")}) ===`);
  try {
    results[name] = await run();
  } catch (error) {
    console.error(`${name} failed: ${error.stack ?? error}`);
    results[name] = { failed: String(error.message ?? error) };
  }
}

// One line per target, whatever the benchmark's own shape of `targets`.
const lines = [];
for (const [name, r] of Object.entries(results)) {
  if (r.failed) {
    lines.push([name, "(failed)", r.failed.split("\n")[0], ""]);
    continue;
  }
  const targets = Array.isArray(r.targets) ? r.targets : Object.entries(r.targets ?? {});
  for (const entry of targets) {
    const [key, t] = Array.isArray(entry) ? entry : [entry.name, entry];
    for (const item of Array.isArray(t) ? t : [t]) {
      const label = item.case ? `${key} [${item.case}]` : key;
      lines.push([
        name,
        label,
        item.skipped ? `skipped: ${item.skipped}` : fmt(item.value, 3),
        item.skipped ? "" : item.met ? "met" : "NOT met",
      ]);
    }
  }
}
console.log("\n=== targets ===");
printTable(
  [{ title: "bench", align: "left" }, { title: "target", align: "left" }, { title: "value" }, { title: "" }],
  lines,
);
const file = writeResults("suite", {
  started: started.toISOString(),
  finished: new Date().toISOString(),
  machine: machineInfo(results.b1?.machine?.python ?? null),
  load_at_end: loads(),
  results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { ...v, runs: undefined }])),
});
console.log(`wrote ${file}`);
