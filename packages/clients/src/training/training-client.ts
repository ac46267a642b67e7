import {
  type APIFuture,
  type BytesSemaphore,
  jsonResult,
  PollingFuture,
  PromiseExpiredError,
  protobufResult,
  QueueStateLogger,
  type RequestType,
  type ResultDecoder,
} from "@tinker-ts/futures";
import { combineForwardBackwardOutputs } from "@tinker-ts/metrics-reduction";
import type { OperationAttributes, OperationName } from "@tinker-ts/telemetry";
import {
  type GetTokenizerOptions,
  getTokenizer,
  type Tokenizer,
  tokenizerIdFromGetInfo,
} from "@tinker-ts/tokenizer";
import {
  type Datum,
  encodeRequestBody,
  type ForwardBackwardOutput,
  type GetInfoResponse,
  GetInfoResponseSchema,
  InvalidInputError,
  type LoadWeightsResponse,
  LoadWeightsResponseSchema,
  type LossFnType,
  type OptimStepResponse,
  OptimStepResponseSchema,
  type SaveWeightsForSamplerResponse,
  SaveWeightsForSamplerResponseInternalSchema,
  type SaveWeightsResponse,
  SaveWeightsResponseSchema,
  TINKER_PATH_PREFIX,
  TinkerError,
  type UnloadModelResponse,
  UnloadModelResponseSchema,
  type UntypedAPIFuture,
  validateCheckpointName,
} from "@tinker-ts/types";
import {
  decodeForwardBackwardOutput,
  PROTOBUF_CONTENT_TYPE,
  prepareForwardBackwardRequest,
} from "@tinker-ts/types/proto";
import type { ClientContext } from "../context.js";
import type { CustomLossFn } from "../custom-loss/types.js";
import { ClientClosedError, TrainingSequenceBrokenError } from "../errors.js";
import { OperationFuture, type OperationStart } from "../operation-future.js";
import { type AsyncSubmit, callWithRetries, submitAsync } from "../requests.js";
import type { SamplingClient } from "../sampling/index.js";
import { openSamplingClient } from "../sampling/open.js";
import { withFailureReport } from "../telemetry-capture.js";
import { type BodyLease, ChunkBodyBuffers } from "./body-buffers.js";
import { planChunks } from "./chunking.js";
import {
  checkLossResult,
  customBackwardData,
  customForwardData,
  forwardLogprobs,
  mergeCustomMetrics,
} from "./custom-loss-steps.js";
import { EncodedChunk } from "./encoded-chunk.js";
import type {
  ForwardBackwardOptions,
  LoadStateOptions,
  OptimStepParams,
  SaveStateOptions,
  SaveWeightsAndGetSamplingClientOptions,
  SaveWeightsForSamplerOptions,
} from "./options.js";
import { TurnGate } from "./turns.js";
import { checkLossFn, checkLossFnConfig, checkReadDataAt, validateTrainingData } from "./validate.js";

/** Retry settings a SamplingClient accepts (its constructor's `retryConfig`). */
export type SamplingRetryConfig = NonNullable<ConstructorParameters<typeof SamplingClient>[0]["retryConfig"]>;

/**
 * How often a training request whose future expired (HTTP 410 on a poll, `PromiseExpiredError`)
 * is sent again with its original seq_id before the error surfaces. The server de-duplicates by
 * (model_id, seq_id), so a resend never runs the request twice; it only recovers its request id.
 */
export const MAX_EXPIRED_RESUBMITS = 3;

const FORWARD_BACKWARD_RESULT = protobufResult("ForwardBackwardOutput", decodeForwardBackwardOutput);

/** What `new TrainingClient` needs; made by the ServiceClient. @internal */
export interface TrainingClientInit {
  readonly context: ClientContext;
  /** Training run id, `<session_id>:train:<model_seq_id>`. */
  readonly modelId: string;
  readonly modelSeqId: number;
  /** `get_info` of the model, fetched when the client was created. */
  readonly info: GetInfoResponse;
  /** The holder's forward_backward dispatch budget (`fwdbwd_dispatch_bytes_semaphore_size`). */
  readonly dispatchBudget: BytesSemaphore;
}

/** One submission of a request, and how to send it again after its future expired. */
interface Sent {
  readonly submission: Promise<UntypedAPIFuture>;
  readonly resend: () => Promise<UntypedAPIFuture>;
  /** The public method that sent it; its polls carry the same `x-sdk-method` (Python SDK 0.38). */
  readonly sdkMethod: string;
}

/**
 * `x-sdk-method` values of the TrainingClient: Python SDK 0.38's `TrainingClient.<method>` names
 * (a header new in 0.38, `lib/sdk_method.py`, beside those of tinker-wire-spec.md §1.3). Every
 * request a call makes carries its method's name: the submits, the polls, the resends, and the
 * requests it makes on the way (the second pass of a custom loss, the sampler of
 * `saveWeightsAndGetSamplingClient`).
 */
const SDK_METHOD = {
  forward: "TrainingClient.forward",
  forwardBackward: "TrainingClient.forward_backward",
  forwardBackwardCustom: "TrainingClient.forward_backward_custom",
  optimStep: "TrainingClient.optim_step",
  saveState: "TrainingClient.save_state",
  loadState: "TrainingClient.load_state",
  loadStateWithOptimizer: "TrainingClient.load_state_with_optimizer",
  saveWeightsForSampler: "TrainingClient.save_weights_for_sampler",
  saveWeightsAndGetSamplingClient: "TrainingClient.save_weights_and_get_sampling_client",
  createSamplingClient: "TrainingClient.create_sampling_client",
  // 0.38 has no unload_model; named like the others for the day it does.
  unloadModel: "TrainingClient.unload_model",
} as const;

/**
 * Trains one LoRA model (Python `TrainingClient`, tinker-wire-spec.md §8). Get one from
 * `ServiceClient.createLoraTrainingClient` or `createTrainingClientFromState`.
 *
 * Every training call returns an {@link APIFuture} at once and reserves its seq_id(s) at call
 * time: requests reach the server in call order (op N+1's POST starts only after op N's POST
 * returned, retries keep the seq_id), while results are polled in parallel. So the fast path
 * needs no awaiting in between:
 *
 * ```ts
 * const fb = training.forwardBackward(batch, "cross_entropy");
 * const step = training.optimStep({ learning_rate: 1e-4 });
 * const [output] = await Promise.all([fb, step]);
 * ```
 *
 * Cancelling a future (`cancel()`) stops its polling; a request still queued behind earlier ones is
 * sent anyway, since later requests need its seq_id to reach the server.
 */
export class TrainingClient {
  /** The training run id (`<session_id>:train:<n>`), used in `tinker://` paths. */
  readonly modelId: string;
  /** The model's position among the session's models (`model_seq_id`). */
  readonly modelSeqId: number;
  readonly #context: ClientContext;
  readonly #info: GetInfoResponse;
  readonly #dispatchBudget: BytesSemaphore;
  readonly #queueStateLogger: QueueStateLogger;
  readonly #turns = new TurnGate();
  #nextRequestId = 0;
  #unloaded = false;

  /** @internal Use `ServiceClient.createLoraTrainingClient` and friends. */
  constructor(init: TrainingClientInit) {
    this.#context = init.context;
    this.modelId = init.modelId;
    this.modelSeqId = init.modelSeqId;
    this.#info = init.info;
    this.#dispatchBudget = init.dispatchBudget;
    const { logger, clock, closeSignal } = init.context;
    this.#queueStateLogger = new QueueStateLogger(init.modelId, "Training", { logger, clock });
    const onClose = () =>
      this.#turns.fail(
        new ClientClosedError("The ServiceClient was closed while this request was in flight."),
      );
    if (closeSignal.aborted) onClose();
    else closeSignal.addEventListener("abort", onClose, { once: true });
  }

  /**
   * Forward pass without gradients (`POST /api/v1/forward_backward` with `forward_only`, §8.2):
   * per-datum outputs (`logprobs`, `elementwise_loss`, shaped like `target_tokens`) and metrics
   * such as `loss:sum`. The batch is split into chunks by the client config's limits and the
   * results are combined in data order.
   *
   * @param data training examples (see `datum()` of `@tinker-ts/types`).
   * @param lossFn a built-in loss, for example `"cross_entropy"`.
   * @param options `lossFnConfig`, and `readDataAt`: when the typed arrays are read (`"call"`, the
   *   default, lets you reuse them at once; `"send"` holds less memory but needs them unchanged
   *   until the future resolves; see {@link ForwardBackwardOptions.readDataAt}).
   * @throws InvalidInputError at once, before anything is sent, for an empty batch, an unknown loss,
   *   a missing loss input, a wrong dtype or shape, a non-finite value, an image pointer
   *   (`path` names the datum and key) or an unknown `readDataAt`.
   * @throws ClientClosedError after `close()`; TrainingSequenceBrokenError after a failed custom loss.
   */
  forward(
    data: readonly Datum[],
    lossFn: LossFnType,
    options: ForwardBackwardOptions = {},
  ): APIFuture<ForwardBackwardOutput> {
    return this.#forwardBackward(data, lossFn, options, true);
  }

  /**
   * Forward and backward pass (§8.2): like {@link TrainingClient.forward}, and the gradient is
   * added to the model's gradient buffer for the next {@link TrainingClient.optimStep}.
   *
   * @throws as {@link TrainingClient.forward}.
   */
  forwardBackward(
    data: readonly Datum[],
    lossFn: LossFnType,
    options: ForwardBackwardOptions = {},
  ): APIFuture<ForwardBackwardOutput> {
    return this.#forwardBackward(data, lossFn, options, false);
  }

  /**
   * Forward/backward with a loss computed here (tinker-wire-spec.md §8.3, architecture.md §2):
   * a forward pass with `cross_entropy` (zero weights where a datum has none) gives the per-token
   * logprobs; `lossFn(data, logprobs)` returns the loss and dLoss/dlogprobs; a forward_backward
   * with `weights = −gradients` then applies that gradient. The result is the second pass's, with
   * `loss:sum` = the custom loss, `surrogate_loss:sum` = the server's surrogate loss, and the
   * loss's own metrics (Python SDK 0.38).
   *
   * Both passes' seq_ids are reserved at call time, so later calls queue behind the whole
   * operation. If `lossFn` throws (or the future is cancelled) before the second pass is sent, its
   * seq_ids can never reach the server: the client then rejects later requests with a
   * {@link TrainingSequenceBrokenError}.
   *
   * @param lossFn receives the caller's data (every input, also those not sent) and one float32
   *   logprobs array per datum, flat, with the element count of its `target_tokens`.
   * @throws InvalidInputError at once for a datum without `target_tokens` and for the checks of
   *   {@link TrainingClient.forward}; the future rejects with an InvalidInputError when `lossFn`
   *   returns non-finite values or gradients of the wrong size.
   */
  forwardBackwardCustom(data: readonly Datum[], lossFn: CustomLossFn): APIFuture<ForwardBackwardOutput> {
    this.#assertUsable();
    if (typeof lossFn !== "function") {
      throw new InvalidInputError("lossFn must be a function (data, logprobs) => { loss, gradients }.", {
        path: "lossFn",
      });
    }
    const forwardData = customForwardData(data);
    validateTrainingData(forwardData, "cross_entropy");
    const chunks = planChunks(forwardData, this.#chunkLimits());
    const count = chunks.length;
    const reserved = this.#reserve(2 * count, (first) =>
      chunks.map((chunk, i) =>
        this.#encodeChunk(chunk.data, chunk.bytes, first + i, "cross_entropy", {}, true),
      ),
    );
    const firstId = reserved.id;
    const startMs = this.#context.clock.now();
    return this.#start(
      "forward_backward_custom",
      { datumCount: forwardData.length, chunkCount: count, lossFn: "cross_entropy", seqId: firstId + 1 },
      (signal) => {
        const forwardSent = this.#sendChunks(reserved.encoded, firstId, SDK_METHOD.forwardBackwardCustom);
        const result = (async () => {
          let backwardQueued = false;
          try {
            const forward = await this.#pollChunks("Forward", forwardSent, startMs, signal);
            const logprobs = forwardLogprobs(forward, forwardData);
            const loss = lossFn(data, logprobs);
            checkLossResult(loss, logprobs);
            const backwardData = customBackwardData(forwardData, loss.gradients);
            let offset = 0;
            const backwardChunks = chunks.map((chunk, i) => {
              const slice = backwardData.slice(offset, offset + chunk.data.length);
              offset += chunk.data.length;
              return this.#encodeChunk(slice, chunk.bytes, firstId + count + i, "cross_entropy", {}, false);
            });
            backwardQueued = true;
            const backwardSent = this.#sendChunks(
              backwardChunks,
              firstId + count,
              SDK_METHOD.forwardBackwardCustom,
            );
            const output = await this.#pollChunks("ForwardBackward", backwardSent, startMs, signal);
            return mergeCustomMetrics(output, loss);
          } catch (error) {
            if (!backwardQueued) {
              this.#turns.fail(
                new TrainingSequenceBrokenError(
                  `forwardBackwardCustom failed before its backward pass was sent (${String(error)}), so seq_ids ` +
                    `${firstId + count + 1}..${firstId + 2 * count} of ${this.modelId} will never reach the server and ` +
                    "later requests cannot run. Create a new TrainingClient (for example from a checkpoint).",
                  { cause: error },
                ),
              );
            }
            throw error;
          }
        })();
        return { requestId: requestIdOf(forwardSent[0]!), result };
      },
    );
  }

  /**
   * One optimizer step over the accumulated gradient (`POST /api/v1/optim_step`, §8.4); it zeroes
   * the gradient buffer. Queued behind earlier calls by seq_id, so it can be called right after
   * `forwardBackward` without awaiting it.
   *
   * @param params Adam hyperparameters (unset ones take their defaults), or another optimizer
   *   family's parameters marked by `type`.
   * @throws InvalidInputError for non-finite or malformed hyperparameters.
   */
  optimStep(params: OptimStepParams = {}): APIFuture<OptimStepResponse> {
    const family = "type" in params && params.type !== undefined;
    return this.#single(
      "optim_step",
      typeof params.learning_rate === "number" ? { learningRate: params.learning_rate } : {},
      "OptimStep",
      (seqId) => ({
        path: "/api/v1/optim_step",
        name: "optim_step",
        sdkMethod: SDK_METHOD.optimStep,
        body: encodeRequestBody("OptimStepRequest", {
          model_id: this.modelId,
          seq_id: seqId,
          ...(family ? { optimizer_params: params as never } : { adam_params: params as never }),
        }),
      }),
      jsonResult("OptimStepResponse", (value) => OptimStepResponseSchema.parse(value)),
    );
  }

  /**
   * Saves weights and optimizer state as a training checkpoint `tinker://<model_id>/weights/<name>`
   * (`POST /api/v1/save_weights`, §8.5; no base-client retries). Load it with
   * `ServiceClient.createTrainingClientFromState(WithOptimizer)`.
   *
   * @param name checkpoint name, without `/`.
   * @throws InvalidInputError for an empty name or one containing `/`.
   */
  saveState(name: string, options: SaveStateOptions = {}): APIFuture<SaveWeightsResponse> {
    validateCheckpointName(name);
    return this.#single(
      "save_state",
      { checkpointName: name },
      "SaveWeights",
      (seqId) => ({
        path: "/api/v1/save_weights",
        name: "save_weights",
        sdkMethod: SDK_METHOD.saveState,
        maxRetries: 0,
        body: encodeRequestBody("SaveWeightsRequest", {
          model_id: this.modelId,
          path: name,
          seq_id: seqId,
          ttl_seconds: options.ttlSeconds,
          overwrite: options.overwrite ?? false,
          user_metadata: options.userMetadata,
        }),
      }),
      jsonResult("SaveWeightsResponse", (value) => SaveWeightsResponseSchema.parse(value)),
    );
  }

  /**
   * Replaces the model's weights with a checkpoint's, keeping the optimizer state
   * (`POST /api/v1/load_weights` with `optimizer: false`, §8.6).
   *
   * @deprecated Python SDK 0.38 deprecates it: create a new client with
   *   `ServiceClient.createTrainingClientFromState` instead.
   * @param path `tinker://<run>/weights/<name>`.
   * @throws InvalidInputError when `path` does not start with `tinker://`.
   */
  loadState(path: string, options: LoadStateOptions = {}): APIFuture<LoadWeightsResponse> {
    return this.#load(path, false, options);
  }

  /**
   * Replaces the model's weights and optimizer state (Adam moments) with a checkpoint's
   * (`optimizer: true`, §8.6).
   *
   * @deprecated Python SDK 0.38 deprecates it: use
   *   `ServiceClient.createTrainingClientFromStateWithOptimizer` instead.
   * @throws InvalidInputError when `path` does not start with `tinker://`.
   */
  loadStateWithOptimizer(path: string, options: LoadStateOptions = {}): APIFuture<LoadWeightsResponse> {
    return this.#load(path, true, options);
  }

  /**
   * Saves the adapter for sampling as `tinker://<model_id>/sampler_weights/<name>`
   * (`POST /api/v1/save_weights_for_sampler`, §8.7). Sample from it with
   * `ServiceClient.createSamplingClient({ modelPath })`.
   *
   * @throws InvalidInputError for an empty name or one containing `/`.
   */
  saveWeightsForSampler(
    name: string,
    options: SaveWeightsForSamplerOptions = {},
  ): APIFuture<SaveWeightsForSamplerResponse> {
    validateCheckpointName(name);
    return this.#single(
      "save_weights_for_sampler",
      { checkpointName: name },
      "SaveWeightsForSampler",
      (seqId) => ({
        path: "/api/v1/save_weights_for_sampler",
        name: "save_weights_for_sampler",
        sdkMethod: SDK_METHOD.saveWeightsForSampler,
        maxRetries: 0,
        body: encodeRequestBody("SaveWeightsForSamplerRequest", {
          model_id: this.modelId,
          path: name,
          seq_id: seqId,
          ttl_seconds: options.ttlSeconds,
          user_metadata: options.userMetadata,
        }),
      }),
      jsonResult("SaveWeightsForSamplerResponse", (value) => {
        const response = SaveWeightsForSamplerResponseInternalSchema.parse(value);
        if (!response.path) throw new TinkerError("The sampler save finished without a path.");
        return { path: response.path, type: "save_weights_for_sampler" as const };
      }),
    );
  }

  /**
   * Saves the current weights without a name and returns a SamplingClient on them (§8.8): one
   * `save_weights_for_sampler` carrying the session's next `sampling_session_seq_id` (a new one per
   * retried attempt), whose result names the sampling session. The seq_id is reserved at call time.
   */
  saveWeightsAndGetSamplingClient(
    options: SaveWeightsAndGetSamplingClientOptions<SamplingRetryConfig> = {},
  ): Promise<SamplingClient> {
    const future = this.#single(
      "save_weights_for_sampler",
      {},
      "SaveWeightsForSampler",
      (seqId) => ({
        path: "/api/v1/save_weights_for_sampler",
        name: "save_weights_for_sampler",
        sdkMethod: SDK_METHOD.saveWeightsAndGetSamplingClient,
        maxRetries: 0,
        // Rebuilt per attempt: every attempt takes a new sampling_session_seq_id (§8.8).
        body: () =>
          encodeRequestBody("SaveWeightsForSamplerRequest", {
            model_id: this.modelId,
            seq_id: seqId,
            sampling_session_seq_id: this.#context.nextSamplingSessionSeqId(),
            kind: options.kind ?? "snapshot",
          }),
      }),
      jsonResult("SaveWeightsForSamplerResponseInternal", (value) => {
        const response = SaveWeightsForSamplerResponseInternalSchema.parse(value);
        if (!response.sampling_session_id) {
          throw new TinkerError("The unnamed sampler save finished without a sampling_session_id.");
        }
        return response.sampling_session_id;
      }),
    );
    // The base model is the trained model's, so no GET /samplers/{id} is needed (Python SDK 0.38).
    return Promise.resolve(future).then((samplingSessionId) =>
      openSamplingClient(this.#context, {
        samplingSessionId,
        baseModel: this.#info.model_data.model_name ?? undefined,
        retryConfig: options.retryConfig,
        sdkMethod: SDK_METHOD.saveWeightsAndGetSamplingClient,
      }),
    );
  }

  /**
   * A SamplingClient on saved sampler weights (`POST /api/v1/create_sampling_session` with
   * `model_path`, §8.9), then its base model (`GET /api/v1/samplers/{id}`, as Python SDK 0.38
   * does at creation).
   *
   * @param modelPath `tinker://<run>/sampler_weights/<name>`.
   * @throws InvalidInputError when `modelPath` does not start with `tinker://`.
   */
  async createSamplingClient(
    modelPath: string,
    options: { readonly retryConfig?: SamplingRetryConfig | undefined } = {},
  ): Promise<SamplingClient> {
    this.#context.assertOpen();
    return withFailureReport(
      this.#context,
      openSamplingClient(this.#context, {
        modelPath,
        retryConfig: options.retryConfig,
        sdkMethod: SDK_METHOD.createSamplingClient,
      }),
    );
  }

  /**
   * The model's `get_info` (§8.10): base model (`model_data.model_name`), architecture, LoRA rank,
   * optimizer, and `model_data.tokenizer_id` cut at its first `:`. Fetched once when the client
   * was created (Python SDK 0.38), so this makes no request.
   */
  async getInfo(): Promise<GetInfoResponse> {
    return this.#info;
  }

  /**
   * The tokenizer of the model's base model (§8.11) through `@tinker-ts/tokenizer` (Hugging Face
   * Hub cache; `options` may set the cache directory, endpoint, token or offline mode).
   *
   * @throws the tokenizer package's errors (not found, offline and not cached, unsupported id).
   */
  async getTokenizer(options: Omit<GetTokenizerOptions, "tokenizerId"> = {}): Promise<Tokenizer> {
    const modelName = this.#info.model_data.model_name;
    if (!modelName) throw new TinkerError(`get_info of ${this.modelId} has no model_data.model_name.`);
    return getTokenizer(modelName, {
      ...options,
      tokenizerId: tokenizerIdFromGetInfo(this.#info.model_data.tokenizer_id),
    });
  }

  /**
   * Unloads the model from the server (`POST /api/v1/unload_model`, §8.12) once every request made
   * before this call has been submitted. The client cannot be used afterwards; its checkpoints stay.
   */
  unloadModel(): APIFuture<UnloadModelResponse> {
    this.#assertUsable();
    const after = this.#nextRequestId;
    this.#unloaded = true;
    const context = this.#context;
    const startMs = context.clock.now();
    const send = () =>
      submitAsync(
        context,
        {
          path: "/api/v1/unload_model",
          name: "unload_model",
          sdkMethod: SDK_METHOD.unloadModel,
          body: encodeRequestBody("UnloadModelRequest", { model_id: this.modelId }),
        },
        context.closeSignal,
      );
    return this.#start("unload_model", {}, (signal) => {
      const submission = this.#turns.reach(after).then(send);
      const sent = { submission, resend: send, sdkMethod: SDK_METHOD.unloadModel };
      return {
        requestId: requestIdOf(sent),
        result: this.#poll(
          "UnloadModel",
          jsonResult("UnloadModelResponse", (value) => UnloadModelResponseSchema.parse(value)),
          sent,
          startMs,
          signal,
        ),
      };
    });
  }

  #forwardBackward(
    data: readonly Datum[],
    lossFn: LossFnType,
    options: ForwardBackwardOptions,
    forwardOnly: boolean,
  ): APIFuture<ForwardBackwardOutput> {
    this.#assertUsable();
    const loss = checkLossFn(lossFn);
    checkLossFnConfig(options.lossFnConfig);
    checkReadDataAt(options.readDataAt);
    validateTrainingData(data, loss);
    const chunks = planChunks(data, this.#chunkLimits());
    const reserved = this.#reserve(chunks.length, (first) =>
      chunks.map((chunk, i) =>
        this.#encodeChunk(chunk.data, chunk.bytes, first + i, loss, options, forwardOnly),
      ),
    );
    const startMs = this.#context.clock.now();
    const requestType: RequestType = forwardOnly ? "Forward" : "ForwardBackward";
    return this.#start(
      forwardOnly ? "forward" : "forward_backward",
      {
        modelId: this.modelId,
        lossFn: loss,
        datumCount: data.length,
        chunkCount: chunks.length,
        seqId: reserved.id + 1,
        requestBytes: reserved.encoded.reduce((sum, chunk) => sum + chunk.bodyBytes, 0),
      },
      (signal) => {
        const sent = this.#sendChunks(
          reserved.encoded,
          reserved.id,
          forwardOnly ? SDK_METHOD.forward : SDK_METHOD.forwardBackward,
        );
        return {
          requestId: requestIdOf(sent[0]!),
          result: this.#pollChunks(requestType, sent, startMs, signal),
        };
      },
    );
  }

  /** The protobuf body of one chunk (§5.3), straight from the typed arrays. */
  #encodeChunk(
    data: Datum[],
    bytes: number,
    requestId: number,
    lossFn: string,
    { lossFnConfig, readDataAt }: ForwardBackwardOptions,
    forwardOnly: boolean,
  ): EncodedChunk {
    const request = {
      model_id: this.modelId,
      seq_id: requestId + 1,
      data,
      loss_fn: lossFn,
      ...(lossFnConfig === undefined ? {} : { loss_fn_config: { ...lossFnConfig } }),
      forward_only: forwardOnly,
    };
    return new EncodedChunk(bytes, () => prepareForwardBackwardRequest(request), readDataAt);
  }

  /**
   * Submits the chunks of one call under their turns (§8.2). With `parallel_fwdbwd_chunks`, all
   * chunks share the call's turn range: chunks 2..n are posted concurrently and chunk 1 last, once
   * they all returned, so the server (which holds later seq_ids until the first arrives) queues the
   * whole batch together. Otherwise each chunk takes its own turn. Each post holds its byte estimate
   * of the dispatch budget.
   */
  #sendChunks(chunks: readonly EncodedChunk[], firstId: number, sdkMethod: string): Sent[] {
    const { clientConfig } = this.#context;
    const bodies = new ChunkBodyBuffers(
      Math.max(...chunks.map((chunk) => chunk.bodyBytes)),
      chunks.filter((chunk) => chunk.writesWhenSent).length,
    );
    const sends = chunks.map((chunk) => () => this.#dispatch(chunk, bodies, sdkMethod));
    if (!clientConfig.parallel_fwdbwd_chunks || chunks.length === 1) {
      return sends.map((send, i) => ({
        submission: this.#turns.take(firstId + i, send),
        resend: send,
        sdkMethod,
      }));
    }
    const [sendFirst, ...sendRest] = sends as [
      () => Promise<UntypedAPIFuture>,
      ...(() => Promise<UntypedAPIFuture>)[],
    ];
    const rest = sendRest.map((send) => ({
      submission: this.#turns.take(firstId, send),
      resend: send,
      sdkMethod,
    }));
    const first = Promise.allSettled(rest.map((r) => r.submission)).then((settled) =>
      this.#turns.take(firstId, () => {
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
        if (failed) {
          return Promise.reject(
            new TinkerError(
              `Chunk 1 was not sent because another chunk of the batch failed: ${String(failed.reason)}`,
              {
                cause: failed.reason,
              },
            ),
          );
        }
        return sendFirst();
      }),
    );
    return [{ submission: first, resend: sendFirst, sdkMethod }, ...rest];
  }

  async #dispatch(
    chunk: EncodedChunk,
    bodies: ChunkBodyBuffers,
    sdkMethod: string,
  ): Promise<UntypedAPIFuture> {
    const context = this.#context;
    const permit = await this.#dispatchBudget.acquire(chunk.bytes, context.closeSignal);
    // Taken under the permit, so only the bodies the dispatch budget lets be in flight exist.
    let body: BodyLease | undefined;
    try {
      body = chunk.takeBody(bodies);
      return await submitAsync(
        context,
        {
          path: "/api/v1/forward_backward",
          name: "forward_backward",
          sdkMethod,
          body: body.bytes,
          contentType: PROTOBUF_CONTENT_TYPE,
          compress: context.clientConfig.proto_compress_fwdbwd ? "zstd" : undefined,
        },
        context.closeSignal,
      );
    } finally {
      // submitAsync has settled, retries included: the HTTP client holds the body no longer.
      body?.release();
      permit.release();
    }
  }

  /** Polls every chunk and combines the outputs in data order (§8.2, `@tinker-ts/metrics-reduction`). */
  #pollChunks(
    requestType: RequestType,
    sent: readonly Sent[],
    startMs: number,
    signal: AbortSignal,
  ): Promise<ForwardBackwardOutput> {
    const outputs = sent.map((s) => this.#poll(requestType, FORWARD_BACKWARD_RESULT, s, startMs, signal));
    return Promise.all(outputs).then((results) => combineForwardBackwardOutputs(results));
  }

  /**
   * Polls one request's future (§6). A `PromiseExpiredError` (HTTP 410) sends the request again
   * with its original seq_id, up to {@link MAX_EXPIRED_RESUBMITS} times: the server answers a repeated
   * seq_id with the same request instead of running it twice.
   */
  async #poll<T>(
    requestType: RequestType,
    result: ResultDecoder<T>,
    sent: Sent,
    startMs: number,
    signal: AbortSignal,
  ): Promise<T> {
    const context = this.#context;
    let submission = sent.submission;
    for (let resubmits = 0; ; resubmits++) {
      const future = new PollingFuture({
        http: context.http,
        submission,
        requestType,
        result,
        requestStartMs: startMs,
        queueStateObserver: this.#queueStateLogger,
        responseBudget: context.responseBudget,
        instrumentation: context.instrumentation,
        telemetry: context.telemetry,
        signal: AbortSignal.any([signal, context.closeSignal]),
        sdkMethod: sent.sdkMethod,
      });
      try {
        return await future;
      } catch (error) {
        if (!PromiseExpiredError.isInstance(error) || resubmits >= MAX_EXPIRED_RESUBMITS || signal.aborted)
          throw error;
        context.logger.warn(
          `${requestType} request of ${this.modelId} expired on the server; sending it again with the same seq_id.`,
        );
        submission = sent.resend();
      }
    }
  }

  /** A single-request training call: one seq_id, submitted under its turn, then polled. */
  #single<T>(
    name: OperationName,
    attributes: OperationAttributes,
    requestType: RequestType,
    build: (seqId: number) => AsyncSubmit,
    result: ResultDecoder<T>,
  ): APIFuture<T> {
    this.#assertUsable();
    const reserved = this.#reserve(1, (first) => build(first + 1));
    const submit = reserved.encoded;
    const context = this.#context;
    const startMs = context.clock.now();
    const send = () => submitAsync(context, submit, context.closeSignal);
    return this.#start(name, { modelId: this.modelId, seqId: reserved.id + 1, ...attributes }, (signal) => {
      const sent = {
        submission: this.#turns.take(reserved.id, send),
        resend: send,
        sdkMethod: submit.sdkMethod,
      };
      return { requestId: requestIdOf(sent), result: this.#poll(requestType, result, sent, startMs, signal) };
    });
  }

  #load(path: string, optimizer: boolean, options: LoadStateOptions): APIFuture<LoadWeightsResponse> {
    checkTinkerPath(path);
    return this.#single(
      optimizer ? "load_state_with_optimizer" : "load_state",
      { checkpointPath: path },
      "LoadWeights",
      (seqId) => ({
        path: "/api/v1/load_weights",
        name: "load_weights",
        sdkMethod: optimizer ? SDK_METHOD.loadStateWithOptimizer : SDK_METHOD.loadState,
        body: encodeRequestBody("LoadWeightsRequest", {
          model_id: this.modelId,
          seq_id: seqId,
          path,
          optimizer,
          weights_access_token: options.weightsAccessToken,
        }),
      }),
      jsonResult("LoadWeightsResponse", (value) => LoadWeightsResponseSchema.parse(value)),
    );
  }

  /**
   * Runs an operation inside its OpenTelemetry span and reports its failure to Tinker telemetry
   * (§11), as an {@link OperationFuture}.
   */
  #start<T>(
    name: OperationName,
    attributes: OperationAttributes,
    body: (signal: AbortSignal) => OperationStart<T>,
  ): APIFuture<T> {
    const context = this.#context;
    return new OperationFuture<T>(context.clock, (signal) => {
      let started: OperationStart<T> | undefined;
      const result = context.instrumentation.operation(name, attributes, () => {
        started = body(signal);
        return started.result;
      });
      return {
        requestId: started?.requestId ?? result.then(() => Promise.reject(new TinkerError("no request id"))),
        result: withFailureReport(context, result, signal),
      };
    });
  }

  /**
   * Reserves `count` consecutive request ids (seq_id = request id + 1, §8.1) and builds what is
   * sent under them. Everything runs synchronously, so when `build` throws (invalid input) the
   * reservation is undone and no seq_id is lost.
   */
  #reserve<E>(count: number, build: (firstId: number) => E): { id: number; encoded: E } {
    const id = this.#nextRequestId;
    this.#nextRequestId += count;
    try {
      return { id, encoded: build(id) };
    } catch (error) {
      this.#nextRequestId = id;
      throw error;
    }
  }

  #chunkLimits() {
    const { clientConfig } = this.#context;
    return {
      maxDatums: clientConfig.fwdbwd_max_chunk_len,
      maxBytes: clientConfig.fwdbwd_max_chunk_bytes_count,
    };
  }

  #assertUsable(): void {
    this.#context.assertOpen();
    if (this.#unloaded) {
      throw new TinkerError(
        `The model ${this.modelId} was unloaded; this TrainingClient cannot be used any more.`,
      );
    }
    const failure = this.#turns.failure;
    if (failure && TrainingSequenceBrokenError.isInstance(failure.error)) throw failure.error;
  }
}

function requestIdOf(sent: Sent): Promise<string> {
  return sent.submission.then((submitted) => submitted.request_id);
}

/** @throws InvalidInputError when `path` is not a `tinker://` path. */
export function checkTinkerPath(path: string): void {
  if (typeof path !== "string" || !path.startsWith(TINKER_PATH_PREFIX)) {
    throw new InvalidInputError(
      `Checkpoint path ${JSON.stringify(path)} must start with '${TINKER_PATH_PREFIX}' (for example tinker://<run>/weights/<name>).`,
      { path: "path" },
    );
  }
}

/**
 * `POST /api/v1/get_info` inside `executeWithRetries` (§8.10), with `model_data.tokenizer_id`
 * cut at its first `:` as the Python SDK does (§3.2).
 *
 * @param sdkMethod the public method creating the TrainingClient (`x-sdk-method`).
 */
export async function fetchTrainingInfo(
  context: ClientContext,
  modelId: string,
  sdkMethod: string,
): Promise<GetInfoResponse> {
  const info = await callWithRetries(
    context,
    {
      method: "POST",
      path: "/api/v1/get_info",
      name: "get_info",
      body: encodeRequestBody("GetInfoRequest", { model_id: modelId }),
      sdkMethod,
    },
    (value) => GetInfoResponseSchema.parse(value),
  );
  const tokenizerId = tokenizerIdFromGetInfo(info.model_data.tokenizer_id);
  return { ...info, model_data: { ...info.model_data, tokenizer_id: tokenizerId ?? null } };
}
