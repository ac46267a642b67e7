import { type Datum, InvalidInputError, modelInputAppendInt, TinkerError } from "@tinker-ts/types";
import type { SamplingClient } from "../sampling/sampling-client.js";
import { targetLength } from "./batch.js";

/** Options of {@link computeReferenceLogprobs}. */
export interface ReferenceLogprobsOptions {
  /** Cancels the outstanding `computeLogprobs` calls. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The reference logprobs DPO needs (tinker-compute-semantics.md §10.5 step 2): for every datum,
 * `computeLogprobs(model_input + [last target token])` on a frozen sampler, without its first
 * entry — so entry t is the reference model's logprob of `target_tokens[t]`, aligned with the
 * learner's logprobs. All calls run concurrently. Each datum must be a next-token datum
 * (`model_input` = sequence[:-1], `target_tokens` = sequence[1:], text chunks or any chunk the
 * sampler accepts, with as many positions as targets).
 *
 * @param sampler usually `await training.saveWeightsAndGetSamplingClient()` taken before training.
 * @returns one float32 array per datum, one value per target token.
 * @throws InvalidInputError for a datum without targets or whose scored length does not match
 *   its targets; `TinkerError` when the server left a target position unscored; the errors of
 *   `computeLogprobs`.
 */
export async function computeReferenceLogprobs(
  sampler: Pick<SamplingClient, "computeLogprobs">,
  data: readonly Datum[],
  options: ReferenceLogprobsOptions = {},
): Promise<Float32Array[]> {
  // Every datum is checked before any request goes out.
  const requests = data.map((datum, i) => {
    const length = targetLength(datum, i);
    if (length === 0) {
      throw new InvalidInputError(`data[${i}] has no target tokens to score.`, {
        path: `data[${i}].loss_fn_inputs.target_tokens`,
      });
    }
    const target = datum.loss_fn_inputs["target_tokens"]!.data;
    return { length, prompt: modelInputAppendInt(datum.model_input, Number(target[length - 1])) };
  });
  const scored = await Promise.all(requests.map(({ prompt }) => sampler.computeLogprobs(prompt, options)));
  return scored.map((logprobs, i) => {
    const { length } = requests[i]!;
    if (logprobs.length !== length + 1) {
      throw new InvalidInputError(
        `data[${i}] scored ${logprobs.length - 1} positions but has ${length} target tokens; a datum must be model_input = seq[:-1], target_tokens = seq[1:].`,
        { path: `data[${i}]` },
      );
    }
    return Float32Array.from(logprobs.slice(1), (value, t) => {
      if (value === null) {
        throw new TinkerError(`The reference sampler left target ${t} of data[${i}] unscored.`);
      }
      return value;
    });
  });
}
