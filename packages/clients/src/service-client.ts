import { setMaxListeners } from "node:events";
import { BytesSemaphore, jsonResult, PollingFuture, QueueStateLogger } from "@tinker-ts/futures";
import {
  type Clock,
  type HttpConfigOptions,
  type Logger,
  resolveHttpConfig,
  systemClock,
  type TinkerHttpConfig,
} from "@tinker-ts/http";
import {
  createInstrumentation,
  type Instrumentation,
  type InstrumentationOptions,
  systemClock as unrefClock,
} from "@tinker-ts/telemetry";
import {
  CreateModelResponseSchema,
  type EmulatorInfo,
  encodeRequestBody,
  type GetServerCapabilitiesResponse,
  InvalidInputError,
  LoadWeightsResponseSchema,
  type RequestBodyInput,
  type SessionFinishStatus,
  UntypedAPIFutureSchema,
} from "@tinker-ts/types";
import type { ClientContext } from "./context.js";
import { ClientClosedError } from "./errors.js";
import { ClientHolder } from "./holder.js";
import { checkSamplingSource, type SamplingSessionSource, submitAsync } from "./requests.js";
import { fetchServerCapabilities, RestClient } from "./rest/rest-client.js";
import type { SamplingClient } from "./sampling/index.js";
import { openSamplingClient } from "./sampling/open.js";
import { withFailureReport } from "./telemetry-capture.js";
import {
  checkTinkerPath,
  fetchTrainingInfo,
  type SamplingRetryConfig,
  TrainingClient,
} from "./training/training-client.js";

/** Optimizer chosen when a model is created (Python SDK 0.38; default AdamW). */
export type OptimizerConfig = NonNullable<RequestBodyInput["CreateModelRequest"]["optimizer_config"]>;

/** Options of {@link ServiceClient}; everything is optional and falls back to the environment. */
export interface ServiceClientOptions extends HttpConfigOptions {
  /** Metadata attached to the session (`create_session.user_metadata`). */
  readonly userMetadata?: Readonly<Record<string, string>> | undefined;
  /** Human-readable session name for display and search (Python SDK 0.38). */
  readonly displayName?: string | undefined;
  /**
   * Send Tinker telemetry (error and session events, tinker-wire-spec.md §11). Default: on unless
   * env `TINKER_TELEMETRY` is set to something other than `1`/`true`/`yes`/`on`.
   */
  readonly telemetry?: boolean | undefined;
  /** OpenTelemetry hooks, or options to create them (`@tinker-ts/telemetry`); default the global providers. */
  readonly instrumentation?: Instrumentation | InstrumentationOptions | undefined;
  /** Log sink (default the console); lines below `logLevel` are dropped and secrets masked. */
  readonly logger?: Logger | undefined;
  /**
   * Clock of every wait (retry backoff, polling backoff, heartbeat, refreshes). Tests inject a
   * fake one. Default: the system clock, with the background loops on unref'ed timers so that an
   * unclosed client does not keep the process alive.
   */
  readonly clock?: Clock | undefined;
  /** Environment read for defaults (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/** Options of {@link ServiceClient.createLoraTrainingClient} (tinker-wire-spec.md §10.1). */
export interface LoraTrainingClientOptions {
  /** Base model to fine-tune, for example `Qwen/Qwen3-8B`. */
  readonly baseModel: string;
  /** LoRA rank (default 32). */
  readonly rank?: number | undefined;
  /** Seed of the adapter's initialization; default random. */
  readonly seed?: number | undefined;
  /** Train the MLP layers (default true). */
  readonly trainMlp?: boolean | undefined;
  /** Train the attention layers (default true). */
  readonly trainAttn?: boolean | undefined;
  /** Train the unembedding layer (default true). */
  readonly trainUnembed?: boolean | undefined;
  /** Metadata attached to the training run. */
  readonly userMetadata?: Readonly<Record<string, string>> | undefined;
  /** Optimizer of the run (Python SDK 0.38); default `{ type: "adamw" }`. */
  readonly optimizer?: OptimizerConfig | undefined;
}

/** Options of {@link ServiceClient.createTrainingClientFromState}. */
export interface TrainingClientFromStateOptions {
  /** A base model compatible with the checkpoint's (for example another context length). */
  readonly baseModel?: string | undefined;
  /** Metadata attached to the new training run. */
  readonly userMetadata?: Readonly<Record<string, string>> | undefined;
  /** Access token for a checkpoint owned by another account (the server resolves it). */
  readonly weightsAccessToken?: string | undefined;
  /**
   * Optimizer of the new run (Python SDK 0.38; default AdamW). Only for
   * `createTrainingClientFromState`: `…WithOptimizer` restores the checkpoint's optimizer.
   */
  readonly optimizer?: OptimizerConfig | undefined;
}

/** Options of {@link ServiceClient.createSamplingClient}: a base model or a `tinker://` sampler path. */
export interface CreateSamplingClientOptions extends SamplingSessionSource {
  /** Retry settings of the sampling RetryHandler (§7.3). */
  readonly retryConfig?: SamplingRetryConfig | undefined;
}

/** How a session ends (`POST /api/v1/sessions/{id}/finish`, Python SDK 0.38). */
export interface CloseOptions {
  /** Default `success`. */
  readonly status?: SessionFinishStatus | undefined;
  /** A human-readable explanation. */
  readonly detail?: string | undefined;
}

/** Time `close()` spends retrying the session finish before giving up (it never fails). */
const FINISH_BUDGET_MS = 30_000;

/**
 * `x-sdk-method` values of the ServiceClient: Python SDK 0.38's `ServiceClient.<method>` names
 * (a header new in 0.38, `lib/sdk_method.py`, beside those of tinker-wire-spec.md §1.3). Each is
 * sent on every request its call makes (submits, polls, `get_info`, sampler lookups), never on the
 * bootstrap requests a first call triggers (client config, dynamic config, `create_session`),
 * which 0.38 keeps out of any method.
 */
const SDK_METHOD = {
  getServerCapabilities: "ServiceClient.get_server_capabilities",
  createLoraTrainingClient: "ServiceClient.create_lora_training_client",
  createTrainingClientFromState: "ServiceClient.create_training_client_from_state",
  createTrainingClientFromStateWithOptimizer:
    "ServiceClient.create_training_client_from_state_with_optimizer",
  createSamplingClient: "ServiceClient.create_sampling_client",
  close: "ServiceClient.close",
} as const;

/** A submitted model creation (`create_model` or a create-via-`load_weights`) to poll. */
interface ModelCreation {
  readonly submission: Promise<{ request_id: string }>;
  readonly requestType: "CreateModel" | "LoadWeights";
  /** `http.clock.now()` when the call started (§6.1 round-trip time). */
  readonly startMs: number;
  /** What the queue-state messages name: the base model, or the new model's id. */
  readonly identifier: string;
  readonly sdkMethod: string;
}

/**
 * The entry point of the Tinker API (Python `ServiceClient`, tinker-wire-spec.md §2, §10.1). It
 * makes no network call when constructed; the first call that needs one runs the startup sequence
 * of §2.3 (client config → JWT exchange when the server asks → dynamic config → `create_session`
 * → a heartbeat every 10 s). REST-only use (`createRestClient`, `getServerCapabilities`) runs on a
 * separate session-less holder and creates no session.
 *
 * ```ts
 * await using service = new ServiceClient({ apiKey });
 * const training = await service.createLoraTrainingClient({ baseModel: "Qwen/Qwen3-8B", rank: 32 });
 * const fb = training.forwardBackward(batch, "cross_entropy");
 * const step = training.optimStep({ learning_rate: 1e-4 });
 * await Promise.all([fb, step]);
 * ```
 */
export class ServiceClient {
  readonly #options: ServiceClientOptions;
  readonly #config: TinkerHttpConfig;
  readonly #instrumentation: Instrumentation;
  readonly #closeController = unboundedAbortController();
  #sessionHolder: Promise<ClientHolder> | undefined;
  #restHolder: Promise<ClientHolder> | undefined;
  #dispatchBudget: BytesSemaphore | undefined;
  #nextModelSeqId = 0;
  #closing: Promise<void> | undefined;

  /**
   * Resolves the configuration from `options` and the environment, without any network call.
   *
   * @throws InvalidInputError for invalid options or environment values (a malformed base URL, an
   *   API key without the `tml-` prefix …).
   */
  constructor(options: ServiceClientOptions = {}) {
    this.#options = options;
    this.#config = resolveHttpConfig(options, options.env ?? process.env);
    const inst = options.instrumentation;
    this.#instrumentation =
      inst !== undefined && "operation" in inst ? inst : createInstrumentation(inst ?? {});
  }

  /** True once {@link ServiceClient.close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The session id, once the session exists (after the first training or sampling call). */
  async sessionId(): Promise<string | undefined> {
    const holder = await this.#sessionHolder?.catch(() => undefined);
    return holder?.context.sessionId;
  }

  /**
   * The base models the server offers (`GET /api/v1/get_server_capabilities`, §10.1), through the
   * session-less holder.
   *
   * @throws ClientClosedError after `close()`; the HTTP errors of the request.
   */
  async getServerCapabilities(): Promise<GetServerCapabilitiesResponse> {
    this.#assertOpen();
    const context = (await this.#rest()).context;
    return withFailureReport(
      context,
      context.instrumentation.operation("get_server_capabilities", {}, () =>
        fetchServerCapabilities(context, SDK_METHOD.getServerCapabilities),
      ),
    );
  }

  /**
   * What the server says about itself when it is tinker-local, the emulator
   * (docs/local-server.md#recognising-tinker-local): `{ name: "tinker-local", version, backend }`,
   * where `backend` is `"tiny"` (a small real model on the CPU that keeps each base model's
   * tokenizer; it wants a learning rate of about 1e-2) or `"null"` (placeholder results).
   * `undefined` against the real Tinker service. It reads the client config fetched at bootstrap,
   * through the session-less holder, so it creates no session and costs no request after the first.
   *
   * @throws ClientClosedError after `close()`; the HTTP errors of the bootstrap requests.
   */
  async getEmulatorInfo(): Promise<EmulatorInfo | undefined> {
    this.#assertOpen();
    return (await this.#rest()).context.clientConfig.emulator;
  }

  /**
   * Creates a LoRA model and a TrainingClient for it (§10.1): `POST /api/v1/create_model` with the
   * session's next `model_seq_id` (taken at call time), then its future (queue states logged as
   * "Model creation for <base model>"), then the model's `get_info`.
   *
   * @throws InvalidInputError when no part is trainable, or for a bad rank or seed.
   * @throws ClientClosedError after `close()`; HTTP and future errors of the requests.
   */
  async createLoraTrainingClient(options: LoraTrainingClientOptions): Promise<TrainingClient> {
    this.#assertOpen();
    const { baseModel, rank = 32, seed, trainMlp = true, trainAttn = true, trainUnembed = true } = options;
    if (!trainMlp && !trainAttn && !trainUnembed) {
      throw new InvalidInputError("At least one of trainMlp, trainAttn or trainUnembed must be true.", {
        path: "trainMlp",
      });
    }
    if (!Number.isInteger(rank) || rank <= 0) {
      throw new InvalidInputError(`rank must be a positive integer, got ${rank}.`, { path: "rank" });
    }
    if (seed !== undefined && !Number.isInteger(seed)) {
      throw new InvalidInputError(`seed must be an integer, got ${seed}.`, { path: "seed" });
    }
    const modelSeqId = this.#nextModelSeqId++;
    const context = (await this.#session()).context;
    const run = async (): Promise<TrainingClient> => {
      const body = encodeRequestBody("CreateModelRequest", {
        session_id: context.sessionId!,
        model_seq_id: modelSeqId,
        base_model: baseModel,
        user_metadata: options.userMetadata,
        lora_config: { rank, seed, train_unembed: trainUnembed, train_mlp: trainMlp, train_attn: trainAttn },
        optimizer_config: options.optimizer,
      });
      const startMs = context.clock.now();
      // create_model relies on the base client's retries only (§7.1).
      const sdkMethod = SDK_METHOD.createLoraTrainingClient;
      const submission = context.http.requestJson(
        {
          method: "POST",
          path: "/api/v1/create_model",
          body,
          pool: "train",
          signal: context.closeSignal,
          sdkMethod,
        },
        (value) => UntypedAPIFutureSchema.parse(value),
      );
      const created = await this.#poll(
        context,
        { submission, requestType: "CreateModel", startMs, identifier: baseModel, sdkMethod },
        (value) => CreateModelResponseSchema.parse(value),
      );
      return this.#trainingClient(context, created.model_id, modelSeqId, sdkMethod);
    };
    return withFailureReport(context, context.instrumentation.operation("create_model", { baseModel }, run));
  }

  /**
   * A TrainingClient on a new model loaded from a training checkpoint's weights, with a fresh
   * optimizer (§10.1, Python SDK 0.38 create-via-load): one `POST /api/v1/load_weights` addressed by
   * session and `model_seq_id` (the server counts it as the model's seq 0), then `get_info`.
   *
   * @param path `tinker://<run>/weights/<name>`.
   * @throws InvalidInputError when `path` is not a `tinker://` path.
   */
  createTrainingClientFromState(
    path: string,
    options: TrainingClientFromStateOptions = {},
  ): Promise<TrainingClient> {
    return this.#fromState(path, false, options);
  }

  /**
   * Like {@link ServiceClient.createTrainingClientFromState}, also restoring the optimizer state
   * (Adam moments), to resume training exactly where the checkpoint left off.
   */
  createTrainingClientFromStateWithOptimizer(
    path: string,
    options: TrainingClientFromStateOptions = {},
  ): Promise<TrainingClient> {
    return this.#fromState(path, true, options);
  }

  /**
   * A SamplingClient on a base model or on saved sampler weights (§9.1): `POST
   * /api/v1/create_sampling_session` with the session's next `sampling_session_seq_id`; for a
   * `modelPath` without a `baseModel`, then `GET /api/v1/samplers/{id}` for its base model (Python
   * SDK 0.38 fetches it at creation, so `getBaseModel()` never waits).
   *
   * @throws InvalidInputError when neither `baseModel` nor `modelPath` is given, or `modelPath`
   *   does not start with `tinker://`.
   */
  async createSamplingClient(options: CreateSamplingClientOptions): Promise<SamplingClient> {
    this.#assertOpen();
    checkSamplingSource(options);
    const context = (await this.#session()).context;
    return withFailureReport(
      context,
      context.instrumentation.operation(
        "create_sampling_client",
        definedAttributes({ baseModel: options.baseModel }),
        () =>
          openSamplingClient(context, {
            baseModel: options.baseModel,
            modelPath: options.modelPath,
            retryConfig: options.retryConfig,
            sdkMethod: SDK_METHOD.createSamplingClient,
          }),
      ),
    );
  }

  /** A RestClient on the session-less holder (§10.2); it creates no session. */
  createRestClient(): RestClient {
    this.#assertOpen();
    return new RestClient(async () => (await this.#rest()).context);
  }

  /**
   * Closes the client: every request still pending rejects with a {@link ClientClosedError}, the
   * session is finished (`POST /api/v1/sessions/{id}/finish`, Python SDK 0.38; a failure is only
   * logged), heartbeats stop, telemetry is flushed (at most 30 s) and the connection pools close.
   * Later calls throw {@link ClientClosedError}. Idempotent; never rejects.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options);
    return this.#closing;
  }

  /** `await using service = new ServiceClient()` closes it with status `success`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(options: CloseOptions): Promise<void> {
    this.#closeController.abort(
      new ClientClosedError("The ServiceClient was closed while this request was in flight."),
    );
    const holders = await Promise.all(
      [this.#sessionHolder, this.#restHolder].map((holder) => holder?.catch(() => undefined)),
    );
    const [session] = holders;
    if (session?.context.sessionId !== undefined) await finishSession(session.context, options);
    await Promise.all(holders.map((holder) => holder?.close()));
  }

  async #fromState(
    path: string,
    optimizer: boolean,
    options: TrainingClientFromStateOptions,
  ): Promise<TrainingClient> {
    this.#assertOpen();
    checkTinkerPath(path);
    const modelSeqId = this.#nextModelSeqId++;
    const context = (await this.#session()).context;
    const modelId = `${context.sessionId}:train:${modelSeqId}`;
    const sdkMethod = optimizer
      ? SDK_METHOD.createTrainingClientFromStateWithOptimizer
      : SDK_METHOD.createTrainingClientFromState;
    const run = async (): Promise<TrainingClient> => {
      const body = encodeRequestBody("LoadWeightsRequest", {
        session_id: context.sessionId,
        model_seq_id: modelSeqId,
        base_model: options.baseModel,
        user_metadata: options.userMetadata,
        path,
        optimizer,
        optimizer_config: optimizer ? undefined : options.optimizer,
        weights_access_token: options.weightsAccessToken,
      });
      const startMs = context.clock.now();
      const submission = submitAsync(
        context,
        { path: "/api/v1/load_weights", body, name: "load_weights", sdkMethod },
        context.closeSignal,
      );
      await this.#poll(
        context,
        { submission, requestType: "LoadWeights", startMs, identifier: modelId, sdkMethod },
        (value) => LoadWeightsResponseSchema.parse(value),
      );
      return this.#trainingClient(context, modelId, modelSeqId, sdkMethod);
    };
    return withFailureReport(
      context,
      context.instrumentation.operation(
        optimizer ? "load_state_with_optimizer" : "load_state",
        { checkpointPath: path },
        run,
      ),
    );
  }

  /** Polls a model-creation future with the "Model creation" queue-state logger (§6.6). */
  #poll<T>(
    context: ClientContext,
    creation: ModelCreation,
    parse: (value: Readonly<Record<string, unknown>>) => T,
  ): Promise<T> {
    const { submission, requestType, startMs, identifier, sdkMethod } = creation;
    return Promise.resolve(
      new PollingFuture({
        http: context.http,
        submission,
        requestType,
        sdkMethod,
        result: jsonResult(
          requestType === "CreateModel" ? "CreateModelResponse" : "LoadWeightsResponse",
          parse,
        ),
        requestStartMs: startMs,
        queueStateObserver: new QueueStateLogger(identifier, "Model creation", {
          logger: context.logger,
          clock: context.clock,
        }),
        responseBudget: context.responseBudget,
        instrumentation: context.instrumentation,
        telemetry: context.telemetry,
        signal: context.closeSignal,
      }),
    );
  }

  async #trainingClient(
    context: ClientContext,
    modelId: string,
    modelSeqId: number,
    sdkMethod: string,
  ): Promise<TrainingClient> {
    const info = await fetchTrainingInfo(context, modelId, sdkMethod);
    this.#dispatchBudget ??= new BytesSemaphore(context.clientConfig.fwdbwd_dispatch_bytes_semaphore_size);
    context.logger.info(`TrainingClient initialized for model ${modelId}`);
    return new TrainingClient({ context, modelId, modelSeqId, info, dispatchBudget: this.#dispatchBudget });
  }

  #session(): Promise<ClientHolder> {
    this.#sessionHolder ??= this.#startHolder(true, () => {
      this.#sessionHolder = undefined;
    });
    return this.#sessionHolder;
  }

  #rest(): Promise<ClientHolder> {
    this.#restHolder ??= this.#startHolder(false, () => {
      this.#restHolder = undefined;
    });
    return this.#restHolder;
  }

  /** Starts a holder; a failed start is forgotten so that the next call tries again (as Python does). */
  #startHolder(withSession: boolean, forget: () => void): Promise<ClientHolder> {
    this.#assertOpen();
    const options = this.#options;
    const env = options.env ?? process.env;
    const started = ClientHolder.start({
      http: {
        config: this.#config,
        env,
        clock: options.clock ?? systemClock,
        ...(options.logger === undefined ? {} : { logger: options.logger }),
      },
      session: withSession
        ? {
            userMetadata: options.userMetadata,
            projectId: this.#config.projectId,
            displayName: options.displayName,
          }
        : undefined,
      instrumentation: this.#instrumentation,
      telemetryEnv:
        options.telemetry === undefined ? env : { TINKER_TELEMETRY: options.telemetry ? "1" : "0" },
      backgroundClock: options.clock ?? unrefClock,
      closeSignal: this.#closeController.signal,
      assertOpen: () => this.#assertOpen(),
    });
    started.catch(forget);
    return started;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ClientClosedError();
  }
}

/** `POST /api/v1/sessions/{id}/finish` within {@link FINISH_BUDGET_MS}; failures are logged, not thrown. */
async function finishSession(context: ClientContext, options: CloseOptions): Promise<void> {
  const { http, logger, sessionId } = context;
  try {
    await http.executeWithRetries(
      () =>
        http.request({
          method: "POST",
          path: `/api/v1/sessions/${sessionId}/finish`,
          body: encodeRequestBody("FinishSessionRequest", {
            reason: { type: options.status ?? "success" },
            detail: options.detail ?? null,
          }),
          pool: "train",
          sdkMethod: SDK_METHOD.close,
        }),
      { name: "finish_session", budgetMs: FINISH_BUDGET_MS },
    );
  } catch (error) {
    logger.warn(`Could not finish session ${sessionId}: ${String(error)}`);
  }
}

/** Drops undefined attributes (OpenTelemetry attributes are either set or absent). */
function definedAttributes(attributes: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * An AbortController whose signal may have any number of listeners: the client's close signal is
 * shared by every request in flight (a forward_backward of many chunks, thousands of samples), and
 * Node's default cap of 10 would print a MaxListenersExceededWarning on the user's stderr.
 */
function unboundedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
