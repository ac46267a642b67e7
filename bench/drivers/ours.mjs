// Our side of benchmarks B1–B3 (bench/README.md): @tinker-ts/clients from its built dist, against
// a tinker-local that runs in another process. Mirrors bench/drivers/tinker_sdk.py step for step
// and prints one JSON object on stdout with the measurements plus this process's own CPU time and
// peak RSS (process.cpuUsage / resourceUsage: every thread of the process included).
//
//   node --expose-gc bench/drivers/ours.mjs '{"mode": "sample" | "train" | "pipeline", "base_url": …}'

import { ServiceClient } from "../../packages/clients/dist/index.js";
import { zstdCompress } from "../../packages/http/dist/index.js";
import { modelInputFromInts } from "../../packages/types/dist/index.js";
import { encodeForwardBackwardRequest } from "../../packages/types/dist/proto.js";

const API_KEY = "tml-bench";
const BASE_MODEL = "Qwen/Qwen3-8B";
const VOCAB = 151_000; // below Qwen3's 151,669 ids, as in tinker_sdk.py

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;
const collect = () => globalThis.gc?.();
const memoryPoint = () => {
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rss_bytes: rss, array_buffers_bytes: arrayBuffers };
};

function service(config) {
  // Quiet logs: both SDKs may log queue states; nothing else differs from the defaults.
  return new ServiceClient({ baseUrl: config.base_url, apiKey: API_KEY, logLevel: "error" });
}

/** `n` samples of an 8-token prompt with `concurrency` workers, after `warmup` samples. */
async function runSample(config) {
  const client = service(config);
  const sampler = await client.createSamplingClient({ baseModel: BASE_MODEL });
  const prompt = modelInputFromInts([1, 2, 3, 4, 5, 6, 7, 8]);
  const options = { numSamples: 1, samplingParams: { max_tokens: 16, temperature: 1, seed: 1 } };
  const latencies = [];

  async function run(total, record) {
    let issued = 0;
    const worker = async () => {
      while (issued < total) {
        issued++;
        const start = performance.now();
        const result = await sampler.sample(prompt, options);
        if (record) latencies.push(performance.now() - start);
        if (result.sequences.length !== 1) throw new Error("expected one sequence");
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, total) }, worker));
  }

  await run(config.warmup, false);
  const cpu0 = cpuSeconds();
  const start = performance.now();
  await run(config.n, true);
  const seconds = (performance.now() - start) / 1000;
  const result = {
    seconds,
    cpu_seconds: cpuSeconds() - cpu0,
    latencies_ms: latencies,
    peak_rss_bytes: peakRssBytes(),
  };
  await client.close();
  return result;
}

/** The batch of tinker_sdk.py: int32 tokens, int64 target_tokens, float32 weights (first quarter 0). */
function makeData(datums, tokens) {
  const data = [];
  for (let d = 0; d < datums; d++) {
    const ids = new Int32Array(tokens);
    for (let i = 0; i < tokens; i++) ids[i] = (d * 7919 + i * 104729) % VOCAB;
    const targets = new BigInt64Array(tokens);
    const weights = new Float32Array(tokens);
    for (let i = 0; i < tokens; i++) {
      targets[i] = BigInt(ids[(i + 1) % tokens]);
      weights[i] = i >= tokens >> 2 ? 1 : 0;
    }
    data.push({
      model_input: { chunks: [{ type: "encoded_text", tokens: ids }] },
      loss_fn_inputs: {
        target_tokens: { dtype: "int64", data: targets, shape: [tokens] },
        weights: { dtype: "float32", data: weights, shape: [tokens] },
      },
    });
  }
  return data;
}

/** What our submit path does to a batch (TrainingClient#encodeChunk, then zstd in submitAsync), as one request. */
async function encode(data, compress) {
  const body = encodeForwardBackwardRequest({
    model_id: "bench:train:0",
    seq_id: 1,
    data,
    loss_fn: "cross_entropy",
    forward_only: false,
  });
  return compress ? await zstdCompress(body) : body;
}

/** One forward_backward of datums × tokens: encode time, submit time, end-to-end time, RSS. */
async function runTrain(config) {
  const client = service(config);
  const training = await client.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 32 });
  collect();
  const rssBeforeData = process.memoryUsage.rss();
  const data = makeData(config.datums, config.tokens);
  const rssWithData = process.memoryUsage.rss();

  const submitMs = [];
  const e2eMs = [];
  let peakAfterFirst = 0;
  let peakSubmitted = 0;
  // Where the first step's memory sits (RSS, and the ArrayBuffers: batch, bodies, results).
  const firstStepMemory = { with_data: memoryPoint() };
  for (let rep = 0; rep <= config.reps; rep++) {
    // The first (cold) step is the warm-up.
    const start = performance.now();
    const future = training.forwardBackward(data, "cross_entropy", { readDataAt: config.read_data_at });
    if (rep === 0) firstStepMemory.call_returned = memoryPoint();
    await future.requestId; // resolves when the last chunk's POST returned (chunk 1 goes last)
    const submitted = performance.now();
    if (rep === 0) {
      firstStepMemory.submitted = memoryPoint();
      peakSubmitted = peakRssBytes();
    }
    const output = await future;
    const end = performance.now();
    if (output.loss_fn_outputs.length !== config.datums) throw new Error("wrong number of outputs");
    if (rep === 0) {
      firstStepMemory.result = memoryPoint();
      peakAfterFirst = peakRssBytes();
      continue;
    }
    submitMs.push(submitted - start);
    e2eMs.push(end - start);
  }

  const encodeMs = [];
  const encodeCpuMs = [];
  let size = 0;
  for (let rep = 0; rep <= config.reps; rep++) {
    const cpu0 = cpuSeconds();
    const start = performance.now();
    size = (await encode(data, config.zstd)).byteLength;
    if (rep > 0) {
      encodeMs.push(performance.now() - start);
      encodeCpuMs.push((cpuSeconds() - cpu0) * 1000);
    }
  }
  const result = {
    encode_ms: encodeMs,
    encode_cpu_ms: encodeCpuMs,
    submit_ms: submitMs,
    e2e_ms: e2eMs,
    body_bytes: size,
    rss_before_data_bytes: rssBeforeData,
    rss_with_data_bytes: rssWithData,
    peak_rss_submitted_bytes: peakSubmitted,
    peak_rss_first_step_bytes: peakAfterFirst,
    first_step_memory: firstStepMemory,
    peak_rss_bytes: peakRssBytes(),
  };
  await client.close();
  return result;
}

/** `steps` pipelined forwardBackward + optimStep: step i is submitted before step i−1 is awaited. */
async function runPipeline(config) {
  const client = service(config);
  const training = await client.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 32 });
  const data = makeData(config.datums, config.tokens);
  const adam = { learning_rate: 1e-4 };

  async function steps(count) {
    let previous;
    for (let i = 0; i < count; i++) {
      const current = [training.forwardBackward(data, "cross_entropy"), training.optimStep(adam)];
      if (previous) {
        await previous[0];
        await previous[1];
      }
      previous = current;
    }
    await previous[0];
    await previous[1];
  }

  await steps(config.warmup);
  const seconds = [];
  const cpu = [];
  for (let rep = 0; rep < config.reps; rep++) {
    const cpu0 = cpuSeconds();
    const start = performance.now();
    await steps(config.steps);
    seconds.push((performance.now() - start) / 1000);
    cpu.push(cpuSeconds() - cpu0);
  }
  const result = { seconds, cpu_seconds: cpu, peak_rss_bytes: peakRssBytes() };
  await client.close();
  return result;
}

const config = JSON.parse(process.argv.at(-1));
const runners = { sample: runSample, train: runTrain, pipeline: runPipeline };
const result = await runners[config.mode](config);
// Exit once the line is flushed: a pipe write is asynchronous, and N = 20,000 latencies are larger
// than the pipe's buffer, so exiting at once would cut the JSON.
process.stdout.write(`${JSON.stringify({ ...result, node: process.version })}\n`, () => process.exit(0));
