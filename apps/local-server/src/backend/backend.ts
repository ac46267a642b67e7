import type {
  Datum,
  ForwardBackwardOutput,
  ModelInput,
  SampledSequence,
  TopkPromptLogprobs,
} from "@tinker-ts/types";
import { TinkerError } from "@tinker-ts/types";
import type { LoraSettings } from "../state/entities.js";

/**
 * The compute behind the server. The HTTP layer validates requests, orders them by seq_id,
 * persists checkpoints and runs futures; a backend only computes. Calls for one model arrive
 * one at a time in seq_id order (tinker-wire-spec.md §8.1), so a backend needs no locking per
 * model. Semantics are those of tinker-compute-semantics.md: SUM-reduced losses, gradients that
 * accumulate across forward_backward calls until optim_step, AdamW with decoupled weight decay,
 * temperature-scaled sampled logprobs and τ = 1 prompt logprobs.
 *
 * Errors: throw {@link BackendUserError} for a problem with the request (the future fails with
 * category `user`); anything else fails it with category `server`.
 */
export interface Backend {
  /** Short name shown in logs and `/_admin/state` (`null`, `tiny`). */
  readonly name: string;
  /** Creates a LoRA training model (fresh adapter: A random from `lora.seed`, B = 0). */
  createModel(spec: ModelSpec): Promise<void>;
  /** Forward pass only: outputs and metrics, gradient buffer untouched (compute-semantics §3). */
  forward(modelId: string, input: LossInput): Promise<ForwardBackwardOutput>;
  /** Forward + backward: outputs and metrics; adds the gradient to the buffer (§2, §5.1). */
  forwardBackward(modelId: string, input: LossInput): Promise<ForwardBackwardOutput>;
  /** One AdamW step over the accumulated gradient, then zeroes it (§5). */
  optimStep(modelId: string, params: AdamParams): Promise<{ metrics: Record<string, number> }>;
  /**
   * Serializes the model. `training` includes optimizer state; `sampler` is the adapter only.
   * Files go to the tar root of the archive (PEFT: `adapter_config.json`,
   * `adapter_model.safetensors`; compute-semantics §8.3).
   */
  saveWeights(modelId: string, kind: "training" | "sampler"): Promise<CheckpointFiles>;
  /** Replaces the model's weights (and optimizer state when `optimizer`) from saved files. */
  loadWeights(modelId: string, files: CheckpointFiles, options: { optimizer: boolean }): Promise<void>;
  /** Prepares a sampler: the base model, plus adapter files when `weights` is given. */
  createSampler(spec: SamplerSpec): Promise<void>;
  /**
   * Optional: checks (and prepares for) a sample request before the server accepts it. Throwing
   * {@link BackendUserError} answers the `asample` request with a 400 instead of failing its
   * future later. The tiny backend loads the base model's tokenizer here when `params.stop` holds
   * strings (compute-semantics §6.2). `sample` must still work when this was not called.
   */
  prepareSample?(samplerId: string, params: SamplingOptions): Promise<void>;
  /** Generates `numSamples` completions (compute-semantics §6). */
  sample(samplerId: string, input: SampleInput): Promise<SampledSequence[]>;
  /** Scores the prompt at τ = 1: per-token logprobs (NaN first) and optional top-k (§6.3, §7). */
  computeLogprobs(samplerId: string, input: PromptScoreInput): Promise<PromptScores>;
  /** Frees a model (session expired or unloaded). Unknown ids are ignored. */
  releaseModel(modelId: string): Promise<void>;
  /** Frees a sampler. Unknown ids are ignored. */
  releaseSampler(samplerId: string): Promise<void>;
}

/** Files of a checkpoint, by file name. */
export type CheckpointFiles = Record<string, Uint8Array>;

/** What `createModel` needs. */
export interface ModelSpec {
  modelId: string;
  baseModel: string;
  lora: LoraSettings;
}

/** Built-in loss names (tinker-wire-spec.md §4.1 `LossFnType`). */
export type LossFnName = "cross_entropy" | "importance_sampling" | "ppo" | "cispo" | "dro";

/** Input of forward / forward_backward: datums in request order. */
export interface LossInput {
  data: Datum[];
  lossFn: LossFnName;
  /** Scalars such as `clip_low_threshold`, `clip_high_threshold`, `beta`. */
  lossFnConfig: Record<string, number>;
}

/** `AdamParams` (tinker-wire-spec.md §4.4), in wire names. */
export interface AdamParams {
  learning_rate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  grad_clip_norm: number;
}

/** What `createSampler` needs. */
export interface SamplerSpec {
  samplerId: string;
  baseModel: string;
  /** Sampler checkpoint files (`saveWeights(…, "sampler")`); absent for the base model. */
  weights?: CheckpointFiles;
}

/** Sampling parameters (tinker-wire-spec.md §4.4 `SamplingParams`). */
export interface SamplingOptions {
  /** Upper bound on generated tokens; undefined means up to the context window. */
  maxTokens: number | undefined;
  /** Seed for reproducible output; undefined means fresh randomness. */
  seed: number | undefined;
  /** Stop strings or stop token ids. */
  stop: string[] | number[];
  temperature: number;
  /** -1 means no limit. */
  topK: number;
  topP: number;
}

/** Input of `sample`. */
export interface SampleInput {
  prompt: ModelInput;
  numSamples: number;
  params: SamplingOptions;
}

/** Input of `computeLogprobs`. */
export interface PromptScoreInput {
  prompt: ModelInput;
  /** Top-k alternatives per position; 0 for none. */
  topk: number;
}

/** Prompt scores. `promptLogprobs` has one float32 per prompt token, NaN at index 0. */
export interface PromptScores {
  promptLogprobs: Float32Array;
  topk?: TopkPromptLogprobs;
}

/** A request the backend cannot serve because of its content; fails the future as `user`. */
export class BackendUserError extends TinkerError {}
