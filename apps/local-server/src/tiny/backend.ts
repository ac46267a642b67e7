import { type ForwardBackwardOutput, InvalidInputError, type SampledSequence } from "@tinker-ts/types";
import {
  type AdamParams,
  type Backend,
  BackendUserError,
  type CheckpointFiles,
  type LossInput,
  type ModelSpec,
  type PromptScoreInput,
  type PromptScores,
  type SampleInput,
  type SamplerSpec,
  type SamplingOptions,
} from "../backend/backend.js";
import { type BaseModelInfo, defaultCatalogue } from "../catalogue.js";
import { type BaseModel, createBaseModel } from "./base-model.js";
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { type TinyModelConfig, tinyModelConfig, vocabSizeForBaseModel } from "./config.js";
import { modelInputTokens } from "./losses.js";
import { Network } from "./network.js";
import { TinySampler } from "./sampler.js";
import type { Dtype } from "./tensor.js";
import { TinyTrainingModel } from "./training-model.js";

/** Token ids to text, as the tokenizer's `decode` (special tokens kept). */
export type TinyDecoder = (ids: readonly number[]) => string;

/** What the tiny backend needs to know about a base model's tokenizer. */
export interface TinyTokenizerInfo {
  /** Ids that end a sampled sequence with reason `stop` (tinker-compute-semantics.md §6.2). */
  eosTokenIds: readonly number[];
  /** Token ids to text, for stop strings; when absent, {@link TinyBackendOptions.loadDecoder} is asked. */
  decode?: TinyDecoder;
}

/** Options of {@link createTinyBackend}. */
export interface TinyBackendOptions {
  /**
   * Base models whose `max_context_length` becomes the model's limit on sequence length (training)
   * and prompt plus `max_tokens` (sampling), whatever {@link TinyBackendOptions.configFor} says, so
   * that the backend and the server's catalogue agree (tinker-compute-semantics.md §1.7, §6.1).
   * Models not listed keep their configuration's limit (32,768 by default). Default:
   * `defaultCatalogue`.
   */
  catalogue?: readonly BaseModelInfo[];
  /**
   * Tokenizer facts per base model, needed at once by every sampler. Default: the EOS ids of the
   * family (Qwen3: 151645 `<|im_end|>`, 151643 `<|endoftext|>`; Llama 3: 128001, 128008, 128009)
   * and no decoder.
   */
  tokenizerFor?: (baseModel: string) => TinyTokenizerInfo;
  /**
   * Loads the decoder of a base model's tokenizer, for stop strings when `tokenizerFor` gives no
   * `decode`. Called the first time a sample request of that base model has stop strings; the
   * result is kept, a rejection is not (the next request tries again). Its error message is shown
   * to the user, so it should say how to make the tokenizer available. Without it (and without
   * `decode`), stop strings are rejected; stop token ids always work.
   */
  loadDecoder?: (baseModel: string) => Promise<TinyDecoder>;
  /** Model shape per base model. Default: {@link tinyModelConfig} of the family's vocabulary. */
  configFor?: (baseModel: string) => TinyModelConfig;
  /** Element type of weights and activations (default float32). */
  dtype?: Dtype;
}

const qwenEos = [151_645, 151_643];
const llamaEos = [128_001, 128_008, 128_009];

function defaultTokenizerInfo(baseModel: string): TinyTokenizerInfo {
  return { eosTokenIds: baseModel.toLowerCase().includes("llama") ? llamaEos : qwenEos };
}

/**
 * The `tiny` backend of tinker-local: the tiny causal LM of this folder behind the server's
 * {@link Backend} interface. Base models are built once per name and shared by every training
 * model and sampler of that name. Request problems (bad datum, unsupported loss, context window,
 * bad checkpoint, stop strings without a tokenizer) fail as {@link BackendUserError} with the
 * core's message.
 */
export function createTinyBackend(options: TinyBackendOptions = {}): Backend {
  return new TinyBackend(options);
}

interface SamplerEntry {
  sampler: TinySampler;
  baseModel: string;
  tokenizer: TinyTokenizerInfo;
}

class TinyBackend implements Backend {
  readonly name = "tiny";
  readonly #options: TinyBackendOptions;
  readonly #bases = new Map<string, BaseModel>();
  readonly #models = new Map<string, TinyTrainingModel>();
  readonly #samplers = new Map<string, SamplerEntry>();
  /** Decoders loaded (or loading) by `loadDecoder`, per base model. */
  readonly #decoders = new Map<string, Promise<TinyDecoder>>();
  readonly #contextLengths: Map<string, number>;
  #clock = 0;

  constructor(options: TinyBackendOptions) {
    this.#options = options;
    this.#contextLengths = new Map(
      (options.catalogue ?? defaultCatalogue).map((m) => [m.model_name, m.max_context_length]),
    );
  }

  async createModel(spec: ModelSpec): Promise<void> {
    const base = userErrors(() => this.#base(spec.baseModel));
    const model = userErrors(
      () =>
        new TinyTrainingModel(base, {
          lora: {
            rank: spec.lora.rank,
            seed: spec.lora.seed,
            targets: {
              attn: spec.lora.train_attn,
              mlp: spec.lora.train_mlp,
              unembed: spec.lora.train_unembed,
            },
          },
          clock: () => ++this.#clock,
        }),
    );
    this.#models.set(spec.modelId, model);
  }

  async forward(modelId: string, input: LossInput): Promise<ForwardBackwardOutput> {
    const model = this.#model(modelId);
    return userErrors(() => model.forward(input.data, input.lossFn, input.lossFnConfig));
  }

  async forwardBackward(modelId: string, input: LossInput): Promise<ForwardBackwardOutput> {
    const model = this.#model(modelId);
    return userErrors(() => model.forwardBackward(input.data, input.lossFn, input.lossFnConfig));
  }

  async optimStep(modelId: string, params: AdamParams): Promise<{ metrics: Record<string, number> }> {
    return this.#model(modelId).optimStep(params);
  }

  async saveWeights(modelId: string, kind: "training" | "sampler"): Promise<CheckpointFiles> {
    const files: CheckpointFiles = {};
    for (const file of saveCheckpoint(this.#model(modelId), kind)) files[file.name] = file.bytes;
    return files;
  }

  async loadWeights(modelId: string, files: CheckpointFiles, options: { optimizer: boolean }): Promise<void> {
    const model = this.#model(modelId);
    userErrors(() => restoreCheckpoint(model, files, options));
  }

  async createSampler(spec: SamplerSpec): Promise<void> {
    const base = userErrors(() => this.#base(spec.baseModel));
    const adapter = spec.weights
      ? userErrors(() => loadCheckpoint(base, spec.weights!, { optimizer: false }).adapter)
      : undefined;
    const tokenizer = (this.#options.tokenizerFor ?? defaultTokenizerInfo)(spec.baseModel);
    this.#samplers.set(spec.samplerId, {
      sampler: new TinySampler(new Network(base, adapter)),
      baseModel: spec.baseModel,
      tokenizer,
    });
  }

  /** Loads the tokenizer's decoder when the request has stop strings, so a missing one is a 400. */
  async prepareSample(samplerId: string, params: SamplingOptions): Promise<void> {
    const entry = this.#sampler(samplerId);
    if (hasStopStrings(params)) await this.#decoder(entry);
  }

  async sample(samplerId: string, input: SampleInput): Promise<SampledSequence[]> {
    const entry = this.#sampler(samplerId);
    const decode = hasStopStrings(input.params) ? await this.#decoder(entry) : undefined;
    return userErrors(() => {
      const prompt = modelInputTokens(input.prompt, "prompt");
      const result = entry.sampler.sample(prompt, {
        ...input.params,
        numSamples: input.numSamples,
        eosTokenIds: entry.tokenizer.eosTokenIds,
        ...(decode ? { decode } : {}),
      });
      return result.sequences;
    });
  }

  async computeLogprobs(samplerId: string, input: PromptScoreInput): Promise<PromptScores> {
    const { sampler } = this.#sampler(samplerId);
    return userErrors(() => {
      const scores = sampler.computeLogprobs(modelInputTokens(input.prompt, "prompt"), input.topk);
      return scores.topk
        ? { promptLogprobs: scores.promptLogprobs, topk: scores.topk }
        : { promptLogprobs: scores.promptLogprobs };
    });
  }

  async releaseModel(modelId: string): Promise<void> {
    this.#models.delete(modelId);
  }

  async releaseSampler(samplerId: string): Promise<void> {
    this.#samplers.delete(samplerId);
  }

  #base(name: string): BaseModel {
    let base = this.#bases.get(name);
    if (!base) {
      const config = this.#options.configFor?.(name) ?? tinyModelConfig(vocabSizeForBaseModel(name));
      const listed = this.#contextLengths.get(name);
      base = createBaseModel(
        name,
        listed === undefined ? config : { ...config, maxSequenceLength: listed },
        this.#options.dtype ?? "float32",
      );
      this.#bases.set(name, base);
    }
    return base;
  }

  /** The decoder for a sampler's stop strings: its own, or one loaded once per base model. */
  async #decoder(entry: SamplerEntry): Promise<TinyDecoder> {
    if (entry.tokenizer.decode) return entry.tokenizer.decode;
    const load = this.#options.loadDecoder;
    if (!load) {
      throw new BackendUserError(
        `Stop strings need the tokenizer of ${entry.baseModel} to decode the sampled tokens, and this ` +
          "backend has none; stop on token ids instead.",
      );
    }
    const key = entry.baseModel;
    let loading = this.#decoders.get(key);
    if (!loading) {
      const started = Promise.resolve().then(() => load(key));
      this.#decoders.set(key, started);
      started.catch(() => {
        if (this.#decoders.get(key) === started) this.#decoders.delete(key);
      });
      loading = started;
    }
    try {
      return await loading;
    } catch (error) {
      throw new BackendUserError(
        `Stop strings need the tokenizer of ${entry.baseModel} to decode the sampled tokens, and it could ` +
          `not be loaded: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
  }

  #model(modelId: string): TinyTrainingModel {
    const model = this.#models.get(modelId);
    if (!model) throw new BackendUserError(`Model ${modelId} is not loaded.`);
    return model;
  }

  #sampler(samplerId: string): SamplerEntry {
    const entry = this.#samplers.get(samplerId);
    if (!entry) throw new BackendUserError(`Sampler ${samplerId} is not loaded.`);
    return entry;
  }
}

function hasStopStrings(params: SamplingOptions): boolean {
  return params.stop.some((s) => typeof s === "string");
}

/** Runs `fn`, turning the core's input errors into {@link BackendUserError} (future category `user`). */
function userErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (InvalidInputError.isInstance(error)) throw new BackendUserError(error.message, { cause: error });
    throw error;
  }
}
