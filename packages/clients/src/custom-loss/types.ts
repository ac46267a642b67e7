import type { Datum } from "@tinker-ts/types";

/** What a custom loss returns for one batch (architecture.md §2, tinker-wire-spec.md §8.3). */
export interface CustomLossResult {
  /** The scalar loss of the batch. */
  loss: number;
  /**
   * dLoss/dlogprobs for each datum, float32, each with the same length (and shape) as that
   * datum's `target_tokens`.
   */
  gradients: Float32Array[];
  /** Extra metrics merged into the forward_backward result's metrics. */
  metrics?: Record<string, number>;
}

/**
 * A loss computed on the client from the per-token logprobs of a forward pass
 * (`forwardBackwardCustom`). `logprobs[i]` is float32 with the shape of `data[i]`'s
 * `target_tokens`.
 */
export type CustomLossFn = (data: readonly Datum[], logprobs: readonly Float32Array[]) => CustomLossResult;
