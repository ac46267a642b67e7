import { type APIFuture, PollingFuture, protobufResult, SamplingQueueStateLogger } from "@tinker-ts/futures";
import { APIStatusError, type HttpResponse } from "@tinker-ts/http";
import { type GetTokenizerOptions, getTokenizer, type Tokenizer } from "@tinker-ts/tokenizer";
import {
  encodeRequestBody,
  type ModelInput,
  modelInputLength,
  promptLogprobsList,
  type SampleResponse,
  TinkerError,
} from "@tinker-ts/types";
import { decodeSampleResponse } from "@tinker-ts/types/proto";
import type { ClientContext } from "../context.js";
import { type SampleDispatcher, sharedSampleDispatcher } from "./dispatch.js";
import { estimatePromptBytes } from "./estimate.js";
import {
  type RetryConfig,
  type RetryHandler,
  resolveRetryConfig,
  StuckRequestsError,
} from "./retry-handler.js";
import { SampleFuture } from "./sample-future.js";
import { retryHandlerFor, sampleCancelQueueFor } from "./shared.js";
import {
  type SampleSettingsInput,
  type ValidatedSampleSettings,
  validatePrompt,
  validateSampleSettings,
} from "./validate.js";

/** Options of the {@link SamplingClient} constructor. */
export interface SamplingClientOptions {
  /** What the ServiceClient that made this client shares with it. */
  readonly context: ClientContext;
  /** The sampler to address (`create_sampling_session` or an unnamed `save_weights_for_sampler`). */
  readonly samplingSessionId: string;
  /**
   * The sampler's base model, for example `Qwen/Qwen3-8B`: known when the client is created (given,
   * or fetched with `GET /api/v1/samplers/{id}`, as Python SDK 0.38 does), so that
   * {@link SamplingClient.getBaseModel} never waits on the server.
   */
  readonly baseModel: string;
  /**
   * Overrides of the RetryHandler settings (tinker-wire-spec.md §7.3). `maxConnections` is always
   * replaced by the client config's `sample_max_concurrent_requests`, and stuck detection is off
   * when the client config has `sample_enable_stuck_detection: false`.
   */
  readonly retryConfig?: Partial<RetryConfig> | undefined;
}

/** Options of {@link SamplingClient.sample}. */
export interface SampleOptions extends SampleSettingsInput {
  /** Cancels the sample, like `future.cancel()`; the future rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link SamplingClient.computeLogprobs}. */
export interface ComputeLogprobsOptions {
  /** Cancels the call; the future rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
}

const SAMPLE_PATH = "/api/v1/asample";
const SAMPLE_RESULT = protobufResult("SampleResponse", decodeSampleResponse);
const COMPUTE_LOGPROBS_SETTINGS: ValidatedSampleSettings = Object.freeze({
  numSamples: 1,
  samplingParams: Object.freeze({ max_tokens: 1 }),
  includePromptLogprobs: true,
  topkPromptLogprobs: 0,
});

/** The `{"request_id": …}` reply of `/asample`. */
interface SampleSubmission {
  readonly request_id: string;
}

/**
 * Generates text and scores prompts with a base model or saved weights (tinker-wire-spec.md §9,
 * Python SDK 0.38 `SamplingClient`). Get one from `ServiceClient.createSamplingClient` or
 * `TrainingClient.saveWeightsAndGetSamplingClient`.
 *
 * - Samples address the sampler by `sampling_session_id` and a per-client `seq_id` counting from 0;
 *   every attempt, resends included, takes a new seq_id (§9.1–§9.2).
 * - Submits carry `X-Tinker-Sampling-Backpressure: 1`; a 429 (or a 402 inside the billing window)
 *   makes every sampler of the process talking to that server wait 1 s (prompts estimated above
 *   128 KiB: 5 s) and throttles dispatch for 10 s after (§9.3; see `SampleDispatcher`).
 * - Unless the client config has `sample_no_retries`, each call runs inside the session's
 *   `RetryHandler`: at most `sample_max_concurrent_requests` calls at once, unbounded retries with
 *   0.5–10 s backoff on retryable errors (410 included), and a 2 h no-progress watchdog (§7.3).
 *   `computeLogprobs` always retries.
 * - Paused queues are logged at most once a minute (`SamplingQueueStateLogger`, §6.6).
 *
 * Results are typed arrays; for the Python SDK's list forms use the views of `@tinker-ts/types`:
 * `sampledTokensList`, `sampledLogprobsList`, `promptLogprobsList` (first entry `null`),
 * `topkPromptLogprobsList`.
 *
 * ```ts
 * const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
 * const result = await sampler.sample(modelInputFromInts(promptTokens), {
 *   numSamples: 4,
 *   samplingParams: { max_tokens: 64, temperature: 0.7, stop: ["\n"] },
 * });
 * for (const sequence of result.sequences) console.log(sequence.stop_reason, sequence.tokens);
 * ```
 */
export class SamplingClient {
  /** The sampler this client addresses. */
  readonly samplingSessionId: string;
  readonly #context: ClientContext;
  readonly #dispatcher: SampleDispatcher;
  readonly #retryHandler: RetryHandler;
  readonly #queueState: SamplingQueueStateLogger;
  readonly #baseModel: string;
  #nextSeqId = 0;

  /**
   * Makes no request. Built by the ServiceClient and TrainingClient; applications do not call it.
   * @throws InvalidInputError for an invalid `retryConfig`.
   */
  constructor(options: SamplingClientOptions) {
    const { context, samplingSessionId } = options;
    this.#context = context;
    this.samplingSessionId = samplingSessionId;
    this.#baseModel = options.baseModel;
    this.#dispatcher = sharedSampleDispatcher(context.http, context.clientConfig);
    const config = resolveRetryConfig({
      ...options.retryConfig,
      maxConnections: context.clientConfig.sample_max_concurrent_requests,
    });
    this.#retryHandler = retryHandlerFor(context, samplingSessionId, {
      ...config,
      enableStuckDetection: config.enableStuckDetection && context.clientConfig.sample_enable_stuck_detection,
    });
    this.#queueState = new SamplingQueueStateLogger(samplingSessionId, {
      logger: context.logger,
      clock: context.clock,
    });
  }

  /**
   * Generates `numSamples` completions of `prompt` (tinker-wire-spec.md §9.2). Input is checked
   * before anything is sent; the returned future is awaitable and polls on its own.
   *
   * The `SampleResponse` holds one `SampledSequence` per sample (`tokens` int32 and `logprobs`
   * float32, one per generated token, and `stop_reason` `stop` or `length`), plus, when asked,
   * `prompt_logprobs` (float32, one per prompt token, NaN for the first) and
   * `topk_prompt_logprobs` (row-major `[prompt length, k]` int32 ids and float32 logprobs).
   *
   * @param prompt the prompt; text, image and image-pointer chunks are allowed.
   * @throws InvalidInputError (synchronously) for an empty prompt or invalid options (see
   *   `validateSampleSettings`); a `TinkerError` when the ServiceClient is closed.
   * @returns a future that rejects with the final error: a `RequestFailedError`, a
   *   `FutureRetrieveError`, a non-retryable `APIStatusError`, a `StuckRequestsError`, or
   *   `signal.reason` when cancelled.
   */
  sample(prompt: ModelInput, options: SampleOptions): APIFuture<SampleResponse> {
    this.#context.assertOpen();
    validatePrompt(prompt);
    const settings = validateSampleSettings(options);
    // Encoding checks what the range checks cannot see (token ids, chunk shapes); seq_ids are
    // only taken when an attempt starts.
    this.#encode(prompt, settings, 0);
    const useRetries = !this.#context.clientConfig.sample_no_retries;
    return this.#start("sample", prompt, settings, useRetries, options.signal, (response) => response);
  }

  /**
   * The logprob of every prompt token under the model (tinker-wire-spec.md §9.4): one sample with
   * `max_tokens: 1` and prompt logprobs, always inside the RetryHandler (even with
   * `sample_no_retries`). The list has one entry per prompt token; the first is `null` (it has no
   * context), as are positions the server did not score.
   *
   * @throws InvalidInputError (synchronously) for an empty prompt.
   */
  computeLogprobs(prompt: ModelInput, options: ComputeLogprobsOptions = {}): APIFuture<Array<number | null>> {
    this.#context.assertOpen();
    validatePrompt(prompt);
    this.#encode(prompt, COMPUTE_LOGPROBS_SETTINGS, 0);
    return this.#start(
      "compute_logprobs",
      prompt,
      COMPUTE_LOGPROBS_SETTINGS,
      true,
      options.signal,
      (response) => {
        const logprobs = promptLogprobsList(response);
        if (!logprobs) {
          throw new TinkerError(
            `The server answered compute_logprobs for sampler ${this.samplingSessionId} without prompt logprobs; it may not support them.`,
          );
        }
        return logprobs;
      },
    );
  }

  /**
   * The base model of this sampler, for example `Qwen/Qwen3-8B` (tinker-wire-spec.md §9.5). Known
   * since the client was created, so this makes no request (Python SDK 0.38 `get_base_model`).
   */
  getBaseModel(): string {
    return this.#baseModel;
  }

  /**
   * The tokenizer of this sampler's base model (tinker-wire-spec.md §9.5, §8.11): `getTokenizer`
   * of `@tinker-ts/tokenizer` on {@link SamplingClient.getBaseModel}, without a `tokenizer_id`.
   *
   * @param options Hub and cache settings passed to `getTokenizer` (cache directory, offline, …).
   * @throws the errors of `getTokenizer`.
   */
  getTokenizer(options: GetTokenizerOptions = {}): Promise<Tokenizer> {
    return getTokenizer(this.#baseModel, options);
  }

  #start<T>(
    operation: "sample" | "compute_logprobs",
    prompt: ModelInput,
    settings: ValidatedSampleSettings,
    useRetries: boolean,
    signal: AbortSignal | undefined,
    transform: (response: SampleResponse) => T,
  ): APIFuture<T> {
    const context = this.#context;
    const estimatedBytes = estimatePromptBytes(prompt);
    const sdkMethod = operation === "sample" ? "SamplingClient.sample" : "SamplingClient.compute_logprobs";
    return new SampleFuture<T>(
      async (run) => {
        // Every attempt runs on the future's controller, which the RetryHandler's watchdog aborts too.
        const attempt = () =>
          this.#attempt(prompt, settings, estimatedBytes, run.controller, run.onRequestId, sdkMethod);
        try {
          return await context.instrumentation.operation(
            operation,
            {
              samplingSessionId: this.samplingSessionId,
              numSamples: settings.numSamples,
              ...promptTokensAttribute(prompt),
            },
            async (span) => {
              const response = useRetries
                ? await this.#retryHandler.execute(attempt, { controller: run.controller, name: operation })
                : await attempt();
              span.setAttributes({
                sampledTokens: response.sequences.reduce((n, s) => n + s.tokens.length, 0),
              });
              return transform(response);
            },
          );
        } catch (error) {
          // A cancellation is the caller's doing (Python's CancelledError is not captured); the
          // watchdog's abort (a StuckRequestsError) is a failure.
          if (run.signal.aborted && !(run.signal.reason instanceof StuckRequestsError)) {
            throw run.signal.reason;
          }
          await context.telemetry?.logFatalException(error);
          throw error;
        }
      },
      { clock: context.clock, signals: [signal, context.closeSignal] },
    );
  }

  /**
   * One attempt: a new seq_id, the dispatch throttle around the submit loop, then polling, all
   * on `controller`'s signal.
   */
  async #attempt(
    prompt: ModelInput,
    settings: ValidatedSampleSettings,
    estimatedBytes: number,
    controller: AbortController,
    onRequestId: (requestId: string) => void,
    sdkMethod: string,
  ): Promise<SampleResponse> {
    const { http, clock, logger } = this.#context;
    const signal = controller.signal;
    const seqId = this.#nextSeqId++;
    const body = this.#encode(prompt, settings, seqId);
    const startedAt = clock.now();
    let submission: SampleSubmission | undefined;
    const permit = await this.#dispatcher.acquire(estimatedBytes, signal);
    try {
      while (!submission) {
        await this.#dispatcher.waitOutBackoff(signal);
        submission = await http.executeWithRetries(() => this.#submit(body, signal, sdkMethod), {
          signal,
          name: "asample",
        });
        if (!submission) {
          const backoffMs = this.#dispatcher.backOff(estimatedBytes);
          logger.debug(`Sampling backpressure on ${this.samplingSessionId}: backing off ${backoffMs} ms`);
        }
      }
    } finally {
      permit.release();
    }
    onRequestId(submission.request_id);
    return await new PollingFuture({
      http,
      submission,
      requestType: "Sample",
      result: SAMPLE_RESULT,
      requestStartMs: startedAt,
      queueStateObserver: this.#queueState,
      responseBudget: this.#context.responseBudget,
      instrumentation: this.#context.instrumentation,
      telemetry: this.#context.telemetry,
      controller,
      sdkMethod,
      onCancel: (requestId) => sampleCancelQueueFor(this.#context).enqueue(requestId),
    });
  }

  /**
   * One `POST /api/v1/asample` (no base-client retries, SAMPLE pool, backpressure header). A 429,
   * or a 402 inside the billing window, resolves `undefined`: the caller backs off (§9.2 step 4).
   */
  async #submit(body: string, signal: AbortSignal, sdkMethod: string): Promise<SampleSubmission | undefined> {
    const { http } = this.#context;
    let response: HttpResponse;
    try {
      response = await http.request({
        method: "POST",
        path: SAMPLE_PATH,
        body,
        contentType: "application/json",
        pool: "sample",
        maxRetries: 0,
        headers: { "X-Tinker-Sampling-Backpressure": "1" },
        signal,
        sdkMethod,
      });
    } catch (error) {
      if (APIStatusError.isInstance(error)) {
        if (error.status === 429 || http.billing.shouldPause(error.status, error.message)) return undefined;
      }
      throw error;
    }
    return parseSubmission(response.json());
  }

  /** The `/asample` body as Python SDK 0.38 writes it. */
  #encode(prompt: ModelInput, settings: ValidatedSampleSettings, seqId: number): string {
    return encodeRequestBody("SampleRequest", {
      num_samples: settings.numSamples,
      prompt,
      sampling_params: settings.samplingParams,
      sampling_session_id: this.samplingSessionId,
      seq_id: seqId,
      prompt_logprobs: settings.includePromptLogprobs,
      topk_prompt_logprobs: settings.topkPromptLogprobs,
      // 0.38's SamplingClient always passes its (false) record_stability_info.
      record_stability_info: false,
    });
  }
}

function parseSubmission(value: unknown): SampleSubmission {
  const requestId = (value as { request_id?: unknown } | null)?.request_id;
  if (typeof requestId !== "string" || requestId.length === 0) {
    throw new TinkerError(
      `The /asample reply ${JSON.stringify(value)} carries no request_id; the server's reply is malformed.`,
    );
  }
  return { request_id: requestId };
}

/** `promptTokens` for the operation span, when the prompt's length is known (images need `expected_tokens`). */
function promptTokensAttribute(prompt: ModelInput): { promptTokens?: number } {
  try {
    return { promptTokens: modelInputLength(prompt) };
  } catch {
    return {};
  }
}
