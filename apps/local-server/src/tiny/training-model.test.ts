import { csrTensorData, type Datum, tensorData } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { DEFAULT_ADAM_PARAMS } from "./adamw.js";
import { balancedBranching, tinyModelConfig, vocabSizeForBaseModel } from "./config.js";
import { createLoraAdapter } from "./lora.js";
import { LOSS_OUTPUT_TYPES } from "./losses.js";
import { createRng, randomDatum, randomTokens, smallBase } from "./tiny.test-helpers.js";
import { TinyTrainingModel } from "./training-model.js";

const lora = { rank: 2, seed: 1, targets: { attn: true, mlp: true, unembed: true } };
const input = (tokens: number[]) => ({
  chunks: [{ type: "encoded_text" as const, tokens: Int32Array.from(tokens) }],
});

function ce(tokens: number[], targets: number[], weights: number[]): Datum {
  return {
    model_input: input(tokens),
    loss_fn_inputs: {
      target_tokens: tensorData(BigInt64Array.from(targets, BigInt)),
      weights: tensorData(Float32Array.from(weights)),
    },
  };
}

const grads = (model: TinyTrainingModel) => model.adapter.modules.flatMap((m) => [...m.gradA!, ...m.gradB!]);

describe("forward / forward_backward outputs (compute-semantics §2, §3)", () => {
  it("returns per-datum logprobs and elementwise losses that sum to loss:sum, and a clock", () => {
    const model = new TinyTrainingModel(smallBase("float32"), { lora });
    const out = model.forward(
      [ce([1, 2, 3], [2, 3, 4], [1, 0, 0.5]), ce([5, 6], [6, 7], [1, 1])],
      "cross_entropy",
    );
    expect(out.loss_fn_output_type).toBe("CrossEntropyLossReturn");
    const first = out.loss_fn_outputs[0]!;
    const lp = first["logprobs"]!.data as Float32Array;
    const el = first["elementwise_loss"]!.data as Float32Array;
    expect(first["logprobs"]!.shape).toEqual([3]);
    expect(Array.from(el)).toEqual([-lp[0]!, -0 * lp[1]!, Math.fround(-0.5 * lp[2]!)]);
    expect(lp.every((v) => v < 0)).toBe(true);
    const total = out.loss_fn_outputs.flatMap((o) => Array.from(o["elementwise_loss"]!.data as Float32Array));
    expect(out.metrics["loss:sum"]).toBeCloseTo(
      total.reduce((a, b) => a + b, 0),
      5,
    );
    expect(out.metrics["clock_cycle:unique"]).toBe(1);
    expect(model.forward([ce([1], [2], [1])], "cross_entropy").metrics["clock_cycle:unique"]).toBe(2);
  });

  it("computes each RL loss per its formula with the default clip thresholds", () => {
    const model = new TinyTrainingModel(smallBase("float64"), { lora });
    const l = (
      model.forward([ce([1, 2], [3, 4], [1, 1])], "cross_entropy").loss_fn_outputs[0]?.["logprobs"]
        ?.data as Float32Array
    )[0]!;
    // q is chosen so that the ratio r = exp(ℓ − q) is 1.5: above PPO's 1.2, inside CISPO's [0, 4].
    const rl = (q: number, a: number, extra: Record<string, number> = {}): Datum => ({
      model_input: input([1]),
      loss_fn_inputs: {
        target_tokens: tensorData(BigInt64Array.from([3n])),
        logprobs: tensorData(Float32Array.from([q])),
        advantages: tensorData(Float32Array.from([a])),
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, tensorData(Float32Array.from([v]))])),
      },
    });
    const q = Math.fround(l - Math.log(1.5));
    const r = Math.exp(l - q);
    const term = (lossFn: string, datum: Datum, config?: Record<string, number>) =>
      model.forward([datum], lossFn, config).metrics["loss:sum"]!;
    expect(term("importance_sampling", rl(q, 2))).toBeCloseTo(-r * 2, 5);
    expect(term("ppo", rl(q, 2))).toBeCloseTo(-1.2 * 2, 5);
    expect(term("ppo", rl(q, -2))).toBeCloseTo(r * 2, 5);
    expect(term("ppo", rl(q, 2, { clip_high_threshold: 2 }))).toBeCloseTo(-r * 2, 5);
    expect(term("cispo", rl(q, 2))).toBeCloseTo(-r * l * 2, 4);
    expect(term("cispo", rl(q, 2), { clip_high_threshold: 1.2 })).toBeCloseTo(-1.2 * l * 2, 4);
    expect(term("dro", rl(q, 2))).toBeCloseTo(-(l * 2 - 0.5 * 0.05 * (l - q) ** 2), 5);
    expect(term("dro", rl(q, 2), { beta: 1 })).toBeCloseTo(-(l * 2 - 0.5 * (l - q) ** 2), 5);
    for (const [lossFn, type] of Object.entries(LOSS_OUTPUT_TYPES)) {
      const datum = lossFn === "cross_entropy" ? ce([1], [3], [1]) : rl(q, 1);
      expect(model.forward([datum], lossFn).loss_fn_output_type).toBe(type);
    }
  });

  it("accepts sparse (CSR) 2-D targets as the dense equivalent", () => {
    const model = new TinyTrainingModel(smallBase("float64"), { lora });
    const dense: Datum = {
      model_input: input([1, 2]),
      loss_fn_inputs: {
        target_tokens: tensorData(BigInt64Array.from([3n, 0n, 5n, 6n]), { shape: [2, 2] }),
        weights: tensorData(Float32Array.from([1, 0, 0.5, 2]), { shape: [2, 2] }),
      },
    };
    const sparse: Datum = {
      model_input: input([1, 2]),
      loss_fn_inputs: {
        target_tokens: csrTensorData({
          dtype: "int64",
          shape: [2, 2],
          values: [3, 5, 6],
          crowIndices: [0, 1, 3],
          colIndices: [0, 0, 1],
        }),
        weights: csrTensorData({
          dtype: "float32",
          shape: [2, 2],
          values: [1, 0.5, 2],
          crowIndices: [0, 1, 3],
          colIndices: [0, 0, 1],
        }),
      },
    };
    const a = model.forward([dense], "cross_entropy");
    const b = model.forward([sparse], "cross_entropy");
    expect(b.loss_fn_outputs[0]?.["logprobs"]?.shape).toEqual([2, 2]);
    expect(b.metrics["loss:sum"]).toBe(a.metrics["loss:sum"]);
  });
});

describe("gradient accumulation and optim_step (compute-semantics §5)", () => {
  it("accumulates across calls, leaves gradients alone in forward, and zeroes them after the step", () => {
    const rng = createRng(["accumulate"]);
    const data = [
      randomDatum(rng, "cross_entropy", randomTokens(rng, 6, 37)),
      randomDatum(rng, "cross_entropy", randomTokens(rng, 5, 37)),
    ];
    const together = new TinyTrainingModel(smallBase("float64"), { lora });
    together.forwardBackward(data, "cross_entropy");
    const split = new TinyTrainingModel(smallBase("float64"), { lora });
    split.forwardBackward([data[0]!], "cross_entropy");
    split.forward(data, "cross_entropy");
    split.forwardBackward([data[1]!], "cross_entropy");
    const a = grads(together);
    const b = grads(split);
    expect(a.some((g) => g !== 0)).toBe(true);
    for (const [i, g] of b.entries()) expect(g).toBeCloseTo(a[i]!, 12);
    expect(split.optimStep(DEFAULT_ADAM_PARAMS).metrics).toEqual({});
    expect(grads(split).every((g) => g === 0)).toBe(true);
    expect(split.optimizer.step).toBe(1);
    const clipped = together.optimStep({ ...DEFAULT_ADAM_PARAMS, grad_clip_norm: 1e12 }).metrics[
      "grad_norm:unique"
    ]!;
    expect(clipped).toBeCloseTo(Math.hypot(...a), 8);
  });

  it("a fresh adapter (B = 0) leaves the base model unchanged and the seed fixes A", () => {
    const base = smallBase("float64");
    const a = new TinyTrainingModel(base, { lora: { ...lora, seed: 9 } });
    const b = new TinyTrainingModel(base, { lora: { ...lora, seed: 9, rank: 5 } });
    const c = new TinyTrainingModel(base, { lora: { ...lora, seed: 10 } });
    const datum = ce([1, 2, 3], [4, 5, 6], [1, 1, 1]);
    expect(a.forward([datum], "cross_entropy").metrics["loss:sum"]).toBe(
      b.forward([datum], "cross_entropy").metrics["loss:sum"],
    );
    expect(a.adapter.modules[0]!.A).toEqual(
      new TinyTrainingModel(base, { lora: { ...lora, seed: 9 } }).adapter.modules[0]!.A,
    );
    expect(a.adapter.modules[0]!.A).not.toEqual(c.adapter.modules[0]!.A);
    expect(createLoraAdapter(base, { rank: 2, targets: lora.targets }).modules).toHaveLength(15);
  });
});

describe("input checks", () => {
  const model = new TinyTrainingModel(smallBase("float32", { maxSequenceLength: 8 }), { lora });
  const rl = (extra: Record<string, Float32Array>): Datum => ({
    model_input: input([1, 2]),
    loss_fn_inputs: {
      target_tokens: tensorData(BigInt64Array.from([2n, 3n])),
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, tensorData(v)])),
    },
  });
  const two = Float32Array.from([0, 0]);
  it.each([
    ["gspo", [ce([1], [2], [1])], "'gspo' (added in Python SDK 0.38.0) is not implemented"],
    ["custom", [ce([1], [2], [1])], "'custom' (added in Python SDK 0.38.0)"],
    ["mse", [ce([1], [2], [1])], "'mse' is not a built-in loss"],
    ["cross_entropy", [rl({})], "data[0].loss_fn_inputs is missing 'weights', required by cross_entropy."],
    [
      "ppo",
      [rl({ logprobs: two, advantages: two, weights: two })],
      "has key 'weights', which ppo does not take",
    ],
    ["dro", [rl({ logprobs: two })], "missing 'advantages'"],
    [
      "cross_entropy",
      [ce([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1, 1])],
      "sequence length 9 exceeds max sequence length 8 for field target_tokens[0]",
    ],
    ["cross_entropy", [ce([1], [40], [1])], "token id 40, outside the vocabulary [0, 37)"],
    ["cross_entropy", [ce([], [], [])], "model_input is empty"],
    ["cross_entropy", [ce([1, 2], [3], [1])], "expected (2,) or (2, K)"],
    ["cross_entropy", [ce([1], [3], [1, 2])], "has shape (2) but target_tokens has (1)"],
  ])("%s rejects bad input", (lossFn, data, message) => {
    expect(() => model.forwardBackward(data, lossFn)).toThrow(message);
  });

  it("rejects unknown config keys, non-finite values, (N, K) for PPO, and non-text chunks", () => {
    const datum = rl({ logprobs: two, advantages: two });
    expect(() => model.forward([datum], "ppo", { beta: 1 })).toThrow(
      "loss_fn_config has key 'beta', which ppo does not take (it takes clip_low_threshold, clip_high_threshold).",
    );
    expect(() => model.forward([ce([1], [2], [1])], "cross_entropy", { x: 1 })).toThrow(
      "(it takes no config)",
    );
    expect(() => model.forward([datum], "dro", { beta: Number.NaN })).toThrow(
      "loss_fn_config.beta must be a finite number",
    );
    const wide: Datum = {
      model_input: input([1]),
      loss_fn_inputs: {
        target_tokens: tensorData(BigInt64Array.from([2n, 3n]), { shape: [1, 2] }),
        logprobs: tensorData(Float32Array.from([0, 0]), { shape: [1, 2] }),
        advantages: tensorData(Float32Array.from([0, 0]), { shape: [1, 2] }),
      },
    };
    expect(() => model.forward([wide], "ppo")).toThrow("must have shape (N,) for ppo");
    const image: Datum = {
      ...ce([1], [2], [1]),
      model_input: {
        chunks: [{ type: "image", data: new Uint8Array(1), format: "png", expected_tokens: 1 }],
      },
    };
    expect(() => model.forward([image], "cross_entropy")).toThrow(
      "is a image chunk; the tiny model reads text tokens only",
    );
    const grad = grads(model);
    expect(grad.every((g) => g === 0)).toBe(true);
  });

  it("knows the vocabularies and validates configurations", () => {
    expect(vocabSizeForBaseModel("Qwen/Qwen3-8B")).toBe(151_669);
    expect(vocabSizeForBaseModel("meta-llama/Llama-3.1-8B")).toBe(128_256);
    expect(() => vocabSizeForBaseModel("openai/gpt-oss-20b")).toThrow("no tokenizer family");
    expect(balancedBranching(151_669, 3)).toEqual([53, 54, 54]);
    expect(() => tinyModelConfig(100, { numHeads: 3 })).toThrow("hiddenSize / numHeads");
    expect(() => tinyModelConfig(100, { headBranching: [5, 5] })).toThrow("product of headBranching");
    expect(() => tinyModelConfig(1, { numLayers: 0 })).toThrow("vocabSize must be an integer");
    expect(() => new TinyTrainingModel(smallBase(), { lora: { ...lora, rank: 0 } })).toThrow(
      "LoRA rank must be a positive integer",
    );
    expect(
      () =>
        new TinyTrainingModel(smallBase(), {
          lora: { rank: 1, targets: { attn: false, mlp: false, unembed: false } },
        }),
    ).toThrow("at least one of");
  });
});
