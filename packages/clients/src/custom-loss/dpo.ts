import { type Datum, InvalidInputError } from "@tinker-ts/types";
import {
  finiteFloat64,
  positive,
  readPairBatch,
  scaleInto,
  sigmoid,
  softplus,
  targetLength,
  toFloat32,
  weightedSum,
} from "./batch.js";
import type { CustomLossFn } from "./types.js";

/** Default DPO β: 0.1, as the tinker-cookbook DPO recipe (`dpo_beta`). */
export const DEFAULT_DPO_BETA = 0.1;

/** Options of {@link dpoLoss}. */
export interface DpoLossOptions {
  /**
   * Reference-model logprobs, one array per datum of the batch the loss will see, each with one
   * value per target token (float32 or plain numbers), in the same pair layout as the data. Get
   * them from a frozen sampler with `computeReferenceLogprobs`.
   */
  readonly referenceLogprobs: readonly ArrayLike<number>[];
  /** Inverse temperature β of the implicit reward; default {@link DEFAULT_DPO_BETA}. Must be > 0. */
  readonly beta?: number | undefined;
  /**
   * Conservative-DPO label smoothing ε in [0, 0.5): the probability that a preference label is
   * flipped. 0 (the default) is plain DPO.
   */
  readonly labelSmoothing?: number | undefined;
}

/** Inputs of {@link dpoLossFloat64}, all float64, one array per datum. */
export interface DpoInputs {
  readonly logprobs: readonly Float64Array[];
  readonly referenceLogprobs: readonly Float64Array[];
  readonly weights: readonly Float64Array[];
  readonly beta: number;
  readonly labelSmoothing: number;
}

/** A pairwise loss computed in float64. */
export interface Float64LossOutput {
  readonly loss: number;
  /** dLoss/dlogprobs per datum, float64, shaped like the logprobs. */
  readonly gradients: Float64Array[];
  readonly metrics: Record<string, number>;
}

/**
 * Direct Preference Optimization (Rafailov et al. 2023; tinker-compute-semantics.md §10.5) in
 * float64, with its analytic gradient. For pair p (data 2p chosen, 2p + 1 rejected), with
 * sequence log-ratios ρ = Σ w·(logprob − reference):
 *
 *   z_p = β·(ρ_chosen − ρ_rejected),  loss = mean_p [ (1 − ε)·softplus(−z_p) + ε·softplus(z_p) ]
 *
 * (ε = 0 gives the cookbook's `mean(−logsigmoid(β·Δ))`). The gradient is
 * `∂loss/∂logprob_chosen[t] = g_p·β·w[t]` and `∂loss/∂logprob_rejected[t] = −g_p·β·w[t]` with
 * `g_p = (−(1 − ε)·σ(−z_p) + ε·σ(z_p)) / P`.
 *
 * Metrics, as the cookbook reports them: `dpo_loss`, `accuracy` (share of pairs with
 * ρ_chosen > ρ_rejected), `margin` (mean β·(ρ_chosen − ρ_rejected)), `chosen_reward` and
 * `rejected_reward` (mean β·ρ).
 */
export function dpoLossFloat64(inputs: DpoInputs): Float64LossOutput {
  const { logprobs, referenceLogprobs, weights, beta, labelSmoothing: eps } = inputs;
  const pairs = logprobs.length / 2;
  const gradients = logprobs.map((lp) => new Float64Array(lp.length));
  let loss = 0;
  let correct = 0;
  let chosenReward = 0;
  let rejectedReward = 0;
  for (let p = 0; p < pairs; p++) {
    const c = 2 * p;
    const r = c + 1;
    const ratio = (i: number) =>
      weightedSum(logprobs[i]!, weights[i]!) - weightedSum(referenceLogprobs[i]!, weights[i]!);
    const chosen = ratio(c);
    const rejected = ratio(r);
    const z = beta * (chosen - rejected);
    loss += (1 - eps) * softplus(-z) + eps * softplus(z);
    if (chosen > rejected) correct += 1;
    chosenReward += beta * chosen;
    rejectedReward += beta * rejected;
    const dz = ((-(1 - eps) * sigmoid(-z) + eps * sigmoid(z)) / pairs) * beta;
    scaleInto(gradients[c]!, weights[c]!, dz);
    scaleInto(gradients[r]!, weights[r]!, -dz);
  }
  loss /= pairs;
  return {
    loss,
    gradients,
    metrics: {
      dpo_loss: loss,
      accuracy: correct / pairs,
      margin: (chosenReward - rejectedReward) / pairs,
      chosen_reward: chosenReward / pairs,
      rejected_reward: rejectedReward / pairs,
    },
  };
}

/**
 * A DPO {@link CustomLossFn} for `forwardBackwardCustom` (architecture.md §2): the data come as
 * `[chosen₀, rejected₀, chosen₁, rejected₁, …]`, each datum's `weights` mask the prompt (0) from
 * the completion (1), and `referenceLogprobs` hold the frozen reference model's logprobs of the
 * same tokens. See {@link dpoLossFloat64} for the formula, gradient and metrics. The maths runs in
 * float64; gradients come back as float32.
 *
 * ```ts
 * const referenceLogprobs = await computeReferenceLogprobs(referenceSampler, pairs);
 * await training.forwardBackwardCustom(pairs, dpoLoss({ beta: 0.1, referenceLogprobs }));
 * ```
 *
 * @throws InvalidInputError at creation for `beta` ≤ 0 or `labelSmoothing` outside [0, 0.5);
 *   when called, for a batch that is empty or odd (`data`), reference logprobs that do not match
 *   the batch (`referenceLogprobs[i]`), or any check of the batch (see `readPairBatch`).
 */
export function dpoLoss(options: DpoLossOptions): CustomLossFn {
  const beta = positive(options.beta ?? DEFAULT_DPO_BETA, "beta");
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
    throw new InvalidInputError(`labelSmoothing must be in [0, 0.5), got ${labelSmoothing}.`, {
      path: "labelSmoothing",
    });
  }
  const reference = options.referenceLogprobs;
  return (data: readonly Datum[], logprobs: readonly Float32Array[]) => {
    const batch = readPairBatch(data, logprobs);
    if (reference?.length !== data.length) {
      throw new InvalidInputError(
        `Got ${reference?.length} reference logprob arrays for ${data.length} datums; pass one per datum, in the same order.`,
        { path: "referenceLogprobs" },
      );
    }
    const referenceLogprobs = data.map((datum, i) =>
      finiteFloat64(reference[i]!, targetLength(datum, i), `referenceLogprobs[${i}]`),
    );
    const out = dpoLossFloat64({ ...batch, referenceLogprobs, beta, labelSmoothing });
    return { loss: out.loss, gradients: toFloat32(out.gradients), metrics: out.metrics };
  };
}
