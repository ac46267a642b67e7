import { describe, expect, it } from "vitest";
import { BackendUserError } from "./backend.js";
import { createNullBackend } from "./null-backend.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

const lora = { rank: 4, train_attn: true, train_mlp: false, train_unembed: false };
const prompt = { chunks: [{ type: "encoded_text" as const, tokens: Int32Array.from([5, 6, 7]) }] };
const params = { maxTokens: 6, seed: 3, stop: [], temperature: 1, topK: -1, topP: 1 };

describe("null backend", () => {
  it("gives deterministic, correctly shaped outputs for every loss", async () => {
    const backend = createNullBackend();
    await backend.createModel({ modelId: "m", baseModel: "b", lora });
    const data = [
      {
        model_input: prompt,
        loss_fn_inputs: {
          target_tokens: { dtype: "int64" as const, data: BigInt64Array.from([1n, 2n, 3n]) },
          logprobs: { dtype: "float32" as const, data: new Float32Array(3) },
          advantages: { dtype: "float32" as const, data: Float32Array.from([1, 2, 3]) },
        },
      },
    ];
    for (const lossFn of ["importance_sampling", "ppo", "cispo", "dro"] as const) {
      const out = await backend.forwardBackward("m", { data, lossFn, lossFnConfig: {} });
      expect(out.loss_fn_outputs[0]?.["logprobs"]?.shape).toEqual([3]);
      expect(out.metrics["loss:sum"]).toBe(-6);
    }
    const a = await backend.forward("m", { data, lossFn: "ppo", lossFnConfig: {} });
    expect(a.metrics["clock_cycle:unique"]).toBe(5);
    expect(Array.from((a.loss_fn_outputs[0]?.["logprobs"]?.data ?? []) as Float32Array)).toEqual(
      [1, 2, 3].map((t) => Math.fround(-(1 + t / 97))),
    );
    expect(
      (
        await backend.optimStep("m", {
          learning_rate: 1,
          beta1: 0,
          beta2: 0,
          eps: 0,
          weight_decay: 0,
          grad_clip_norm: 1,
        })
      ).metrics,
    ).toEqual({
      "grad_norm:unique": 0,
    });
  });

  it("saves PEFT-style files and restores the optimizer step only with the optimizer", async () => {
    const backend = createNullBackend();
    await backend.createModel({ modelId: "m", baseModel: "Qwen/Qwen3-8B", lora });
    await backend.optimStep("m", {
      learning_rate: 1,
      beta1: 0,
      beta2: 0,
      eps: 0,
      weight_decay: 0,
      grad_clip_norm: 0,
    });
    const training = await backend.saveWeights("m", "training");
    const config = JSON.parse(Buffer.from(training["adapter_config.json"]!).toString());
    expect(config).toMatchObject({
      base_model_name_or_path: "Qwen/Qwen3-8B",
      r: 4,
      lora_alpha: 32,
      target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"],
    });
    expect(decodeSafetensors(training["adapter_model.safetensors"]!).metadata).toMatchObject({ step: "1" });
    const sampler = await backend.saveWeights("m", "sampler");
    expect(Object.keys(sampler).sort()).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
    await expect(backend.loadWeights("m", sampler, { optimizer: true })).rejects.toBeInstanceOf(
      BackendUserError,
    );
    await expect(backend.loadWeights("m", {}, { optimizer: false })).rejects.toThrow("adapter_model");
    await backend.loadWeights("m", training, { optimizer: true });
    await backend.releaseModel("m");
    await expect(
      backend.forward("m", { data: [], lossFn: "cross_entropy", lossFnConfig: {} }),
    ).rejects.toThrow("not loaded");
    await backend.createModel({ modelId: "m", baseModel: "Qwen/Qwen3-8B", lora: { ...lora, rank: 4 } });
    await expect(
      backend.loadWeights("m", { "adapter_model.safetensors": new Uint8Array(3) }, { optimizer: false }),
    ).rejects.toThrow("Checkpoint is unreadable: adapter_model.safetensors is not a valid safetensors file");
    // A checkpoint of another backend (real tensors, no step in the metadata) loads as step 0.
    const foreign = encodeSafetensors([["x", { shape: [1], data: Float32Array.from([1]) }]], {});
    await backend.loadWeights(
      "m",
      { "adapter_model.safetensors": foreign, "optimizer.safetensors": foreign },
      { optimizer: true },
    );
    const resaved = await backend.saveWeights("m", "sampler");
    expect(decodeSafetensors(resaved["adapter_model.safetensors"]!).metadata["step"]).toBe("0");
  });

  it("samples reproducibly for a seed, stops on stop tokens, and scores prompts", async () => {
    const backend = createNullBackend();
    await backend.createSampler({ samplerId: "s", baseModel: "b" });
    const first = await backend.sample("s", { prompt, numSamples: 2, params });
    const second = await backend.sample("s", { prompt, numSamples: 2, params });
    expect(first).toEqual(second);
    expect(first[0]!.tokens).not.toEqual(first[1]!.tokens);
    const stopAt = first[0]?.tokens[2] ?? -1;
    const stopped = await backend.sample("s", {
      prompt,
      numSamples: 1,
      params: { ...params, stop: [stopAt] },
    });
    expect(stopped[0]!.stop_reason).toBe("stop");
    expect(stopped[0]!.tokens.at(-1)).toBe(stopAt);
    const unseeded = await backend.sample("s", {
      prompt,
      numSamples: 1,
      params: { ...params, seed: undefined, maxTokens: undefined },
    });
    expect(unseeded[0]!.tokens).toHaveLength(16);
    const scores = await backend.computeLogprobs("s", { prompt, topk: 2 });
    expect(Number.isNaN(scores.promptLogprobs[0]!)).toBe(true);
    expect(scores.topk).toMatchObject({ k: 2, prompt_length: 3 });
    expect(Array.from(scores.topk!.logprobs.slice(0, 2))).toEqual([-99999, -99999]);
    await backend.releaseSampler("s");
    await expect(backend.sample("s", { prompt, numSamples: 1, params })).rejects.toThrow("not loaded");
  });
});
