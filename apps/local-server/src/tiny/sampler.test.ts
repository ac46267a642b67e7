import { describe, expect, it } from "vitest";
import { createBaseModel } from "./base-model.js";
import { tinyModelConfig } from "./config.js";
import { Network } from "./network.js";
import { fillUniform } from "./random.js";
import { type TinySampleOptions, TinySampler } from "./sampler.js";
import { createRng, randomTokens, smallBase } from "./tiny.test-helpers.js";
import { TinyTrainingModel } from "./training-model.js";

const lora = { rank: 4, seed: 3, targets: { attn: true, mlp: true, unembed: true } };
const plain: TinySampleOptions = {
  numSamples: 1,
  maxTokens: 8,
  seed: 5,
  stop: [],
  temperature: 1,
  topK: -1,
  topP: 1,
};

/** A trained-looking float32 model (random B) and a sampler over a snapshot of it. */
function setup() {
  const base = smallBase("float32", { maxSequenceLength: 40 });
  const model = new TinyTrainingModel(base, { lora });
  const rng = createRng(["sampler-test"]);
  for (const module of model.adapter.modules) fillUniform(module.B, 0.5, rng);
  const sampler = new TinySampler(new Network(base, model.snapshotAdapter()));
  return { base, model, sampler, rng };
}

function ceDatum(sequence: number[]) {
  const n = sequence.length - 1;
  return {
    model_input: {
      chunks: [{ type: "encoded_text" as const, tokens: Int32Array.from(sequence.slice(0, -1)) }],
    },
    loss_fn_inputs: {
      target_tokens: { dtype: "int64" as const, data: BigInt64Array.from(sequence.slice(1), BigInt) },
      weights: { dtype: "float32" as const, data: new Float32Array(n).fill(1) },
    },
  };
}

describe("the tree head", () => {
  it("is normalized over exactly the vocabulary (small tree with unused subtrees, and Qwen3's)", () => {
    for (const base of [
      smallBase("float64"),
      createBaseModel("Qwen/Qwen3-8B", tinyModelConfig(151_669), "float32"),
    ]) {
      const network = new Network(base, undefined);
      const acts = network.createActivations(2, false);
      network.step(acts, 5);
      const out = new Float64Array(base.config.vocabSize);
      network.head.fullLogprobs(acts.hf, 0, undefined, 0, out);
      let total = 0;
      for (const lp of out) total += Math.exp(lp);
      expect(total).toBeCloseTo(1, 9);
      expect(out[base.config.vocabSize - 1]).toBeCloseTo(
        network.head.logprob(base.config.vocabSize - 1, acts.hf, 0, undefined, 0),
        12,
      );
      const best = [...network.head.bestFirst(acts.hf, 0, undefined, 0, 3)];
      const sorted = [...out].sort((a, b) => b - a);
      expect(best.map(([, lp]) => lp)).toEqual(sorted.slice(0, 3).map((v) => expect.closeTo(v, 12)));
    }
  });
});

describe("logprob consistency (compute-semantics §6.3, §7)", () => {
  it("forward, compute_logprobs and sample's prompt logprobs agree; sampled τ = 1 logprobs equal forward's", () => {
    const { model, sampler, rng } = setup();
    const sequence = randomTokens(rng, 12, 37);
    const forward = model.forward([ceDatum(sequence)], "cross_entropy").loss_fn_outputs[0]?.["logprobs"]
      ?.data as Float32Array;
    const scores = sampler.computeLogprobs(Int32Array.from(sequence), 3);
    const sampled = sampler.sample(Int32Array.from(sequence), {
      ...plain,
      includePromptLogprobs: true,
      topkPromptLogprobs: 2,
    });
    expect(Number.isNaN(scores.promptLogprobs[0]!)).toBe(true);
    expect(Number.isNaN(sampled.promptLogprobs?.[0] ?? 0)).toBe(true);
    for (let i = 1; i < sequence.length; i++) {
      expect(Math.abs(scores.promptLogprobs[i]! - forward[i - 1]!)).toBeLessThan(1e-4);
      expect(sampled.promptLogprobs![i]).toBe(scores.promptLogprobs[i]);
    }
    const generated = Array.from(sampled.sequences[0]!.tokens);
    const full = model.forward([ceDatum([...sequence, ...generated])], "cross_entropy").loss_fn_outputs[0]?.[
      "logprobs"
    ]?.data as Float32Array;
    const tail = Array.from(full.slice(sequence.length - 1));
    expect(Array.from(sampled.sequences[0]?.logprobs ?? [])).toEqual(tail);
  });

  it("top-k prompt logprobs are sorted rows with the sentinel in row 0", () => {
    const { sampler, rng } = setup();
    const prompt = Int32Array.from(randomTokens(rng, 6, 37));
    const { topk, promptLogprobs } = sampler.computeLogprobs(prompt, 4);
    expect(topk).toMatchObject({ k: 4, prompt_length: 6 });
    expect(Array.from(topk!.logprobs.slice(0, 4))).toEqual([-99999, -99999, -99999, -99999]);
    for (let row = 1; row < 6; row++) {
      const lps = Array.from(topk!.logprobs.slice(row * 4, row * 4 + 4));
      expect([...lps].sort((a, b) => b - a)).toEqual(lps);
      expect(lps[0]!).toBeGreaterThanOrEqual(promptLogprobs[row]! - 1e-6);
    }
  });
});

describe("sampling (compute-semantics §6.2)", () => {
  it("is reproducible for a seed, differs between samples, and reports length at max_tokens", () => {
    const { sampler } = setup();
    const prompt = Int32Array.from([1, 2, 3]);
    const a = sampler.sample(prompt, { ...plain, numSamples: 3 });
    const b = sampler.sample(prompt, { ...plain, numSamples: 3 });
    expect(a.sequences).toEqual(b.sequences);
    expect(a.sequences[0]!.tokens).not.toEqual(a.sequences[1]!.tokens);
    expect(a.sequences.every((s) => s.stop_reason === "length" && s.tokens.length === 8)).toBe(true);
    const unseeded = sampler.sample(prompt, { ...plain, seed: undefined, maxTokens: undefined });
    expect(unseeded.sequences[0]!.tokens.length).toBeLessThanOrEqual(40 - 3);
  });

  it("greedy equals top_k 1, keeps the τ = 1 logprob, and is the argmax at every step", () => {
    const { sampler } = setup();
    const prompt = Int32Array.from([4, 9]);
    const greedy = sampler.sample(prompt, { ...plain, temperature: 0 }).sequences[0]!;
    const top1 = sampler.sample(prompt, { ...plain, topK: 1 }).sequences[0]!;
    expect(top1.tokens).toEqual(greedy.tokens);
    expect(top1.logprobs).toEqual(greedy.logprobs);
    const scores = sampler.computeLogprobs(Int32Array.from([...prompt, ...greedy.tokens]), 1);
    for (let i = 0; i < greedy.tokens.length; i++) {
      expect(scores.topk!.token_ids[(prompt.length + i) * 1]).toBe(greedy.tokens[i]);
    }
  });

  it("stops on EOS ids, stop ids and stop strings, keeping the stop token", () => {
    const { sampler } = setup();
    const prompt = Int32Array.from([7]);
    const free = sampler.sample(prompt, { ...plain, maxTokens: 20 }).sequences[0]!;
    const third = free.tokens[2]!;
    const firstIndex = free.tokens.indexOf(third);
    for (const params of [{ stop: [third] }, { eosTokenIds: [third] }]) {
      const stopped = sampler.sample(prompt, { ...plain, maxTokens: 20, ...params }).sequences[0]!;
      expect(stopped.stop_reason).toBe("stop");
      expect(Array.from(stopped.tokens)).toEqual(Array.from(free.tokens.slice(0, firstIndex + 1)));
    }
    const decode = (ids: readonly number[]) => ids.map((id) => `<${id}>`).join("");
    const byText = sampler.sample(prompt, { ...plain, maxTokens: 20, stop: [`<${third}>`], decode })
      .sequences[0]!;
    expect(byText.tokens).toEqual(free.tokens.slice(0, firstIndex + 1));
    expect(() => sampler.sample(prompt, { ...plain, stop: ["x"] })).toThrow("Stop strings need a tokenizer");
  });

  it("scales logprobs by temperature and samples only inside top-k / top-p", () => {
    const { sampler } = setup();
    const prompt = Int32Array.from([2, 3, 5]);
    const cold = sampler.sample(prompt, { ...plain, temperature: 0.5, numSamples: 4 }).sequences;
    const reference = sampler.computeLogprobs(Int32Array.from([...prompt, cold[0]?.tokens[0] ?? 0]));
    const network = sampler.network;
    const acts = network.createActivations(4, false);
    for (const t of prompt) network.step(acts, t);
    const full = new Float64Array(37);
    network.head.fullLogprobs(acts.hf, 0, acts.uh, 0, full);
    const logZ = Math.log(full.reduce((s, lp) => s + Math.exp(lp / 0.5), 0));
    for (const seq of cold)
      expect(seq.logprobs![0]).toBeCloseTo((full[seq.tokens[0] ?? 0] ?? 0) / 0.5 - logZ, 5);
    expect(reference.promptLogprobs[3]).toBeCloseTo(full[cold[0]?.tokens[0] ?? 0] ?? 0, 5);
    const order = [...full.keys()].sort((a, b) => full[b]! - full[a]!);
    const topK = sampler.sample(prompt, { ...plain, topK: 3, maxTokens: 1, numSamples: 30 }).sequences;
    expect(topK.every((s) => order.slice(0, 3).includes(s.tokens[0]!))).toBe(true);
    // Nucleus of softmax(log p / τ) restricted to `pool`, renormalized over the pool.
    const nucleus = (tau: number, p: number, pool: number[]) => {
      const weights = pool.map((t) => Math.exp(full[t]! / tau));
      const total = weights.reduce((x, y) => x + y, 0);
      const out: number[] = [];
      let mass = 0;
      for (const [i, t] of pool.entries()) {
        out.push(t);
        mass += weights[i]! / total;
        if (mass >= p) break;
      }
      return out;
    };
    for (const [params, allowed] of [
      [{ topP: 0.5 }, nucleus(1, 0.5, order)],
      [{ topP: 0.5, temperature: 1.5 }, nucleus(1.5, 0.5, order)],
      [{ topK: 5, topP: 0.5 }, nucleus(1, 0.5, order.slice(0, 5))],
    ] as const) {
      const seqs = sampler.sample(prompt, { ...plain, ...params, maxTokens: 1, numSamples: 30 }).sequences;
      expect(allowed.length).toBeLessThan(37);
      expect(seqs.every((s) => allowed.includes(s.tokens[0]!))).toBe(true);
    }
  });

  it("rejects bad prompts and parameters with the service's context-window message", () => {
    const { sampler } = setup();
    expect(() => sampler.sample(Int32Array.from([1, 2]), { ...plain, maxTokens: 39 })).toThrow(
      "Prompt length plus max_tokens exceeds the model's context window: 2 prompt tokens + 39 max_tokens > 40.",
    );
    expect(() => sampler.computeLogprobs(new Int32Array(41))).toThrow("41 prompt tokens + 0 max_tokens > 40");
    expect(() => sampler.sample(new Int32Array(0), plain)).toThrow("prompt is empty");
    expect(() => sampler.sample(Int32Array.from([37]), plain)).toThrow("outside the vocabulary");
    expect(() => sampler.sample(Int32Array.from([1]), { ...plain, topP: 0 })).toThrow("top_p");
    expect(() => sampler.sample(Int32Array.from([1]), { ...plain, temperature: -1 })).toThrow("temperature");
    expect(() => sampler.sample(Int32Array.from([1]), { ...plain, topK: 1.5 })).toThrow("top_k");
    expect(() => sampler.sample(Int32Array.from([1]), { ...plain, numSamples: 0 })).toThrow("num_samples");
    expect(() => sampler.sample(Int32Array.from([1]), { ...plain, maxTokens: -1 })).toThrow("max_tokens");
    expect(
      sampler.sample(Int32Array.from([1]), { ...plain, maxTokens: 0 }).sequences[0]!.tokens,
    ).toHaveLength(0);
  });

  it("grows the KV cache past its initial room", () => {
    const base = smallBase("float32", { maxSequenceLength: 600, attentionWindow: 8 });
    const sampler = new TinySampler(new Network(base, undefined));
    const out = sampler.sample(Int32Array.from([1]), { ...plain, maxTokens: 300 });
    expect(out.sequences[0]!.tokens).toHaveLength(300);
  });
});
