import { type Datum, modelInputFromInts, tensorData } from "@tinker-ts/types";
import { type BaseModel, createBaseModel } from "./base-model.js";
import { type TinyModelConfig, tinyModelConfig } from "./config.js";
import type { LossFnName } from "./losses.js";
import { createRng, type Rng } from "./random.js";
import type { Dtype } from "./tensor.js";

/**
 * A small model for unit tests: vocabulary 37 over a [3, 4, 4] tree (so some subtrees lie past
 * the vocabulary), d = 8, two heads, two blocks, MLP width 12, attention window 4.
 */
export function smallConfig(overrides: Partial<TinyModelConfig> = {}): TinyModelConfig {
  return tinyModelConfig(37, {
    hiddenSize: 8,
    numHeads: 2,
    numLayers: 2,
    intermediateSize: 12,
    attentionWindow: 4,
    maxSequenceLength: 64,
    ...overrides,
  });
}

/** The small base model in `dtype`. */
export function smallBase(dtype: Dtype = "float64", overrides: Partial<TinyModelConfig> = {}): BaseModel {
  return createBaseModel("test/tiny-small", smallConfig(overrides), dtype);
}

/** `n` random ids in [0, vocab). */
export function randomTokens(rng: Rng, n: number, vocab: number): number[] {
  return Array.from({ length: n }, () => Math.floor(rng.next() * vocab));
}

/**
 * A datum for `lossFn` over `tokens` (next-token aligned), with random weights or advantages and
 * sampler logprobs `q = reference + noise`, where `reference` are the learner's current logprobs
 * (so importance ratios land on both sides of the clip thresholds).
 */
export function randomDatum(rng: Rng, lossFn: LossFnName, tokens: number[], reference?: Float32Array): Datum {
  const input = tokens.slice(0, -1);
  const targets = tokens.slice(1);
  const n = input.length;
  const values = (f: (i: number) => number) => tensorData(Float32Array.from({ length: n }, (_, i) => f(i)));
  const loss_fn_inputs: Datum["loss_fn_inputs"] = {
    target_tokens: tensorData(BigInt64Array.from(targets, BigInt)),
  };
  if (lossFn === "cross_entropy") {
    loss_fn_inputs["weights"] = values(() => rng.next() * 2 - 0.5);
  } else {
    loss_fn_inputs["advantages"] = values(() => rng.next() * 2 - 1);
    loss_fn_inputs["logprobs"] = values((i) => (reference?.[i] ?? -3) + (rng.next() - 0.5));
  }
  return { model_input: modelInputFromInts(input), loss_fn_inputs };
}

export { createRng };
