// B3 — training pipeline (bench/README.md).
//
// 100 steps of pipelined forward_backward (8 datums × 256 tokens, cross_entropy) + optim_step
// against `tinker-local --backend null` in another process: step i is submitted before step i−1
// is awaited, the pattern the SDKs document. Ours vs the official Python SDK (async API); steps/s
// and client CPU per step, min/median/max over every timed run of every process.
//
//   node bench/b3-pipeline.mjs [--repeats 3] [--reps 2] [--steps 100]

import {
  arg,
  envInt,
  fmt,
  fmtRange,
  load1,
  machineInfo,
  printTable,
  pythonVersionOf,
  ratio,
  summary,
  writeResults,
} from "./lib/common.mjs";
import { driverEnv, ensurePython, requireBuilt, runDriver, startServer } from "./lib/processes.mjs";

export async function runB3() {
  requireBuilt(["packages/clients/dist/index.js", "apps/local-server/dist/bin.js"]);
  const repeats = Number(arg("repeats", envInt("BENCH_REPEATS", 3)));
  const reps = Number(arg("reps", 2));
  const steps = Number(arg("steps", 100));
  const shape = { datums: 8, tokens: 256 };
  const python = ensurePython();
  const impls = {
    ours: { command: process.execPath, args: [new URL("drivers/ours.mjs", import.meta.url).pathname] },
    python: { command: python, args: [new URL("drivers/tinker_sdk.py", import.meta.url).pathname] },
  };
  console.log(
    `B3 pipeline: ${steps} steps × ${reps} timed runs per process, ${repeats} processes per client`,
  );
  const runs = { ours: [], python: [] };
  for (let rep = 0; rep < repeats; rep++) {
    for (const impl of rep % 2 ? ["python", "ours"] : ["ours", "python"]) {
      const server = await startServer();
      const { env, cleanup } = driverEnv();
      const load = load1();
      try {
        const { command, args } = impls[impl];
        const r = await runDriver(
          command,
          args,
          { mode: "pipeline", base_url: server.url, ...shape, steps, reps, warmup: 5 },
          { env },
        );
        runs[impl].push({ ...r, load1: load });
        console.log(
          `  ${impl.padEnd(6)} ${r.seconds.map((s) => fmt(steps / s, 1)).join(", ")} steps/s, load ${load}`,
        );
      } finally {
        cleanup();
        await server.close();
      }
    }
  }
  const agg = {};
  for (const impl of Object.keys(runs)) {
    const rs = runs[impl];
    agg[impl] = {
      steps_per_second: summary(rs.flatMap((r) => r.seconds.map((s) => steps / s))),
      cpu_ms_per_step: summary(rs.flatMap((r) => r.cpu_seconds.map((c) => (c * 1000) / steps))),
      peak_rss_mib: summary(rs.map((r) => r.peak_rss_bytes / 2 ** 20)),
      load1: summary(rs.map((r) => r.load1)),
    };
  }
  const speedup = ratio(agg.ours.steps_per_second.median, agg.python.steps_per_second.median);
  console.log();
  printTable(
    [
      { title: "client", align: "left" },
      { title: "steps/s min / median / max" },
      { title: "CPU ms/step (median)" },
      { title: "peak RSS MiB" },
      { title: "÷ python" },
      { title: "load1 min / med / max" },
    ],
    Object.entries(agg).map(([impl, a]) => [
      impl,
      fmtRange(a.steps_per_second, 1),
      fmt(a.cpu_ms_per_step.median, 2),
      fmt(a.peak_rss_mib.max, 0),
      impl === "ours" ? fmt(speedup, 2) : "",
      fmtRange(a.load1, 2),
    ]),
  );
  const targets = {
    ours_vs_python_steps_per_second: { value: speedup, target: ">= 1.5", met: speedup >= 1.5 },
  };
  console.log(
    `target ours ÷ python steps/s: ${fmt(speedup, 2)} (>= 1.5) ${speedup >= 1.5 ? "met" : "NOT met"}`,
  );
  const result = {
    benchmark: "B3 pipeline",
    date: new Date().toISOString(),
    machine: machineInfo(pythonVersionOf(python)),
    settings: {
      repeats,
      reps,
      steps,
      ...shape,
      loss_fn: "cross_entropy",
      optimizer: { learning_rate: 1e-4 },
    },
    ...agg,
    ours_vs_python: speedup,
    targets,
    runs,
  };
  console.log(`wrote ${writeResults("b3-pipeline", result)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB3();
