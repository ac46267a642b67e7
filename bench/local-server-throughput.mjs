#!/usr/bin/env node
// Throughput of tinker-local with the null backend: sample + retrieve_future round trips over
// loopback at a fixed concurrency. It prints numbers and asserts nothing.
//
//   pnpm --filter @tinker-ts/types --filter @tinker-ts/local-server build
//   node bench/local-server-throughput.mjs [--requests 20000] [--concurrency 256]
//
// One round trip = POST /api/v1/asample, then POST /api/v1/retrieve_future (Accept: protobuf)
// until the result arrives; both go through the server's full path (auth, validation, futures,
// protobuf encoding). The client is node:http with a keep-alive agent of `concurrency` sockets.
import http from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "256" },
    warmup: { type: "string", default: "1000" },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const warmup = Number(values.warmup);

let startLocalServer;
try {
  ({ startLocalServer } = await import("../apps/local-server/dist/index.js"));
} catch (error) {
  console.error("Build first: pnpm --filter @tinker-ts/types --filter @tinker-ts/local-server build");
  console.error(String(error));
  process.exit(1);
}

const server = await startLocalServer({ port: 0, logLevel: "silent", backend: "null" });
const { hostname, port } = new URL(server.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const headers = { "x-api-key": "tml-bench", "content-type": "application/json" };

function post(path, body, extra = {}) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        hostname,
        port,
        path,
        method: "POST",
        agent,
        headers: { ...headers, ...extra, "content-length": data.length },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode, type: res.headers["content-type"], body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

const json = (r) => JSON.parse(r.body.toString());
const session = json(
  await post("/api/v1/create_session", { tags: [], user_metadata: {}, sdk_version: "0.38.0" }),
);
const sampler = json(
  await post("/api/v1/create_sampling_session", {
    session_id: session.session_id,
    sampling_session_seq_id: 0,
    base_model: "Qwen/Qwen3-8B",
  }),
).sampling_session_id;

let seq = 0;
let httpRequests = 0;
const latencies = [];

async function roundTrip() {
  const started = performance.now();
  const submitted = await post(
    "/api/v1/asample",
    {
      num_samples: 1,
      prompt: { chunks: [{ type: "encoded_text", tokens: [1, 2, 3, 4, 5, 6, 7, 8] }] },
      sampling_params: { max_tokens: 16, seed: 1, temperature: 1, top_k: -1, top_p: 1 },
      sampling_session_id: sampler,
      seq_id: seq++,
      prompt_logprobs: false,
      topk_prompt_logprobs: 0,
      type: "sample",
    },
    { "x-tinker-sampling-backpressure": "1" },
  );
  httpRequests++;
  if (submitted.status !== 200) throw new Error(`asample answered ${submitted.status}`);
  const requestId = json(submitted).request_id;
  for (let first = true; ; first = false) {
    const polled = await post(
      "/api/v1/retrieve_future",
      { request_id: requestId, allow_metadata_only: first },
      { accept: "application/x-protobuf" },
    );
    httpRequests++;
    if (polled.status !== 200) throw new Error(`retrieve_future answered ${polled.status}`);
    if (polled.type === "application/x-protobuf") break;
    if (json(polled).type !== "try_again") break;
  }
  latencies.push(performance.now() - started);
}

async function run(count) {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      await roundTrip();
    }
  });
  await Promise.all(workers);
}

await run(warmup);
latencies.length = 0;
httpRequests = 0;
const cpuBefore = process.cpuUsage();
const started = performance.now();
await run(total);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);

console.log(`tinker-local null backend, loopback, concurrency ${concurrency}, Node ${process.version}`);
console.log(`round trips (asample + retrieve_future): ${total} in ${seconds.toFixed(2)} s`);
console.log(`  round trips/s:   ${(total / seconds).toFixed(0)}`);
console.log(`  HTTP requests/s: ${(httpRequests / seconds).toFixed(0)} (${httpRequests} requests)`);
console.log(`  latency ms p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${pct(100)}`);
console.log(`  process CPU (client + server, one process): ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);

agent.destroy();
await server.close();
