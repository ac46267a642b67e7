// B1 — sampling throughput and client CPU (bench/README.md).
//
// N `sample` calls (8-token prompt, max_tokens 16) at concurrency 1, 64 and 512 against
// `tinker-local --backend null` on 127.0.0.1, from three clients, each in its own process:
//   ours   — @tinker-ts/clients SamplingClient (bench/drivers/ours.mjs)
//   python — the official Python SDK 0.38.0, async API (bench/drivers/tinker_sdk.py)
//   raw    — a bare undici loop doing the same /asample + retrieve_future requests (the limit)
// Every run gets a fresh server process. Reports requests/s, p50/p99 latency, client CPU per
// 1,000 requests, peak RSS, ratios and the load average, min/median/max over the repetitions.
//
//   node bench/b1-sampling.mjs [--n 2000] [--full] [--repeats 3] [--concurrency 1,64,512]
// N: --n, else $BENCH_B1_N, else 20,000 with --full, else 2,000 (see bench/README.md).

import {
  arg,
  envInt,
  flag,
  fmt,
  fmtRange,
  load1,
  machineInfo,
  percentile,
  printTable,
  pythonVersionOf,
  ratio,
  summary,
  writeResults,
} from "./lib/common.mjs";
import {
  driverEnv,
  ensurePython,
  nodeDriver,
  requireBuilt,
  runDriver,
  startServer,
} from "./lib/processes.mjs";

const FULL_N = 20_000;
const QUICK_N = 2_000;

export async function runB1() {
  requireBuilt(["packages/clients/dist/index.js", "apps/local-server/dist/bin.js"]);
  const n = Number(arg("n", envInt("BENCH_B1_N", flag("full") ? FULL_N : QUICK_N)));
  const repeats = Number(arg("repeats", envInt("BENCH_REPEATS", 3)));
  const concurrencies = arg("concurrency", "1,64,512").split(",").map(Number);
  const warmup = Math.min(500, Math.max(50, Math.floor(n / 10)));
  const python = ensurePython();
  const impls = {
    raw: nodeDriver("raw-sample.mjs"),
    ours: { command: process.execPath, args: ["--expose-gc", nodeDriver("ours.mjs").args[0]] },
    python: { command: python, args: [new URL("drivers/tinker_sdk.py", import.meta.url).pathname] },
  };
  const names = Object.keys(impls);
  console.log(
    `B1 sampling: N = ${n} per run, concurrency ${concurrencies.join(", ")}, ${repeats} repetitions`,
  );

  const runs = [];
  for (let rep = 0; rep < repeats; rep++) {
    for (const concurrency of concurrencies) {
      // Rotate the order each repetition so that drift in the machine's load spreads evenly.
      const order = names.map((_, i) => names[(i + rep) % names.length]);
      for (const impl of order) {
        const server = await startServer();
        const { env, cleanup } = driverEnv();
        const load = load1();
        const serverCpu0 = server.cpuSeconds();
        try {
          const { command, args } = impls[impl];
          const r = await runDriver(
            command,
            args,
            { mode: "sample", base_url: server.url, n, concurrency, warmup },
            { env },
          );
          const run = {
            impl,
            concurrency,
            rep,
            load1: load,
            requests_per_second: n / r.seconds,
            p50_ms: percentile(r.latencies_ms, 50),
            p99_ms: percentile(r.latencies_ms, 99),
            cpu_ms_per_request: (r.cpu_seconds * 1000) / n,
            peak_rss_bytes: r.peak_rss_bytes,
            server_cpu_ms_per_request: ((server.cpuSeconds() - serverCpu0) * 1000) / (n + warmup),
            seconds: r.seconds,
          };
          runs.push(run);
          console.log(
            `  rep ${rep + 1} c=${String(concurrency).padEnd(3)} ${impl.padEnd(6)} ${fmt(run.requests_per_second)} req/s, ` +
              `p50 ${fmt(run.p50_ms, 2)} ms, CPU ${fmt(run.cpu_ms_per_request, 3)} ms/req, load ${load}`,
          );
        } finally {
          cleanup();
          await server.close();
        }
      }
    }
  }

  const rows = [];
  const table = [];
  for (const concurrency of concurrencies) {
    const agg = {};
    for (const impl of names) {
      const mine = runs.filter((r) => r.impl === impl && r.concurrency === concurrency);
      agg[impl] = {
        requests_per_second: summary(mine.map((r) => r.requests_per_second)),
        p50_ms: summary(mine.map((r) => r.p50_ms)),
        p99_ms: summary(mine.map((r) => r.p99_ms)),
        cpu_ms_per_request: summary(mine.map((r) => r.cpu_ms_per_request)),
        peak_rss_mb: summary(mine.map((r) => r.peak_rss_bytes / 2 ** 20)),
        server_cpu_ms_per_request: summary(mine.map((r) => r.server_cpu_ms_per_request)),
        load1: summary(mine.map((r) => r.load1)),
      };
    }
    const rps = (impl) => agg[impl].requests_per_second.median;
    const entry = {
      concurrency,
      ...agg,
      ours_vs_python: ratio(rps("ours"), rps("python")),
      ours_vs_raw: ratio(rps("ours"), rps("raw")),
    };
    rows.push(entry);
    for (const impl of names) {
      const a = agg[impl];
      table.push([
        String(concurrency),
        impl,
        fmtRange(a.requests_per_second),
        fmt(a.p50_ms.median, 2),
        fmt(a.p99_ms.median, 2),
        // CPU-seconds per 1,000 requests is numerically ms per request.
        fmt(a.cpu_ms_per_request.median, 3),
        fmt(a.peak_rss_mb.max, 0),
        impl === "ours" ? `${fmt(entry.ours_vs_python, 2)} / ${fmt(entry.ours_vs_raw, 2)}` : "",
        fmtRange(a.load1, 2),
      ]);
    }
  }
  console.log();
  printTable(
    [
      { title: "conc" },
      { title: "client", align: "left" },
      { title: "req/s min / median / max" },
      { title: "p50 ms" },
      { title: "p99 ms" },
      { title: "CPU s/1k req" },
      { title: "peak RSS MiB" },
      { title: "÷ python / ÷ raw" },
      { title: "load1 min / med / max" },
    ],
    table,
  );
  const at512 = rows.find((r) => r.concurrency === 512);
  const targets = at512
    ? {
        ours_vs_python_at_512: {
          value: at512.ours_vs_python,
          target: ">= 3",
          met: at512.ours_vs_python >= 3,
        },
        ours_vs_raw_at_512: { value: at512.ours_vs_raw, target: ">= 0.70", met: at512.ours_vs_raw >= 0.7 },
        ours_cpu_ms_per_sample_max_over_concurrencies: (() => {
          const worst = Math.max(...rows.map((r) => r.ours.cpu_ms_per_request.median));
          return { value: worst, target: "<= 1 ms", met: worst <= 1 };
        })(),
      }
    : {};
  for (const [name, t] of Object.entries(targets))
    console.log(`target ${name}: ${fmt(t.value, 3)} (${t.target}) ${t.met ? "met" : "NOT met"}`);
  const result = {
    benchmark: "B1 sampling",
    date: new Date().toISOString(),
    machine: machineInfo(pythonVersionOf(python)),
    settings: { n, repeats, warmup, concurrencies, prompt_tokens: 8, max_tokens: 16 },
    rows,
    targets,
    runs,
  };
  console.log(`wrote ${writeResults("b1-sampling", result)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB1();
