// The limit of B1 (bench/README.md): the same requests a sample makes — POST /api/v1/asample, then
// POST /api/v1/retrieve_future (Accept: protobuf) until the result arrives, with the same bodies
// and the same headers as both SDKs send (constants here, a fresh idempotency key per request) —
// sent with a bare undici Pool and no SDK logic (no validation, retries, limits, telemetry or
// decoding; the protobuf reply is read and dropped). Prints one JSON object like
// bench/drivers/ours.mjs `sample`.
//
//   node bench/drivers/raw-sample.mjs '{"base_url": …, "n": 20000, "concurrency": 64, "warmup": 500}'

import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";

// undici is a dependency of @tinker-ts/http, the package our SDK sends its requests through.
const { Pool } = createRequire(new URL("../../packages/http/package.json", import.meta.url))("undici");

const config = JSON.parse(process.argv.at(-1));
const pool = new Pool(config.base_url, { connections: Math.max(8, config.concurrency) });
// The header set of @tinker-ts/clients (tinker-wire-spec.md §1.3; the Python SDK sends the same
// names), so that the server parses as much per request as it does for the SDKs.
const headers = {
  accept: "application/json",
  "accept-encoding": "gzip, deflate, zstd",
  "content-type": "application/json",
  "user-agent": "Tinker/TypeScript 0.0.0",
  "x-stainless-package-version": "0.0.0",
  "x-stainless-os": "Linux",
  "x-stainless-arch": process.arch,
  "x-stainless-runtime": "node",
  "x-stainless-runtime-version": process.version,
  "x-stainless-async": "async:node",
  "x-sdk-version": "0.38.0",
  "x-stainless-retry-count": "0",
  "x-api-key": "tml-bench",
};

async function post(path, body, extra) {
  const res = await pool.request({
    path,
    method: "POST",
    headers: { ...headers, ...extra, "x-idempotency-key": `stainless-node-retry-${randomUUID()}` },
    body: JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}: ${bytes}`);
  return { type: res.headers["content-type"] ?? "", bytes };
}

const json = (r) => JSON.parse(r.bytes.toString());
const { session_id } = json(
  await post("/api/v1/create_session", {
    tags: [],
    user_metadata: {},
    sdk_version: "0.38.0",
    type: "create_session",
  }),
);
const { sampling_session_id } = json(
  await post("/api/v1/create_sampling_session", {
    session_id,
    sampling_session_seq_id: 0,
    base_model: "Qwen/Qwen3-8B",
    type: "create_sampling_session",
  }),
);

let seq = 0;
const sampleHeaders = {
  "x-sdk-method": "SamplingClient.sample",
  "x-tinker-sampling-backpressure": "1",
  "x-stainless-read-timeout": "60",
};
const pollHeaders = {
  accept: "application/x-protobuf",
  "x-sdk-method": "SamplingClient.sample",
  "x-tinker-request-iteration": "0",
  "x-tinker-request-type": "Sample",
  "x-tinker-create-promise-roundtrip-time": "0.01",
  "x-stainless-raw-response": "raw",
  "x-stainless-read-timeout": "45",
};

async function sample() {
  const { request_id } = json(
    await post(
      "/api/v1/asample",
      {
        sampling_session_id,
        seq_id: seq++,
        num_samples: 1,
        prompt: { chunks: [{ tokens: [1, 2, 3, 4, 5, 6, 7, 8], type: "encoded_text" }] },
        sampling_params: { max_tokens: 16, seed: 1, temperature: 1, top_k: -1, top_p: 1 },
        prompt_logprobs: false,
        topk_prompt_logprobs: 0,
        type: "sample",
      },
      sampleHeaders,
    ),
  );
  for (;;) {
    const polled = await post(
      "/api/v1/retrieve_future",
      { request_id, allow_metadata_only: true },
      pollHeaders,
    );
    if (polled.type.startsWith("application/x-protobuf")) return;
    if (json(polled).type !== "try_again") throw new Error(`unexpected reply ${polled.bytes}`);
  }
}

const latencies = [];
async function run(total, record) {
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      issued++;
      const start = performance.now();
      await sample();
      if (record) latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, total) }, worker));
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
await run(config.warmup, false);
const cpu0 = cpuSeconds();
const start = performance.now();
await run(config.n, true);
const seconds = (performance.now() - start) / 1000;
const result = {
  seconds,
  cpu_seconds: cpuSeconds() - cpu0,
  latencies_ms: latencies,
  peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
  node: process.version,
};
// Exit once the line is flushed (a pipe write is asynchronous; see drivers/ours.mjs).
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
