import { type Datum, InvalidInputError, type TensorData } from "@tinker-ts/types";

/**
 * Reading a batch for the built-in pairwise losses: per-datum logprobs and weights as float64,
 * shapes checked against each datum's `target_tokens`, and the pairing convention checked.
 *
 * Pairing convention: `data` holds preference pairs back to back, `[chosen₀, rejected₀, chosen₁,
 * rejected₁, …]` (the tinker-cookbook DPO layout). Each datum's `weights` (float32, one per target
 * token) select the tokens that count, typically 0 on the prompt and 1 on the completion; a
 * datum without `weights` counts every token with weight 1.
 */

/** A batch read into float64, datum by datum. */
export interface PairBatch {
  /** Learner logprobs per datum, float64, one per target token. */
  readonly logprobs: Float64Array[];
  /** Token weights per datum, float64, one per target token. */
  readonly weights: Float64Array[];
}

function fail(path: string, message: string): never {
  throw new InvalidInputError(message, { path });
}

/** Number of target tokens of `datum` (its 1-D `target_tokens`). */
export function targetLength(datum: Datum, index: number): number {
  const path = `data[${index}].loss_fn_inputs.target_tokens`;
  const target = datum?.loss_fn_inputs?.["target_tokens"];
  if (!target) fail(path, `data[${index}] has no target_tokens; every datum of a custom loss needs them.`);
  return denseLength(target, path);
}

function denseLength(tensor: TensorData, path: string): number {
  if (tensor.sparse_crow_indices !== undefined || (tensor.shape !== undefined && tensor.shape.length !== 1)) {
    fail(path, `${path} must be a dense 1-D tensor (one value per target token).`);
  }
  return tensor.data.length;
}

/** `values` as float64, checked to hold `length` finite numbers. */
export function finiteFloat64(values: ArrayLike<number>, length: number, path: string): Float64Array {
  if (values?.length !== length) {
    fail(path, `${path} has ${values?.length} values but the datum has ${length} target tokens.`);
  }
  const out = Float64Array.from(values);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad !== -1)
    fail(`${path}[${bad}]`, `${path}[${bad}] is ${out[bad]}; logprobs and weights must be finite.`);
  return out;
}

/** The token weights of `datum`: its `weights` input, or all ones when it has none. */
export function weightsOf(datum: Datum, index: number, length: number): Float64Array {
  const path = `data[${index}].loss_fn_inputs.weights`;
  const weights = datum.loss_fn_inputs["weights"];
  if (!weights) return new Float64Array(length).fill(1);
  denseLength(weights, path);
  const values = weights.dtype === "int64" ? Array.from(weights.data, Number) : weights.data;
  return finiteFloat64(values, length, path);
}

/**
 * Checks the pairing convention and reads logprobs and weights.
 *
 * @throws InvalidInputError when `data` is empty or odd in length (`data`), `logprobs` does not
 *   have one entry per datum (`logprobs`), a datum lacks `target_tokens`, or a length or value is
 *   wrong (`logprobs[i]`, `data[i].loss_fn_inputs.weights`).
 */
export function readPairBatch(data: readonly Datum[], logprobs: readonly ArrayLike<number>[]): PairBatch {
  if (!Array.isArray(data) || data.length === 0 || data.length % 2 !== 0) {
    fail(
      "data",
      `A pairwise loss needs an even, non-empty batch laid out [chosen0, rejected0, chosen1, rejected1, …]; got ${data?.length} datums.`,
    );
  }
  if (logprobs?.length !== data.length) {
    fail("logprobs", `Got ${logprobs?.length} logprob arrays for ${data.length} datums.`);
  }
  const out: PairBatch = { logprobs: [], weights: [] };
  data.forEach((datum, i) => {
    const length = targetLength(datum, i);
    out.logprobs.push(finiteFloat64(logprobs[i]!, length, `logprobs[${i}]`));
    out.weights.push(weightsOf(datum, i, length));
  });
  return out;
}

/** Σ w·x over one datum. */
export function weightedSum(values: Float64Array, weights: Float64Array): number {
  let sum = 0;
  for (let t = 0; t < values.length; t++) sum += weights[t]! * values[t]!;
  return sum;
}

/** `out[t] = factor · weights[t]` for every token of one datum. */
export function scaleInto(out: Float64Array, weights: Float64Array, factor: number): void {
  for (let t = 0; t < out.length; t++) out[t] = factor * weights[t]!;
}

/** Σ w over one datum. */
export function totalWeight(weights: Float64Array): number {
  let sum = 0;
  for (const w of weights) sum += w;
  return sum;
}

/** `log(1 + e^x)` without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** `1 / (1 + e^-x)` without overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Checks a positive, finite loss coefficient. */
export function positive(value: number, path: string): number {
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    fail(path, `${path} must be a finite number > 0, got ${String(value)}.`);
  }
  return value;
}

/** float64 gradients as the float32 arrays a `CustomLossResult` carries. */
export function toFloat32(gradients: readonly Float64Array[]): Float32Array[] {
  return gradients.map((g) => Float32Array.from(g));
}
