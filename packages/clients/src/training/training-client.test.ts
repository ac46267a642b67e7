import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datum, InvalidInputError, modelInputFromInts } from "@tinker-ts/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  acceleratedClock,
  BASE_MODEL,
  ceDatum,
  type Harness,
  recordedSeqId,
  startHarness,
} from "../clients.test-helpers.js";
import { TrainingSequenceBrokenError } from "../errors.js";

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("TrainingClient against tinker-local", () => {
  it("runs a pipelined 20-step SFT loop with every request executed once, in call order", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 8 });
    expect(training.modelId).toMatch(/:train:0$/);
    const steps = Array.from({ length: 20 }, (_, step) => {
      // No await between the calls: ordering comes from the seq_ids reserved here.
      const fb = training.forwardBackward(
        [ceDatum(100 * (step + 1)), ceDatum(100 * (step + 1) + 50)],
        "cross_entropy",
      );
      const optim = training.optimStep({ learning_rate: (step + 1) / 1000 });
      return { fb, optim };
    });
    for (const { fb, optim } of steps) {
      const [output, step] = await Promise.all([fb, optim]);
      expect(output.loss_fn_outputs).toHaveLength(2);
      expect(output.loss_fn_outputs[0]?.["logprobs"]?.shape).toEqual([4]);
      expect(output.metrics["loss:sum"]).toBeGreaterThan(0);
      expect(step.metrics ?? {}).toEqual({});
    }
    const trainingCalls = harness.backendCalls.filter(
      (c) => c.op === "forwardBackward" || c.op === "optimStep",
    );
    expect(trainingCalls.map((c) => c.tags)).toEqual(
      Array.from({ length: 20 }, (_, step) => [
        [100 * (step + 1), 100 * (step + 1) + 50],
        [(step + 1) / 1000],
      ]).flat(),
    );
  });

  it("splits a batch into chunks, sends chunks 2..n before chunk 1, and combines outputs in data order", async () => {
    harness = await startHarness({
      server: { clientConfig: { fwdbwd_max_chunk_len: 3 } },
      client: { clock: acceleratedClock(100) },
    });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const data = Array.from({ length: 10 }, (_, i) => ceDatum(10 * (i + 1), 2 + (i % 3)));
    const output = await training.forwardBackward(data, "cross_entropy");
    // Data order: datum i has 2 + (i % 3) tokens, and each output is shaped like its targets.
    expect(output.loss_fn_outputs.map((o) => o["logprobs"]?.shape)).toEqual(
      data.map((_, i) => [2 + (i % 3)]),
    );
    // loss:sum adds up across chunks: with unit weights it is minus the sum of every logprob.
    const expectedLoss = output.loss_fn_outputs.reduce(
      (sum, o) => sum - Array.from(o["logprobs"]!.data as Float32Array).reduce((a, b) => a + b, 0),
      0,
    );
    expect(output.metrics["loss:sum"]).toBeCloseTo(expectedLoss, 3);
    // :unique metrics keep one value per chunk.
    expect(
      Object.keys(output.metrics)
        .filter((k) => k.startsWith("clock_cycle:unique"))
        .sort(),
    ).toEqual(["clock_cycle:unique", "clock_cycle:unique_1", "clock_cycle:unique_2", "clock_cycle:unique_3"]);
    const recorded = (await harness.stopAndReadRecording()).filter(
      (r) => r.path === "/api/v1/forward_backward",
    );
    const arrival = recorded.map(recordedSeqId);
    expect([...arrival].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    expect(arrival.at(-1)).toBe(1);
  });
});

describe("TrainingClient requests", () => {
  it("keeps more than ten chunks in flight without a MaxListenersExceededWarning", async () => {
    harness = await startHarness({ server: { clientConfig: { fwdbwd_max_chunk_len: 1 } } });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
      const output = await training.forwardBackward(
        Array.from({ length: 24 }, (_, i) => ceDatum(i + 1)),
        "cross_entropy",
      );
      expect(output.loss_fn_outputs).toHaveLength(24);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  it("submits chunks one by one in seq_id order when parallel_fwdbwd_chunks is off", async () => {
    harness = await startHarness({
      server: { clientConfig: { fwdbwd_max_chunk_len: 2, parallel_fwdbwd_chunks: false } },
    });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const output = await training.forward(
      Array.from({ length: 5 }, (_, i) => ceDatum(i + 1)),
      "cross_entropy",
    );
    expect(output.loss_fn_outputs).toHaveLength(5);
    const recorded = (await harness.stopAndReadRecording()).filter(
      (r) => r.path === "/api/v1/forward_backward",
    );
    expect(recorded.map(recordedSeqId)).toEqual([1, 2, 3]);
    expect(recorded.every((r) => r.headers["content-encoding"] === undefined)).toBe(true);
    expect(harness.backendCalls.filter((c) => c.op === "forward").map((c) => c.tags)).toEqual([
      [1, 2],
      [3, 4],
      [5],
    ]);
  });

  // The SDK and the in-process server share one zstd wasm instance; this also proves they do not
  // re-initialise it under each other (the bodies would arrive corrupted).
  it("zstd-compresses forward_backward bodies when the client config asks", async () => {
    harness = await startHarness({ server: { clientConfig: { proto_compress_fwdbwd: true } } });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    await training.forward([ceDatum(1), ceDatum(2)], "cross_entropy");
    const recorded = (await harness.stopAndReadRecording()).filter(
      (r) => r.path === "/api/v1/forward_backward",
    );
    expect(recorded.map((r) => r.headers["content-encoding"])).toEqual(["zstd"]);
  });

  it.each([
    ["call", [1, 5]],
    ["send", [91, 95]],
  ] as const)('with readDataAt "%s" sends the arrays as they were at the call or as they are when sent', async (readDataAt, sentTags) => {
    harness = await startHarness({ server: { clientConfig: { fwdbwd_max_chunk_len: 1 } } });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const data = [ceDatum(1), ceDatum(5)];
    const output = training.forwardBackward(data, "cross_entropy", { readDataAt });
    // The caller reuses its arrays right after the call, before any chunk can have been sent.
    for (const d of data) {
      const chunk = d.model_input.chunks[0] as { tokens: Int32Array };
      chunk.tokens[0] = (chunk.tokens[0] ?? 0) + 90;
    }
    expect((await output).loss_fn_outputs).toHaveLength(2);
    const sent = harness.backendCalls.filter((c) => c.op === "forwardBackward").flatMap((c) => c.tags);
    expect(sent.sort((a, b) => a - b)).toEqual(sentTags);
  });

  it.each([
    [
      "one chunk in flight at a time, in turn",
      { fwdbwd_dispatch_bytes_semaphore_size: 1, parallel_fwdbwd_chunks: false },
    ],
    ["one chunk in flight at a time, in parallel turns", { fwdbwd_dispatch_bytes_semaphore_size: 1 }],
    ["every chunk in flight at once", {}],
  ])('with readDataAt "send" each chunk carries exactly its own datum when body buffers are reused (%s)', async (_, clientConfig) => {
    harness = await startHarness({ server: { clientConfig: { fwdbwd_max_chunk_len: 1, ...clientConfig } } });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    // Lengths that shrink and grow, so a reused buffer holds a longer body's stale bytes.
    const data = [ceDatum(10, 9), ceDatum(20, 2), ceDatum(30, 6), ceDatum(40, 1), ceDatum(50, 4)];
    const output = await training.forwardBackward(data, "cross_entropy", { readDataAt: "send" });
    expect(output.loss_fn_outputs).toHaveLength(data.length);
    const sent = harness.backendCalls
      .filter((c) => c.op === "forwardBackward")
      .flatMap((c) => c.tokens ?? []);
    const expected = data.map((d) => Array.from((d.model_input.chunks[0] as { tokens: Int32Array }).tokens));
    expect(sent.sort((a, b) => a[0]! - b[0]!)).toEqual(expected);
  });

  it("saves and loads state with and without the optimizer, and creates clients from state", async () => {
    harness = await startHarness();
    const { service } = harness;
    const training = await service.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 4, seed: 3 });
    training.forwardBackward([ceDatum(1)], "cross_entropy");
    training.optimStep({ learning_rate: 0.01 });
    const saved = await training.saveState("ckpt", { ttlSeconds: 7200 });
    expect(saved.path).toBe(`tinker://${training.modelId}/weights/ckpt`);
    const overwritten = await training.saveState("ckpt", { overwrite: true, userMetadata: { note: "x" } });
    expect(overwritten.path).toBe(saved.path);
    await training.loadState(saved.path);
    await training.loadStateWithOptimizer(saved.path);
    expect(harness.backendCalls.filter((c) => c.op === "loadWeights")).toHaveLength(2);

    const restored = await service.createTrainingClientFromState(saved.path, {
      optimizer: { type: "adamw" },
    });
    const resumed = await service.createTrainingClientFromStateWithOptimizer(saved.path, {
      userMetadata: { from: "ckpt" },
    });
    expect(restored.modelId).toMatch(/:train:1$/);
    expect(resumed.modelId).toMatch(/:train:2$/);
    // The load counts as seq 0 on the server: the first request of a restored client is seq 1.
    const [fb] = await Promise.all([
      resumed.forwardBackward([ceDatum(7)], "cross_entropy"),
      resumed.optimStep({ learning_rate: 0.5 }),
    ]);
    expect(fb.loss_fn_outputs).toHaveLength(1);
    const info = await resumed.getInfo();
    expect(info.model_id).toBe(resumed.modelId);
    expect(info.model_data.model_name).toBe(BASE_MODEL);
    expect(info.lora_rank).toBe(4);
  });

  it("saves sampler weights and creates sampling clients from them", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const saved = await training.saveWeightsForSampler("s1", { ttlSeconds: 3600 });
    expect(saved.path).toBe(`tinker://${training.modelId}/sampler_weights/s1`);
    const fromPath = await training.createSamplingClient(saved.path);
    const sampler = await training.saveWeightsAndGetSamplingClient();
    expect(sampler.samplingSessionId).not.toBe(fromPath.samplingSessionId);
    const prompt = modelInputFromInts([1, 2, 3]);
    const response = await sampler.sample(prompt, {
      numSamples: 2,
      samplingParams: { max_tokens: 5, seed: 1 },
    });
    expect(response.sequences).toHaveLength(2);
    expect(response.sequences[0]!.tokens).toHaveLength(5);
    const fromPathResponse = await fromPath.sample(prompt, { samplingParams: { max_tokens: 3 } });
    expect(fromPathResponse.sequences[0]!.tokens).toHaveLength(3);
    expect(() => training.saveWeightsForSampler("a/b")).toThrow(InvalidInputError);
    await expect(training.createSamplingClient("weights/x")).rejects.toThrow(InvalidInputError);
  });

  it("runs forwardBackwardCustom as forward, client loss, then forward_backward with weights = -gradient", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const data = [
      datum(modelInputFromInts([10, 11, 12]), { target_tokens: [11, 12, 13] }),
      datum(modelInputFromInts([20, 21]), { target_tokens: [21, 22] }),
    ];
    const seen: number[][] = [];
    // loss = Σ logprob², so dLoss/dlogprob = 2·logprob.
    const future = training.forwardBackwardCustom(data, (batch, logprobs) => {
      expect(batch).toBe(data);
      seen.push(...logprobs.map((lp) => Array.from(lp)));
      const gradients = logprobs.map((lp) => lp.map((v) => 2 * v));
      const loss = logprobs.reduce((sum, lp) => sum + lp.reduce((a, v) => a + v * v, 0), 0);
      return { loss, gradients, metrics: { "custom_metric:mean": 7 } };
    });
    const after = training.optimStep({ learning_rate: 0.25 });
    const [output] = await Promise.all([future, after]);
    const expectedLoss = seen.flat().reduce((a, v) => a + v * v, 0);
    expect(output.metrics["loss:sum"]).toBeCloseTo(expectedLoss, 4);
    expect(output.metrics["custom_metric:mean"]).toBe(7);
    expect(output.metrics["surrogate_loss:sum"]).toBeTypeOf("number");
    const calls = harness.backendCalls.filter((c) => c.op !== "createModel");
    expect(calls.map((c) => c.op)).toEqual(["forward", "forwardBackward", "optimStep"]);
    expect(calls[0]!.lossFn).toBe("cross_entropy");
    // The forward pass gets zero weights; the backward pass −2·logprob.
    expect(calls[0]!.weights).toEqual([
      [0, 0, 0],
      [0, 0],
    ]);
    const sent = calls[1]?.weights?.flat() ?? [];
    for (const [i, lp] of seen.flat().entries()) expect(sent[i]).toBeCloseTo(-2 * lp, 5);
  });

  it("breaks the sequence when a custom loss throws: queued and later requests fail clearly", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const boom = new Error("loss exploded");
    const custom = training.forwardBackwardCustom([ceDatum(1)], () => {
      throw boom;
    });
    const queued = training.optimStep({});
    await expect(custom).rejects.toBe(boom);
    const queuedError = await Promise.resolve(queued).catch((error: unknown) => error);
    expect(TrainingSequenceBrokenError.isInstance(queuedError)).toBe(true);
    expect((queuedError as Error).cause).toBe(boom);
    expect(() => training.forward([ceDatum(1)], "cross_entropy")).toThrow(TrainingSequenceBrokenError);
  });

  it("rejects a custom loss result with the wrong gradient shape", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const future = training.forwardBackwardCustom([ceDatum(1, 3)], () => ({
      loss: 1,
      gradients: [new Float32Array(2)],
    }));
    await expect(future).rejects.toThrow(/gradients\[0\] must be a Float32Array of 3 values/);
  });

  it("unloads the model after earlier requests were submitted, and refuses later calls", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const fb = training.forwardBackward([ceDatum(5)], "cross_entropy");
    const unloaded = await training.unloadModel();
    expect(unloaded.model_id).toBe(training.modelId);
    await fb;
    expect(() => training.optimStep({})).toThrow(/was unloaded/);
    const state = (await harness.admin("GET", "/_admin/state")) as { loaded_models: string[] };
    expect(state.loaded_models).not.toContain(training.modelId);
  });

  it("validates input before reserving a seq_id", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const good = ceDatum(1, 3);
    const cases: Array<[() => unknown, string]> = [
      [() => training.forwardBackward([], "cross_entropy"), "data"],
      [() => training.forwardBackward([good], "hinge" as never), "lossFn"],
      [
        () =>
          training.forwardBackward(
            [good, datum(modelInputFromInts([1, 2, 3]), { target_tokens: [1, 2, 3] })],
            "cross_entropy",
          ),
        "data[1].loss_fn_inputs.weights",
      ],
      [
        () =>
          training.forwardBackward(
            [datum(modelInputFromInts([1, 2, 3]), { target_tokens: [1, 2, 3], weights: [1, 1] })],
            "cross_entropy",
          ),
        "data[0].loss_fn_inputs.weights",
      ],
      [
        () =>
          training.forwardBackward(
            [datum(modelInputFromInts([1, 2]), { target_tokens: [1, 2], weights: [1, Number.NaN] })],
            "cross_entropy",
          ),
        "data[0].loss_fn_inputs.weights",
      ],
      [
        () =>
          training.forwardBackward(
            [
              {
                model_input: modelInputFromInts([1, 2]),
                loss_fn_inputs: {
                  target_tokens: { dtype: "float32", data: new Float32Array(2) },
                  weights: { dtype: "float32", data: new Float32Array(2) },
                },
              },
            ],
            "cross_entropy",
          ),
        "data[0].loss_fn_inputs.target_tokens",
      ],
      [
        () =>
          training.forwardBackward(
            [
              {
                model_input: modelInputFromInts([1, 2]),
                loss_fn_inputs: {
                  target_tokens: { dtype: "int64", data: [1, 2] } as never,
                  weights: good.loss_fn_inputs["weights"]!,
                },
              },
            ],
            "cross_entropy",
          ),
        "data[0].loss_fn_inputs.target_tokens",
      ],
      [
        () =>
          training.forwardBackward(
            [datum(modelInputFromInts([1, 2, 3]), { target_tokens: [1, 2, 3], logprobs: [0, 0, 0] })],
            "ppo",
          ),
        "data[0].loss_fn_inputs.advantages",
      ],
      [
        () =>
          training.forwardBackward(
            [
              {
                model_input: {
                  chunks: [
                    { type: "image_asset_pointer", format: "png", location: "gs://x", expected_tokens: 2 },
                  ],
                },
                loss_fn_inputs: good.loss_fn_inputs,
              },
            ],
            "cross_entropy",
          ),
        "data[0].model_input.chunks[0]",
      ],
      [
        () =>
          training.forwardBackward(
            [datum(modelInputFromInts([1, 2]), { target_tokens: [1, 2, 3], weights: [1, 1, 1] })],
            "cross_entropy",
          ),
        "data[0].loss_fn_inputs.target_tokens",
      ],
      [
        () => training.forward([good], "cross_entropy", { lossFnConfig: { beta: Number.POSITIVE_INFINITY } }),
        "lossFnConfig.beta",
      ],
      [() => training.forward([good], "cross_entropy", { readDataAt: "later" as never }), "readDataAt"],
      [() => training.optimStep({ learning_rate: Number.NaN }), "learning_rate"],
      [() => training.saveState(""), "path"],
      [() => training.loadState("weights/x"), "path"],
      [
        () =>
          training.forwardBackwardCustom([datum(modelInputFromInts([1]), {})], () => ({
            loss: 0,
            gradients: [],
          })),
        "data[0].loss_fn_inputs.target_tokens",
      ],
      [() => training.forwardBackwardCustom([good], "nope" as never), "lossFn"],
    ];
    for (const [call, path] of cases) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(InvalidInputError.isInstance(thrown), path).toBe(true);
      expect((thrown as InvalidInputError).path, String(thrown)).toContain(path);
    }
    // Nothing was reserved: the next request is seq 1, which the server runs at once.
    const output = await training.forward([good], "cross_entropy");
    expect(output.loss_fn_outputs).toHaveLength(1);
    expect(harness.requestsTo("/api/v1/forward_backward")).toHaveLength(1);
  });

  it("stops polling when a future is cancelled, and still sends a queued request so later ones run", async () => {
    harness = await startHarness({ server: { pollTimeoutMs: 20 } });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    await harness.admin("POST", "/_admin/pause", { state: "paused_rate_limit", duration_ms: 600_000 });
    const first = training.forward([ceDatum(1)], "cross_entropy");
    const second = training.forward([ceDatum(2)], "cross_entropy");
    const firstId = await first.requestId;
    await vi.waitFor(() => expect(polls(harness!, firstId)).toBeGreaterThan(1));
    first.cancel();
    second.cancel(new Error("not needed"));
    await expect(first).rejects.toMatchObject({ name: "AbortError" });
    await expect(second).rejects.toThrow("not needed");
    const pollsAtCancel = polls(harness, firstId);
    await harness.admin("POST", "/_admin/pause", { state: "paused_rate_limit", duration_ms: 0 });
    // The cancelled second request was still sent, so a third one runs after it.
    const third = await training.forward([ceDatum(3)], "cross_entropy");
    expect(third.loss_fn_outputs).toHaveLength(1);
    expect(harness.backendCalls.filter((c) => c.op === "forward").map((c) => c.tags)).toEqual([
      [1],
      [2],
      [3],
    ]);
    expect(polls(harness, firstId)).toBeLessThanOrEqual(pollsAtCancel + 1);
    expect(first.done).toBe(true);
  });

  it("loads the model's tokenizer through @tinker-ts/tokenizer", async () => {
    harness = await startHarness();
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const cacheDir = await seedTokenizerCache(BASE_MODEL);
    try {
      const tokenizer = await training.getTokenizer({ cacheDir, offline: true, token: false });
      expect(Array.from(tokenizer.encode("hello world", { addSpecialTokens: false }))).toEqual([0, 1]);
      await tokenizer.close();
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});

function polls(h: Harness, requestId: string): number {
  return h.serverLog.filter((l) => l.path === "/api/v1/retrieve_future" && l.request_id === requestId).length;
}

/** A Hub cache holding a two-word WordLevel tokenizer for `repoId` (no network, no user cache). */
async function seedTokenizerCache(repoId: string): Promise<string> {
  const cacheDir = await mkdtemp(join(tmpdir(), "tinker-clients-hf-"));
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const root = join(cacheDir, `models--${repoId.replace("/", "--")}`);
  await mkdir(join(root, "snapshots", commit), { recursive: true });
  await mkdir(join(root, "refs"), { recursive: true });
  await writeFile(join(root, "refs", "main"), commit);
  await writeFile(
    join(root, "snapshots", commit, "tokenizer.json"),
    JSON.stringify({
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: { type: "Whitespace" },
      post_processor: null,
      decoder: null,
      model: { type: "WordLevel", vocab: { hello: 0, world: 1, "[UNK]": 2 }, unk_token: "[UNK]" },
    }),
  );
  return cacheDir;
}
