// Benchmark: protobuf encoding of forward_backward requests (tinker-wire-spec.md §5.3).
//
// Encodes requests of B datums × T tokens, each datum carrying int32 tokens, int64 target_tokens
// and float32 weights, and prints the time per encode (min / median / max over several runs) and
// the body size. It measures, it asserts nothing.
//
// Run after `pnpm --filter @tinker-ts/types build`:
//   node bench/proto-encode.mjs [--runs 15]

import { encodeForwardBackwardRequest } from "../packages/types/dist/proto.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const WARMUP = 3;

function makeRequest(datums, tokens) {
  const data = [];
  for (let d = 0; d < datums; d++) {
    const ids = new Int32Array(tokens);
    const targets = new BigInt64Array(tokens);
    const weights = new Float32Array(tokens);
    for (let i = 0; i < tokens; i++) {
      ids[i] = (d * 7919 + i * 104729) % 151936;
      targets[i] = BigInt(ids[(i + 1) % tokens]);
      weights[i] = i < tokens / 4 ? 0 : 1;
    }
    data.push({
      model_input: { chunks: [{ type: "encoded_text", tokens: ids }] },
      loss_fn_inputs: {
        target_tokens: { dtype: "int64", data: targets, shape: [tokens] },
        weights: { dtype: "float32", data: weights, shape: [tokens] },
      },
    });
  }
  return { model_id: "bench:train:0", seq_id: 1, data, loss_fn: "cross_entropy", forward_only: false };
}

function measure(label, datums, tokens) {
  const request = makeRequest(datums, tokens);
  let bytes = 0;
  for (let i = 0; i < WARMUP; i++) bytes = encodeForwardBackwardRequest(request).byteLength;
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    encodeForwardBackwardRequest(request);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const payload = datums * tokens * (4 + 8 + 4);
  console.log(
    `${label.padEnd(14)} ${String(bytes).padStart(10)} bytes (payload ${payload})  ` +
      `min ${times[0].toFixed(2)} ms  median ${median.toFixed(2)} ms  max ${times.at(-1).toFixed(2)} ms  ` +
      `(${((bytes / 1e6 / median) * 1000).toFixed(0)} MB/s at median)`,
  );
}

console.log(`node ${process.version}, ${RUNS} runs after ${WARMUP} warm-up runs`);
measure("128 × 4096", 128, 4096);
measure("1024 × 512", 1024, 512);
