// B2 — training payloads (bench/README.md).
//
// One forward_backward (cross_entropy) of 128 datums × 4,096 tokens and of 1,024 datums × 512
// tokens — int32 tokens, int64 target_tokens and float32 weights, 16 bytes per token — with and
// without zstd (tinker-local --proto-compress sets `proto_compress_fwdbwd`, which both SDKs obey),
// against `tinker-local --backend null` in another process. For ours (default `readDataAt:
// "call"`), ours with `readDataAt: "send"` ("ours-send") and the official Python SDK:
//   encode  — the SDK's own encoder on the whole batch as one request (+ zstd when on);
//   submit  — from the call until the last chunk's POST returned (ours: `future.requestId`; Python:
//             a timing wrapper around its AsyncTrainingResource.forward_backward);
//   e2e     — from the call until the combined result is back;
//   peak RSS of the process from just before the batch was built until the first (cold) step's
//             last chunk POST returned ("while sending") and until its outputs were back, relative
//             to the payload size.
// Each repetition is a fresh client process (so peak RSS is per process) doing one cold step and
// --reps timed steps; timings are min/median/max over every timed step of every process.
//
// At 8 MiB, allocator and heap sizing dominate peak RSS; `--large` adds a 128 MiB batch
// (1,024 × 8,192 tokens, the same formula on both sides) where copies of the payload show, and
// `--shapes` picks the batches (datums×tokens, comma-separated).
//
//   node bench/b2-training-payloads.mjs [--repeats 3] [--reps 3] [--large] [--shapes 1024x8192]

import {
  arg,
  envInt,
  flag,
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

const DEFAULT_SHAPES = "128x4096,1024x512";
/** 1,024 × 8,192 tokens × 16 bytes = 128 MiB: large enough for copies of the payload to dominate. */
const LARGE_SHAPE = "1024x8192";
const MIB = 2 ** 20;

/** `--shapes 128x4096,1024x512` as `[{ datums, tokens }]`. */
function parseShapes(text) {
  return text.split(",").map((item) => {
    const match = /^(\d+)x(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`--shapes wants datums×tokens such as 1024x512, got ${JSON.stringify(item)}`);
    return { datums: Number(match[1]), tokens: Number(match[2]) };
  });
}

export async function runB2() {
  requireBuilt(["packages/clients/dist/index.js", "apps/local-server/dist/bin.js"]);
  const repeats = Number(arg("repeats", envInt("BENCH_REPEATS", 3)));
  const reps = Number(arg("reps", 3));
  const shapes = parseShapes(
    flag("large") ? `${arg("shapes", DEFAULT_SHAPES)},${LARGE_SHAPE}` : arg("shapes", DEFAULT_SHAPES),
  );
  const python = ensurePython();
  const ours = {
    command: process.execPath,
    args: ["--expose-gc", new URL("drivers/ours.mjs", import.meta.url).pathname],
  };
  // "ours-send" is ours with `readDataAt: "send"`: bodies written as chunks are sent, as Python does.
  const impls = {
    ours,
    "ours-send": { ...ours, config: { read_data_at: "send" } },
    python: { command: python, args: [new URL("drivers/tinker_sdk.py", import.meta.url).pathname] },
  };
  const names = Object.keys(impls);
  console.log(
    `B2 training payloads: ${repeats} processes per case, ${reps} timed steps each after a cold one`,
  );

  const cases = [];
  for (const shape of shapes) {
    for (const zstd of [false, true]) {
      const payload = shape.datums * shape.tokens * 16;
      const runs = Object.fromEntries(names.map((name) => [name, []]));
      for (let rep = 0; rep < repeats; rep++) {
        // Rotate the order each repetition so that drift in the machine's load spreads evenly.
        for (const impl of names.map((_, i) => names[(i + rep) % names.length])) {
          const server = await startServer(zstd ? ["--proto-compress"] : []);
          const { env, cleanup } = driverEnv();
          const load = load1();
          try {
            const { command, args, config } = impls[impl];
            const r = await runDriver(
              command,
              args,
              { mode: "train", base_url: server.url, ...shape, zstd, reps, ...config },
              { env },
            );
            runs[impl].push({ ...r, load1: load });
            console.log(
              `  ${shape.datums}×${shape.tokens} zstd=${zstd ? "on " : "off"} ${impl.padEnd(9)} encode ${fmt(summary(r.encode_ms).median, 1)} ms, ` +
                `e2e ${fmt(summary(r.e2e_ms).median, 1)} ms, peak +${fmt((r.peak_rss_first_step_bytes - r.rss_before_data_bytes) / MIB, 0)} MiB ` +
                `(batch ${fmt((r.rss_with_data_bytes - r.rss_before_data_bytes) / MIB, 0)}), load ${load}`,
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
        // MiB from one RSS reading of a run to another, summarized over the runs.
        const mibBetween = (from, to) => summary(rs.map((r) => (r[to] - r[from]) / MIB));
        agg[impl] = {
          encode_ms: summary(rs.flatMap((r) => r.encode_ms)),
          // CPU time of the encoding process (all its threads): less sensitive to the machine's load.
          encode_cpu_ms: summary(rs.flatMap((r) => r.encode_cpu_ms ?? [])),
          submit_ms: summary(rs.flatMap((r) => r.submit_ms)),
          e2e_ms: summary(rs.flatMap((r) => r.e2e_ms)),
          body_bytes: rs[0]?.body_bytes,
          data_mib: mibBetween("rss_before_data_bytes", "rss_with_data_bytes"),
          peak_growth_mib: mibBetween("rss_before_data_bytes", "peak_rss_first_step_bytes"),
          // Until the last chunk's POST returned: the batch and its request bodies, before results.
          submit_peak_growth_mib: mibBetween("rss_before_data_bytes", "peak_rss_submitted_bytes"),
          // What the step adds on top of the batch itself: encoded bodies, buffers, results.
          beyond_batch_mib: mibBetween("rss_with_data_bytes", "peak_rss_first_step_bytes"),
          peak_rss_mib: summary(rs.map((r) => r.peak_rss_first_step_bytes / MIB)),
          load1: summary(rs.map((r) => r.load1)),
          raw: rs.map(({ encode_ms, encode_cpu_ms, submit_ms, e2e_ms, ...rest }) => ({
            encode_ms,
            encode_cpu_ms,
            submit_ms,
            e2e_ms,
            ...rest,
          })),
        };
        const vsPayload = (mib) => (mib.median * MIB) / payload;
        agg[impl].peak_growth_vs_payload = vsPayload(agg[impl].peak_growth_mib);
        agg[impl].submit_peak_growth_vs_payload = vsPayload(agg[impl].submit_peak_growth_mib);
        agg[impl].beyond_batch_vs_payload = vsPayload(agg[impl].beyond_batch_mib);
      }
      cases.push({
        ...shape,
        zstd,
        payload_bytes: payload,
        ...agg,
        encode_speedup_vs_python: ratio(agg.python.encode_ms.median, agg.ours.encode_ms.median),
        encode_cpu_speedup_vs_python: ratio(agg.python.encode_cpu_ms.median, agg.ours.encode_cpu_ms.median),
        submit_speedup_vs_python: ratio(agg.python.submit_ms.median, agg.ours.submit_ms.median),
        e2e_speedup_vs_python: ratio(agg.python.e2e_ms.median, agg.ours.e2e_ms.median),
      });
    }
  }

  console.log();
  const table = [];
  for (const c of cases) {
    for (const impl of names) {
      const a = c[impl];
      table.push([
        `${c.datums}×${c.tokens}`,
        c.zstd ? "on" : "off",
        impl,
        fmtRange(a.encode_ms, 1),
        fmt(a.encode_cpu_ms.median, 1),
        fmtRange(a.submit_ms, 1),
        fmtRange(a.e2e_ms, 1),
        `${fmt(a.submit_peak_growth_mib.median, 0)} (${fmt(a.submit_peak_growth_vs_payload, 2)}×)`,
        `${fmt(a.peak_growth_mib.median, 0)} (${fmt(a.peak_growth_vs_payload, 2)}×)`,
        `${fmt(a.data_mib.median, 0)}`,
        `${fmt(a.beyond_batch_mib.median, 0)} (${fmt(a.beyond_batch_vs_payload, 2)}×)`,
        fmt(a.peak_rss_mib.median, 0),
        fmt((a.body_bytes ?? Number.NaN) / MIB, 2),
        impl === "ours"
          ? `${fmt(c.encode_speedup_vs_python, 2)} (CPU ${fmt(c.encode_cpu_speedup_vs_python, 2)}) / ${fmt(c.submit_speedup_vs_python, 2)} / ${fmt(c.e2e_speedup_vs_python, 2)}`
          : "",
        fmtRange(a.load1, 2),
      ]);
    }
  }
  printTable(
    [
      { title: "batch" },
      { title: "zstd" },
      { title: "client", align: "left" },
      { title: "encode ms min/med/max" },
      { title: "encode CPU ms (med)" },
      { title: "submit ms min/med/max" },
      { title: "e2e ms min/med/max" },
      { title: "peak growth submitting MiB (× payload)" },
      { title: "peak RSS growth MiB (× payload)" },
      { title: "batch MiB" },
      { title: "peak − batch MiB (× payload)" },
      { title: "peak RSS MiB" },
      { title: "body MiB" },
      { title: "py÷ours enc (CPU)/sub/e2e" },
      { title: "load1" },
    ],
    table,
  );
  const targets = {
    encode_at_least_2x_faster_than_python: cases.map((c) => ({
      case: `${c.datums}x${c.tokens} zstd=${c.zstd}`,
      value: c.encode_speedup_vs_python,
      met: c.encode_speedup_vs_python >= 2,
    })),
    peak_rss_growth_at_most_2x_payload: cases.map((c) => ({
      case: `${c.datums}x${c.tokens} zstd=${c.zstd}`,
      value: c.ours.peak_growth_vs_payload,
      met: c.ours.peak_growth_vs_payload <= 2,
    })),
    peak_rss_growth_at_most_2x_payload_with_read_data_at_send: cases.map((c) => ({
      case: `${c.datums}x${c.tokens} zstd=${c.zstd}`,
      value: c["ours-send"].peak_growth_vs_payload,
      met: c["ours-send"].peak_growth_vs_payload <= 2,
    })),
  };
  for (const [name, list] of Object.entries(targets))
    for (const t of list)
      console.log(`target ${name} [${t.case}]: ${fmt(t.value, 2)} ${t.met ? "met" : "NOT met"}`);
  const result = {
    benchmark: "B2 training payloads",
    date: new Date().toISOString(),
    machine: machineInfo(pythonVersionOf(python)),
    settings: { repeats, reps, shapes, loss_fn: "cross_entropy", bytes_per_token: 16 },
    cases,
    targets,
  };
  console.log(`wrote ${writeResults("b2-training-payloads", result)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB2();
