import type { TensorData } from "./tensor-data.js";

/**
 * In-memory forms of the two results that arrive as protobuf (tinker-wire-spec.md §4.5, §5.4):
 * `ForwardBackwardOutput` and `SampleResponse`. Numeric payloads are typed arrays that may view
 * the response buffer without copying; the functions at the end give the Python SDK's list views
 * of them.
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
  /** Top-k logprobs at each generated position (Python SDK 0.38.0), when the request asked for them. */
  topk_logprobs?: TopkSampledLogprobs;
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

/**
 * Top-k logprobs over a sequence's generated tokens (Python SDK 0.38.0) as two row-major (N, k)
 * matrices, N = `length` = number of generated tokens. Empty cells hold the sentinel
 * (token 0, logprob -99999).
 */
export interface TopkSampledLogprobs {
  token_ids: Int32Array;
  logprobs: Float32Array;
  k: number;
  length: number;
}

/**
 * Alternative draws at every prompt position after the first (Python SDK 0.38.0,
 * `prompt_alt_tokens_k`): two dense `[prompt length - 1, k]` tensors, `tokens` int64 and
 * `logprobs` float32; row i holds draws from the distribution over prompt token i + 1.
 */
export interface PromptAltTokens {
  tokens: TensorData;
  logprobs: TensorData;
}

/** Result of `sample` / `compute_logprobs`. */
export interface SampleResponse {
  sequences: SampledSequence[];
  /** Per prompt token, float32; NaN where there is no value (always the first token). */
  prompt_logprobs?: Float32Array;
  topk_prompt_logprobs?: TopkPromptLogprobs;
  /** Prompt tokens served from the prefix cache. */
  prompt_cache_hit_tokens: number;
  /**
   * Logprobs of the token ids the request's `target_prompt_logprobs` named (Python SDK 0.38.0):
   * float32, same shape and layout as the request's tensor, 0 in placeholder cells.
   */
  target_prompt_logprobs?: TensorData;
  /** Alternative prompt-token draws (Python SDK 0.38.0), when the request asked for them. */
  prompt_alt_tokens?: PromptAltTokens;
}

/** Token id and logprob of the cells that mark "no value" in top-k matrices. */
const TOPK_SENTINEL_TOKEN = 0;
const TOPK_SENTINEL_LOGPROB = -99999;

/**
 * Rows of a top-k matrix as `[tokenId, logprob]` pairs (tinker-wire-spec.md §4.5, as the Python
 * SDK's `topk_to_lists`): a row whose first cell is the sentinel (token 0, logprob -99999)
 * becomes `null`; trailing sentinel cells of the other rows are trimmed. Returns one entry per
 * row (`token_ids.length / k` rows), or `[]` when `k` is 0.
 */
export function topkLogprobsRows(
  topk: Pick<TopkPromptLogprobs, "token_ids" | "logprobs" | "k">,
): Array<Array<[number, number]> | null> {
  const { token_ids, logprobs, k } = topk;
  if (k <= 0) return [];
  const isSentinel = (cell: number) =>
    token_ids[cell] === TOPK_SENTINEL_TOKEN && logprobs[cell] === TOPK_SENTINEL_LOGPROB;
  const rows: Array<Array<[number, number]> | null> = [];
  for (let start = 0; start + k <= token_ids.length; start += k) {
    if (isSentinel(start)) {
      rows.push(null);
      continue;
    }
    let end = start + k;
    while (end > start && isSentinel(end - 1)) end--;
    const row: Array<[number, number]> = [];
    for (let cell = start; cell < end; cell++) row.push([token_ids[cell]!, logprobs[cell]!]);
    rows.push(row);
  }
  return rows;
}

/**
 * Prompt logprobs as a list (the Python SDK's `SampleResponse.prompt_logprobs`): one entry per
 * prompt token, `null` where there is no value (NaN on the wire, always the first token).
 * `undefined` when the request did not ask for prompt logprobs.
 */
export function promptLogprobsList(response: SampleResponse): Array<number | null> | undefined {
  if (response.prompt_logprobs === undefined) return undefined;
  return Array.from(response.prompt_logprobs, (logprob) => (Number.isNaN(logprob) ? null : logprob));
}

/**
 * Top-k prompt logprobs as rows of `[tokenId, logprob]` pairs, one per prompt token (the Python
 * SDK's `SampleResponse.topk_prompt_logprobs`; see {@link topkLogprobsRows}). `undefined` when
 * the request did not ask for them.
 */
export function topkPromptLogprobsList(
  response: SampleResponse,
): Array<Array<[number, number]> | null> | undefined {
  return response.topk_prompt_logprobs && topkLogprobsRows(response.topk_prompt_logprobs);
}

/** Generated token ids as a list of numbers (the Python SDK's `SampledSequence.tokens`). */
export function sampledTokensList(sequence: SampledSequence): number[] {
  return Array.from(sequence.tokens);
}

/**
 * Per-token logprobs of a generated sequence as a list (the Python SDK's
 * `SampledSequence.logprobs`); `undefined` when there are none.
 */
export function sampledLogprobsList(sequence: SampledSequence): number[] | undefined {
  return sequence.logprobs && Array.from(sequence.logprobs);
}

/**
 * Top-k logprobs at each generated position as rows of `[tokenId, logprob]` pairs (Python SDK
 * 0.38.0 `SampledSequence.topk_logprobs`; see {@link topkLogprobsRows}); `undefined` when not
 * requested.
 */
export function sampledTopkLogprobsList(
  sequence: SampledSequence,
): Array<Array<[number, number]> | null> | undefined {
  return sequence.topk_logprobs && topkLogprobsRows(sequence.topk_logprobs);
}
