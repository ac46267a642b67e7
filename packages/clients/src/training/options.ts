import type { RequestBodyInput, SamplingClientKind } from "@tinker-ts/types";

type OptimStepBody = RequestBodyInput["OptimStepRequest"];

/**
 * When `forward` / `forwardBackward` read the typed arrays of their data into request bodies:
 * - `"call"` (default): before the call returns. The requests carry the data as they were at the
 *   call, so the caller may reuse or change its arrays at once (for example to build the next batch
 *   while this one is in flight). Until its chunk is sent, each body is held next to the data: peak
 *   memory is more than twice the batch (2.1–2.3× measured at 128 MiB, bench/README.md B2).
 * - `"send"`: when each chunk is sent, as the Python SDK does, into buffers reused from chunk to
 *   chunk. Only the chunks in flight have a body in memory (peak 1.5–1.7× while sending a 128 MiB
 *   batch, 1.9–2.0× once its outputs are back), but the arrays must not be changed, reused or
 *   transferred until the returned future has resolved: a chunk carries whatever they hold when it
 *   is sent.
 *
 * Either way the data are checked at the call (bad input throws before anything is sent), and a
 * resend after an expired future (HTTP 410) reads the arrays again, as the Python SDK does.
 */
export type ReadDataAt = "call" | "send";

/** Options of `forward` and `forwardBackward`. */
export interface ForwardBackwardOptions {
  /**
   * Loss settings, for example `{ clip_low_threshold: 0.8, clip_high_threshold: 1.2 }` for `ppo`
   * or `{ beta: 0.05 }` for `dro` (tinker-compute-semantics.md §2). Finite numbers.
   */
  readonly lossFnConfig?: Readonly<Record<string, number | string>> | undefined;
  /**
   * When the data's typed arrays are read into the request bodies: `"call"` (default, safe to reuse
   * the arrays at once) or `"send"` (less memory for large batches; keep the arrays unchanged until
   * the future resolves). See {@link ReadDataAt}.
   */
  readonly readDataAt?: ReadDataAt | undefined;
}

/**
 * Hyperparameters of one `optimStep`: Adam (any subset of `learning_rate`, `beta1`, `beta2`, `eps`,
 * `weight_decay`, `grad_clip_norm`; the rest take the defaults 1e-4, 0.9, 0.95, 1e-12, 0, 0), or
 * the parameters of another optimizer family chosen at model creation, marked by `type` (for
 * example `{ type: "dimuon", learning_rate: 0.02 }`, Python SDK 0.38).
 */
export type OptimStepParams =
  | NonNullable<OptimStepBody["adam_params"]>
  | NonNullable<OptimStepBody["optimizer_params"]>;

/** Options of `saveState` (tinker-wire-spec.md §8.5). */
export interface SaveStateOptions {
  /** Seconds until the checkpoint expires (the server accepts 1 hour to 10 years); default never. */
  readonly ttlSeconds?: number | undefined;
  /** Replace an existing checkpoint of the same name (and its metadata). Default false. */
  readonly overwrite?: boolean | undefined;
  /** Metadata stored with the checkpoint (Python SDK 0.38). */
  readonly userMetadata?: Readonly<Record<string, string>> | undefined;
}

/** Options of `saveWeightsForSampler` (§8.7). */
export interface SaveWeightsForSamplerOptions {
  /** Seconds until the checkpoint expires; default never. */
  readonly ttlSeconds?: number | undefined;
  /** Metadata stored with the checkpoint (Python SDK 0.38). */
  readonly userMetadata?: Readonly<Record<string, string>> | undefined;
}

/** Options of `loadState` and `loadStateWithOptimizer` (§8.6). */
export interface LoadStateOptions {
  /** Access token for a checkpoint owned by another account. */
  readonly weightsAccessToken?: string | undefined;
}

/** Options of `saveWeightsAndGetSamplingClient` (§8.8). */
export interface SaveWeightsAndGetSamplingClientOptions<RetryConfig> {
  /** Retry settings of the SamplingClient (the sampling RetryHandler, §7.3). */
  readonly retryConfig?: RetryConfig | undefined;
  /**
   * `snapshot` (default) freezes the current weights; `inflight` publishes weights shared by this
   * model's inflight sampling clients (Python SDK 0.38).
   */
  readonly kind?: SamplingClientKind | undefined;
}
