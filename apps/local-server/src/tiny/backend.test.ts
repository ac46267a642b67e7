import { describe, expect, it } from "vitest";
import { BackendUserError } from "../backend/backend.js";
import { createTinyBackend } from "./backend.js";
import { smallConfig } from "./tiny.test-helpers.js";

const lora = { rank: 4, seed: 2, train_attn: true, train_mlp: true, train_unembed: true };
const prompt = { chunks: [{ type: "encoded_text" as const, tokens: Int32Array.from([5, 6, 7]) }] };
const params = { maxTokens: 6, seed: 3, stop: [] as number[], temperature: 1, topK: -1, topP: 1 };
const datum = {
  model_input: prompt,
  loss_fn_inputs: {
    target_tokens: { dtype: "int64" as const, data: BigInt64Array.from([6n, 7n, 8n]) },
    weights: { dtype: "float32" as const, data: Float32Array.from([1, 1, 1]) },
  },
};
const adam = { learning_rate: 0.05, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip_norm: 0 };

/** A backend whose base models are the small test configuration, with a toy decoder. */
function backend() {
  return createTinyBackend({
    catalogue: [],
    configFor: () => smallConfig(),
    tokenizerFor: () => ({
      eosTokenIds: [36],
      decode: (ids) => ids.map((id) => String.fromCharCode(97 + (id % 26))).join(""),
    }),
  });
}

describe("tiny backend behind the server's Backend interface", () => {
  it("trains, snapshots into a sampler, and agrees between forward and compute_logprobs", async () => {
    const b = backend();
    expect(b.name).toBe("tiny");
    await b.createModel({ modelId: "m", baseModel: "Qwen/Qwen3-8B", lora });
    const before = await b.forward("m", { data: [datum], lossFn: "cross_entropy", lossFnConfig: {} });
    for (let i = 0; i < 5; i++) {
      await b.forwardBackward("m", { data: [datum], lossFn: "cross_entropy", lossFnConfig: {} });
      expect(await b.optimStep("m", adam)).toEqual({ metrics: {} });
    }
    const after = await b.forward("m", { data: [datum], lossFn: "cross_entropy", lossFnConfig: {} });
    expect(after.metrics["loss:sum"]!).toBeLessThan(before.metrics["loss:sum"]!);
    expect(after.metrics["clock_cycle:unique"]).toBe(7);
    const weights = await b.saveWeights("m", "sampler");
    await b.createSampler({ samplerId: "s", baseModel: "Qwen/Qwen3-8B", weights });
    const scores = await b.computeLogprobs("s", {
      prompt: { chunks: [{ type: "encoded_text", tokens: Int32Array.from([5, 6, 7, 8]) }] },
      topk: 2,
    });
    expect(Array.from(scores.promptLogprobs.slice(1))).toEqual(
      Array.from(after.loss_fn_outputs[0]?.["logprobs"]?.data as Float32Array),
    );
    expect(scores.topk).toMatchObject({ k: 2, prompt_length: 4 });
    const noTopk = await b.computeLogprobs("s", { prompt, topk: 0 });
    expect(noTopk.topk).toBeUndefined();
    const samples = await b.sample("s", { prompt, numSamples: 2, params });
    expect(samples).toHaveLength(2);
    expect(await b.sample("s", { prompt, numSamples: 2, params })).toEqual(samples);
    const stopped = await b.sample("s", {
      prompt,
      numSamples: 1,
      params: { ...params, stop: ["a", "b", "c", "d", "e"] },
    });
    expect(stopped[0]!.tokens.length).toBeLessThanOrEqual(6);
  });

  it("restores training state, and reports request problems as BackendUserError", async () => {
    const b = backend();
    await b.createModel({ modelId: "m", baseModel: "meta-llama/Llama-3.1-8B", lora });
    await b.forwardBackward("m", { data: [datum], lossFn: "cross_entropy", lossFnConfig: {} });
    await b.optimStep("m", adam);
    const state = await b.saveWeights("m", "training");
    await b.createModel({ modelId: "n", baseModel: "meta-llama/Llama-3.1-8B", lora: { ...lora, seed: 7 } });
    await b.loadWeights("n", state, { optimizer: true });
    const [x, y] = await Promise.all(
      ["m", "n"].map((id) => b.forward(id, { data: [datum], lossFn: "cross_entropy", lossFnConfig: {} })),
    );
    expect(y!.metrics["loss:sum"]).toBe(x!.metrics["loss:sum"]);
    await expect(b.forward("m", { data: [datum], lossFn: "ppo", lossFnConfig: {} })).rejects.toThrow(
      BackendUserError,
    );
    await expect(
      b.forwardBackward("m", { data: [datum], lossFn: "cross_entropy", lossFnConfig: { beta: 1 } }),
    ).rejects.toThrow("loss_fn_config has key 'beta'");
    await expect(b.loadWeights("m", {}, { optimizer: false })).rejects.toThrow(BackendUserError);
    await expect(
      createTinyBackend().createModel({ modelId: "z", baseModel: "openai/gpt-oss-20b", lora }),
    ).rejects.toThrow("no tokenizer family");
    await expect(
      b.createModel({ modelId: "z", baseModel: "Qwen/Qwen3-8B", lora: { ...lora, rank: 0 } }),
    ).rejects.toThrow(BackendUserError);
    await expect(
      b.createSampler({ samplerId: "bad", baseModel: "Qwen/Qwen3-8B", weights: {} }),
    ).rejects.toThrow(BackendUserError);
    await b.createSampler({ samplerId: "s", baseModel: "Qwen/Qwen3-8B" });
    await expect(
      b.sample("s", { prompt, numSamples: 1, params: { ...params, maxTokens: 64 } }),
    ).rejects.toThrow("context window");
    await b.releaseModel("m");
    await b.releaseSampler("s");
    await expect(b.optimStep("m", adam)).rejects.toThrow("Model m is not loaded.");
    await expect(b.computeLogprobs("s", { prompt, topk: 0 })).rejects.toThrow("Sampler s is not loaded.");
  });

  it("defaults to the family's EOS ids and refuses stop strings without a decoder", async () => {
    const b = createTinyBackend({ configFor: () => smallConfig(), dtype: "float64" });
    await b.createSampler({ samplerId: "s", baseModel: "meta-llama/Llama-3.2-1B" });
    const stopString = { ...params, stop: ["x"] };
    await expect(b.sample("s", { prompt, numSamples: 1, params: stopString })).rejects.toThrow(
      "Stop strings need the tokenizer of meta-llama/Llama-3.2-1B to decode the sampled tokens, and this backend has none",
    );
    await expect(b.prepareSample!("s", stopString)).rejects.toThrow(BackendUserError);
    await b.prepareSample!("s", params);
    const out = await b.sample("s", { prompt, numSamples: 1, params });
    expect(out[0]!.tokens).toHaveLength(6);
  });

  it("loads a decoder per base model on the first stop string, keeps it, and retries failed loads", async () => {
    const loads: string[] = [];
    let failNext = true;
    const b = createTinyBackend({
      catalogue: [],
      configFor: () => smallConfig(),
      async loadDecoder(baseModel) {
        loads.push(baseModel);
        if (failNext) {
          failNext = false;
          throw new Error("tokenizer.json is not in the cache.");
        }
        return (ids) => ids.map((id) => String.fromCharCode(97 + (id % 26))).join("");
      },
    });
    await b.createSampler({ samplerId: "s", baseModel: "Qwen/Qwen3-8B" });
    await b.createSampler({ samplerId: "t", baseModel: "Qwen/Qwen3-8B" });
    await b.prepareSample!("s", params);
    const plain = await b.sample("s", { prompt, numSamples: 1, params: { ...params, temperature: 0 } });
    expect(loads).toEqual([]);
    const stop = { ...params, temperature: 0, stop: ["zz"] };
    await expect(b.prepareSample!("s", stop)).rejects.toThrow(
      "Stop strings need the tokenizer of Qwen/Qwen3-8B to decode the sampled tokens, and it could not be loaded: tokenizer.json is not in the cache.",
    );
    await b.prepareSample!("s", stop);
    // Greedy decoding gives the same tokens; the stop string is the decoded text of the first three.
    const text = plain[0]!.tokens.slice(0, 3).reduce((t, id) => t + String.fromCharCode(97 + (id % 26)), "");
    const stopped = await b.sample("t", {
      prompt,
      numSamples: 1,
      params: { ...stop, stop: [text.slice(1)] },
    });
    expect(loads).toEqual(["Qwen/Qwen3-8B", "Qwen/Qwen3-8B"]);
    const end = Array.from(plain[0]!.tokens).findIndex((_, i, all) =>
      all
        .slice(0, i + 1)
        .map((id) => String.fromCharCode(97 + (id % 26)))
        .join("")
        .includes(text.slice(1)),
    );
    expect(stopped[0]).toMatchObject({ stop_reason: "stop" });
    expect(Array.from(stopped[0]!.tokens)).toEqual(Array.from(plain[0]!.tokens.slice(0, end + 1)));
  });

  it("takes each catalogue model's context window as its sequence limit (§1.7, §6.1)", async () => {
    const b = createTinyBackend({
      configFor: () => smallConfig(),
      catalogue: [
        { model_name: "Qwen/Qwen3-8B", max_context_length: 5, tokenizer_id: "Qwen/Qwen3-8B", arch: "qwen3" },
      ],
    });
    const tokens = (n: number) => Array.from({ length: n }, (_, i) => (i % 30) + 1);
    const ceDatum = (n: number) => ({
      model_input: { chunks: [{ type: "encoded_text" as const, tokens: Int32Array.from(tokens(n)) }] },
      loss_fn_inputs: {
        target_tokens: { dtype: "int64" as const, data: BigInt64Array.from(tokens(n), (t) => BigInt(t + 1)) },
        weights: { dtype: "float32" as const, data: new Float32Array(n).fill(1) },
      },
    });
    for (const baseModel of ["Qwen/Qwen3-8B", "Qwen/Qwen3-unlisted"]) {
      await b.createModel({ modelId: baseModel, baseModel, lora });
      await b.createSampler({ samplerId: baseModel, baseModel });
    }
    const ce = (modelId: string, n: number) =>
      b.forward(modelId, { data: [ceDatum(n)], lossFn: "cross_entropy", lossFnConfig: {} });
    await ce("Qwen/Qwen3-8B", 5);
    await expect(ce("Qwen/Qwen3-8B", 6)).rejects.toThrow(
      "sequence length 6 exceeds max sequence length 5 for field target_tokens[0]",
    );
    await expect(
      b.sample("Qwen/Qwen3-8B", { prompt, numSamples: 1, params: { ...params, maxTokens: 3 } }),
    ).rejects.toThrow(
      "Prompt length plus max_tokens exceeds the model's context window: 3 prompt tokens + 3 max_tokens > 5.",
    );
    // A model the catalogue does not list keeps its configuration's limit (64 for the small config).
    await ce("Qwen/Qwen3-unlisted", 64);
    await expect(ce("Qwen/Qwen3-unlisted", 65)).rejects.toThrow("exceeds max sequence length 64");
    const long = await b.sample("Qwen/Qwen3-unlisted", {
      prompt,
      numSamples: 1,
      params: { ...params, maxTokens: 61, stop: [] },
    });
    expect(long[0]!.tokens.length).toBeGreaterThan(0);
  });
});
