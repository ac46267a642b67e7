import type { TensorData } from "./tensor-data.js";

/**
 * In-memory forms of the two results that arrive as protobuf (tinker-wire-spec.md §4.5, §5.4):
 * `ForwardBackwardOutput` and `SampleResponse`. Numeric payloads are typed arrays that may view
 * the response buffer without copying.
 */

/** Why a sampled sequence ended: a stop sequence or EOS (`stop`), or `max_tokens` (`length`). */
export type StopReason = "length" | "stop";

/** Result of `forward` / `forward_backward`: per-datum loss outputs and reduced metrics. */
export interface ForwardBackwardOutput {
  /** Bare class name of the loss output, for example `TorchLossReturn`. */
  loss_fn_output_type: string;
  /** One record per datum, in data order, for example `{ logprobs, elementwise_loss }`. */
  loss_fn_outputs: Array<Record<string, TensorData>>;
  /** Metrics keyed `name:reduction`, for example `loss:sum`. */
  metrics: Record<string, number>;
}

/** One generated completion. */
export interface SampledSequence {
  stop_reason: StopReason;
  /** Generated token ids, int32, including the stop token when `stop_reason` is `stop`. */
  tokens: Int32Array;
  /** Log-probability of each generated token, float32, same length as `tokens`. */
  logprobs?: Float32Array;
}

/**
 * Top-k prompt logprobs as two row-major (N, k) matrices, N = prompt length. Empty cells hold
 * the sentinel (token 0, logprob -99999).
 */
export interface TopkPromptLogprobs {
  token_ids: Int32Array;
  logprobs: Float32Array;
  k: number;
  prompt_length: number;
}

/** Result of `sample` / `compute_logprobs`. */
export interface SampleResponse {
  sequences: SampledSequence[];
  /** Per prompt token, float32; NaN where there is no value (always the first token). */
  prompt_logprobs?: Float32Array;
  topk_prompt_logprobs?: TopkPromptLogprobs;
  /** Prompt tokens served from the prefix cache. */
  prompt_cache_hit_tokens: number;
}
