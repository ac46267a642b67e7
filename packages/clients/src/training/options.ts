import type { RequestBodyInput, SamplingClientKind } from "@tinker-ts/types";

type OptimStepBody = RequestBodyInput["OptimStepRequest"];

/** Options of `forward` and `forwardBackward`. */
export interface ForwardBackwardOptions {
  /**
   * Loss settings, for example `{ clip_low_threshold: 0.8, clip_high_threshold: 1.2 }` for `ppo`
   * or `{ beta: 0.05 }` for `dro` (tinker-compute-semantics.md §2). Finite numbers.
   */
  readonly lossFnConfig?: Readonly<Record<string, number | string>> | undefined;
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
