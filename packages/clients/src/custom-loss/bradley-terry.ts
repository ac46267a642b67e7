import { type Datum, InvalidInputError } from "@tinker-ts/types";
import {
  positive,
  readPairBatch,
  scaleInto,
  sigmoid,
  softplus,
  toFloat32,
  totalWeight,
  weightedSum,
} from "./batch.js";
import type { Float64LossOutput } from "./dpo.js";
import type { CustomLossFn } from "./types.js";

/** Options of {@link bradleyTerryLoss}. */
export interface BradleyTerryLossOptions {
  /** Scale β of the score difference; default 1. Must be > 0. */
  readonly beta?: number | undefined;
  /**
   * Score each sequence by its weighted mean logprob (Σ w·logprob / Σ w) instead of the weighted
   * sum, so that long completions are not penalised for their length. Default false.
   */
  readonly lengthNormalized?: boolean | undefined;
}

/** Inputs of {@link bradleyTerryLossFloat64}, float64, one array per datum. */
export interface BradleyTerryInputs {
  readonly logprobs: readonly Float64Array[];
  readonly weights: readonly Float64Array[];
  readonly beta: number;
  readonly lengthNormalized: boolean;
}

/**
 * The Bradley–Terry pairwise preference loss in float64, with its analytic gradient: the model's
 * own sequence score s = Σ w·logprob (or that over Σ w when `lengthNormalized`) plays the
 * reward, and for pair p (data 2p preferred, 2p + 1 not)
 *
 *   loss = mean_p softplus(−β·(s_chosen − s_rejected))   (= −log P(chosen ≻ rejected))
 *
 * so `∂loss/∂logprob_chosen[t] = −β·σ(−z_p)·w[t]/(P·N)` and the rejected side the opposite, with
 * z_p = β·(s_chosen − s_rejected) and N = 1 (or Σ w of that datum when length-normalized). Unlike
 * DPO it needs no reference model.
 *
 * Metrics: `bt_loss`, `accuracy` (share of pairs with s_chosen > s_rejected), `margin` (mean
 * s_chosen − s_rejected), `chosen_score`, `rejected_score` (mean scores).
 *
 * @throws InvalidInputError (`data[i].loss_fn_inputs.weights`) when length-normalizing a datum
 *   whose weights sum to 0.
 */
export function bradleyTerryLossFloat64(inputs: BradleyTerryInputs): Float64LossOutput {
  const { logprobs, weights, beta, lengthNormalized } = inputs;
  const norms = weights.map((w, i) => {
    if (!lengthNormalized) return 1;
    const total = totalWeight(w);
    if (!(total > 0)) {
      throw new InvalidInputError(
        `data[${i}] has no token with positive weight, so its length-normalized score is undefined.`,
        { path: `data[${i}].loss_fn_inputs.weights` },
      );
    }
    return total;
  });
  const pairs = logprobs.length / 2;
  const gradients = logprobs.map((lp) => new Float64Array(lp.length));
  let loss = 0;
  let correct = 0;
  let chosenScore = 0;
  let rejectedScore = 0;
  for (let p = 0; p < pairs; p++) {
    const c = 2 * p;
    const r = c + 1;
    const chosen = weightedSum(logprobs[c]!, weights[c]!) / norms[c]!;
    const rejected = weightedSum(logprobs[r]!, weights[r]!) / norms[r]!;
    const z = beta * (chosen - rejected);
    loss += softplus(-z);
    if (chosen > rejected) correct += 1;
    chosenScore += chosen;
    rejectedScore += rejected;
    const dz = (-sigmoid(-z) / pairs) * beta;
    scaleInto(gradients[c]!, weights[c]!, dz / norms[c]!);
    scaleInto(gradients[r]!, weights[r]!, -dz / norms[r]!);
  }
  loss /= pairs;
  return {
    loss,
    gradients,
    metrics: {
      bt_loss: loss,
      accuracy: correct / pairs,
      margin: (chosenScore - rejectedScore) / pairs,
      chosen_score: chosenScore / pairs,
      rejected_score: rejectedScore / pairs,
    },
  };
}

/**
 * A Bradley–Terry pairwise {@link CustomLossFn} for `forwardBackwardCustom`: data laid out
 * `[chosen₀, rejected₀, chosen₁, rejected₁, …]` with `weights` masking the prompt; see
 * {@link bradleyTerryLossFloat64}. The maths runs in float64; gradients come back as float32.
 *
 * ```ts
 * await training.forwardBackwardCustom(pairs, bradleyTerryLoss({ beta: 1, lengthNormalized: true }));
 * ```
 *
 * @throws InvalidInputError at creation for `beta` ≤ 0; when called, for a malformed batch (see
 *   `readPairBatch`) or, when length-normalizing, a datum with zero total weight.
 */
export function bradleyTerryLoss(options: BradleyTerryLossOptions = {}): CustomLossFn {
  const beta = positive(options.beta ?? 1, "beta");
  const lengthNormalized = options.lengthNormalized ?? false;
  return (data: readonly Datum[], logprobs: readonly Float32Array[]) => {
    const out = bradleyTerryLossFloat64({ ...readPairBatch(data, logprobs), beta, lengthNormalized });
    return { loss: out.loss, gradients: toFloat32(out.gradients), metrics: out.metrics };
  };
}
