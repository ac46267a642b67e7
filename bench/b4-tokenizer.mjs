// B4 — tokenizer encode throughput (bench/README.md).
//
// Runs bench/tokenizer.mjs (owned with @tinker-ts/tokenizer, which measures ours — single thread
// and encodeBatch on 2 workers — against Python `tokenizers` on the same corpus) with the suite's
// Python (the parity venv has tokenizers 0.23.3), then reads its JSON and reports min/median/max
// tokens/s per row and the B4 targets. Run it last in a suite: it needs
// `pnpm --filter @tinker-ts/tokenizer build`.
//
//   node bench/b4-tokenizer.mjs [--runs 9] [--repeat 8]

import { spawn } from "node:child_process";
import { join } from "node:path";
import {
  arg,
  envInt,
  fmt,
  fmtRange,
  load1,
  machineInfo,
  printTable,
  pythonVersionOf,
  readJson,
  root,
  summary,
  writeResults,
} from "./lib/common.mjs";
import { ensurePython, requireBuilt } from "./lib/processes.mjs";

function runTokenizerBench(python, runs, repeat) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "bench/tokenizer.mjs"),
        "--python",
        python,
        "--runs",
        String(runs),
        "--repeat",
        String(repeat),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      process.stdout.write(c);
    });
    child.on("close", (code) => {
      const wrote = /wrote (\S+\.json)/.exec(out);
      if (code !== 0 || !wrote) reject(new Error(`bench/tokenizer.mjs failed (exit ${code})`));
      else resolve(readJson(join(root, wrote[1])));
    });
  });
}

export async function runB4() {
  requireBuilt(["packages/tokenizer/dist/index.js"]);
  const runs = Number(arg("runs", envInt("BENCH_B4_RUNS", 9)));
  const repeat = Number(arg("repeat", 8));
  const python = ensurePython();
  const loadBefore = load1();
  const raw = await runTokenizerBench(python, runs, repeat);
  const loadAfter = load1();

  const rows = [];
  const targets = [];
  for (const [model, entry] of Object.entries(raw.tokenizers)) {
    const rate = (seconds) => summary((seconds ?? []).map((s) => entry.tokens / s));
    const r = {
      model,
      tokens: entry.tokens,
      ours_single: rate(entry.ours.single_seconds),
      ours_batch: rate(entry.ours.batch_seconds),
      python_single: rate(entry.python.single_seconds),
      python_batch: rate(entry.python.batch_seconds),
      worker_start_ms: entry.ours.worker_start_seconds * 1000,
      python_skipped: entry.python.skipped,
    };
    r.ours_vs_python_single = r.ours_single.median / r.python_single.median;
    r.batch_scaling = r.ours_batch.median / r.ours_single.median;
    r.python_batch_scaling = r.python_batch.median / r.python_single.median;
    rows.push(r);
    targets.push(
      { name: `${model}: ours single ÷ python single`, value: r.ours_vs_python_single, target: ">= 0.5" },
      { name: `${model}: encodeBatch on 2 workers ÷ own single`, value: r.batch_scaling, target: ">= 1.7" },
    );
  }
  for (const t of targets) t.met = t.value >= Number(t.target.slice(3));

  console.log();
  printTable(
    [
      { title: "model", align: "left" },
      { title: "client / mode", align: "left" },
      { title: "tokens/s min / median / max" },
      { title: "ratio" },
    ],
    rows.flatMap((r) => [
      [r.model, "ours encode, 1 thread", fmtRange(r.ours_single), `${fmt(r.ours_vs_python_single, 2)} × py`],
      [
        r.model,
        "ours encodeBatch, 2 workers",
        fmtRange(r.ours_batch),
        `${fmt(r.batch_scaling, 2)} × own 1-thread`,
      ],
      [r.model, "python encode, 1 thread", fmtRange(r.python_single), ""],
      [
        r.model,
        "python encode_batch, 2 threads",
        fmtRange(r.python_batch),
        `${fmt(r.python_batch_scaling, 2)} × own 1-thread`,
      ],
    ]),
  );
  console.log(`load1 ${loadBefore} before, ${loadAfter} after`);
  for (const t of targets)
    console.log(`target ${t.name}: ${fmt(t.value, 2)} (${t.target}) ${t.met ? "met" : "NOT met"}`);
  const result = {
    benchmark: "B4 tokenizer",
    date: new Date().toISOString(),
    machine: machineInfo(pythonVersionOf(python)),
    settings: { runs, repeat, corpus: raw.corpus },
    load1: { before: loadBefore, after: loadAfter },
    rows,
    targets,
    source: raw,
  };
  console.log(`wrote ${writeResults("b4-tokenizer", result)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB4();
