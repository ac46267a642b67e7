import { RequestFailedError, raceAbort } from "@tinker-ts/http";
import { type Instrumentation, noopInstrumentation } from "@tinker-ts/telemetry";
import { TinkerError } from "@tinker-ts/types";
import { AbstractAPIFuture } from "./abstract-api-future.js";
import type { BytesSemaphore } from "./bytes-semaphore.js";
import { linkAbort } from "./link-abort.js";
import { type FutureHttp, type FutureTelemetry, PollLoop } from "./poll-loop.js";
import type { QueueStateObserver } from "./queue-state.js";
import type { ResultDecoder } from "./result-decoder.js";

/**
 * `X-Tinker-Request-Type` values the Python SDK 0.38 sends (tinker-wire-spec.md §6.1); any other
 * string is allowed.
 */
export type RequestType =
  | "CreateModel"
  | "CreateCustomLoss"
  | "LoadWeights"
  | "Forward"
  | "ForwardBackward"
  | "OptimStep"
  | "SaveWeights"
  | "SaveWeightsExternal"
  | "SaveWeightsForSampler"
  | "Sample"
  | (string & {});

/** What an asynchronous endpoint returns: its `request_id`, or the `{"request_id": …}` body itself. */
export type Submission = string | { readonly request_id: string };

/** Options of {@link PollingFuture}. */
export interface PollingFutureOptions<T> {
  /** The HTTP client to poll with; its clock, logger and billing pause are used too. */
  readonly http: FutureHttp;
  /**
   * The submission's result: the request id, or a promise of it for a submit still queued or in
   * flight. When it rejects, the future rejects with the same error and never polls.
   */
  readonly submission: Submission | PromiseLike<Submission>;
  /** Sent as `X-Tinker-Request-Type` and used in spans and messages. */
  readonly requestType: RequestType;
  /** How the final reply becomes the result; see {@link ResultDecoder}. */
  readonly result: ResultDecoder<T>;
  /**
   * `http.clock.now()` when the client call started. The time from then until the request id is
   * known goes to the server on the first poll as `X-Tinker-Create-Promise-Roundtrip-Time`
   * (seconds, §6.1). Default: when the future is constructed.
   */
  readonly requestStartMs?: number | undefined;
  /** Told about queue states (§6.6), e.g. a `QueueStateLogger`. */
  readonly queueStateObserver?: QueueStateObserver | undefined;
  /**
   * The client-wide in-flight response budget (`inflight_response_bytes_semaphore_size`, §6.3):
   * a `complete_metadata` reply acquires `response_payload_size` bytes, held until the future ends.
   * Without one nothing is acquired.
   */
  readonly responseBudget?: BytesSemaphore | undefined;
  /** OpenTelemetry hooks; polls run inside a `tinker.future.<RequestType>` span. Default none. */
  readonly instrumentation?: Instrumentation | undefined;
  /** Receives the §6.4 `APIFuture.result_async.*` events. Default none. */
  readonly telemetry?: FutureTelemetry | undefined;
  /** Cancels the future when it aborts, like {@link PollingFuture.cancel}. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The controller to run on, for a caller that already owns one for the whole operation and
   * awaits the future itself: its abort cancels the future (so `signal` is then ignored), and
   * {@link PollingFuture.cancel} aborts it. Saves the future's own controller, its signal and the
   * listener linking it to `signal`, which count on a per-sample path. Default: a controller of
   * the future's own.
   */
  readonly controller?: AbortController | undefined;
  /**
   * The public SDK method whose request this future polls, such as
   * `TrainingClient.forward_backward`: every poll carries it as `x-sdk-method` (with
   * `x-sdk-version`), because Python SDK 0.38 polls inside the context of the call that created
   * the future. Default none (no such headers).
   */
  readonly sdkMethod?: string | undefined;
  /**
   * Called once with the request id when the future is cancelled before it finished, so the
   * server can be asked to stop the work (0.38 `enqueue_cancel` → `POST /api/v1/cancel_future`,
   * see `sendCancelFuture`). Python does this for `Sample` requests only, when the dynamic config
   * has `sample_cancel_enabled`. When the cancellation comes before the submission returned, it is
   * called once the id is known. Errors it throws are logged and ignored.
   */
  readonly onCancel?: ((requestId: string) => void) | undefined;
}

/**
 * A future that polls `POST /api/v1/retrieve_future` for its result (tinker-wire-spec.md §6, Python
 * SDK 0.38 `_APIFuture`). Polling starts as soon as it is constructed — or, for a pending
 * submission, as soon as the request id is known — and runs without anyone awaiting.
 *
 * Each poll has a 45 s timeout and no base-client retries; the body starts with
 * `allow_metadata_only: true` and turns false after a `complete_metadata` reply. Replies are
 * handled as §6.3 says (try_again → poll again at once; an `error` key → `RequestFailedError`;
 * otherwise the result, decoded by {@link PollingFutureOptions.result}), transport errors as the
 * §6.4 table says (408/5xx at once, 429 and no response after `min(2^n, 30)` s, 400 three times,
 * 410 → `PromiseExpiredError`, 402 → billing pause, anything else → `FutureRetrieveError`).
 *
 * ```ts
 * const future = new PollingFuture({
 *   http,
 *   submission: http.requestJson({ method: "POST", path: "/api/v1/optim_step", json: body }),
 *   requestType: "OptimStep",
 *   result: jsonResult("OptimStepResponse", OptimStepResponseSchema.parse),
 *   queueStateObserver: new QueueStateLogger(modelId, "Training", { logger: http.logger, clock: http.clock }),
 * });
 * const { metrics } = await future;
 * ```
 */
export class PollingFuture<T> extends AbstractAPIFuture<T> {
  readonly requestType: RequestType;
  readonly #options: PollingFutureOptions<T>;
  readonly #createdAt: number;
  #polls = 0;
  #cancelNotified = false;

  /** Starts the future; it makes no request until the submission has returned. */
  constructor(options: PollingFutureOptions<T>) {
    const { submission, controller } = options;
    super(options.http.clock, Promise.resolve(submission).then(requestIdOf), controller);
    this.#options = options;
    this.requestType = options.requestType;
    this.#createdAt = options.http.clock.now();
    // The caller's signal aborts our controller through one shared listener (see linkAbort).
    const unlink = options.signal && !controller ? linkAbort(options.signal, this.controller) : undefined;
    const pending = typeof (submission as { then?: unknown } | null | undefined)?.then === "function";
    this.begin(this.#run(this.controller.signal, options.requestStartMs ?? this.#createdAt, pending), unlink);
  }

  protected override timeoutError(timeoutMs: number): Error {
    this.#logTimeout(timeoutMs);
    return super.timeoutError(timeoutMs);
  }

  /** @param pending whether the submission was still a promise (else its id is known already). */
  async #run(signal: AbortSignal, requestStartMs: number, pending: boolean): Promise<T> {
    const options = this.#options;
    const { http } = options;
    let requestId: string;
    try {
      // A known id needs no race (and no abort listener): check the signal once it is read.
      requestId = await (pending ? raceAbort(this.requestId, signal) : this.requestId);
      signal.throwIfAborted();
    } catch (error) {
      if (!signal.aborted) throw error;
      // The submit may still reach the server; ask for the cancel once its id is known.
      this.requestId.then(
        (id) => this.#notifyCancel(id),
        () => {},
      );
      throw signal.reason;
    }

    const instrumentation = options.instrumentation ?? noopInstrumentation;
    const span = instrumentation.future({ requestType: options.requestType, requestId });
    const loop = new PollLoop<T>({
      http,
      requestId,
      requestType: options.requestType,
      decoder: options.result,
      createRoundtripSeconds: (http.clock.now() - requestStartMs) / 1000,
      observer: options.queueStateObserver,
      responseBudget: options.responseBudget,
      span,
      instrumentation,
      telemetry: options.telemetry,
      signal,
      sdkMethod: options.sdkMethod,
      onPoll: (iteration) => {
        this.#polls = iteration + 1;
      },
    });
    try {
      const value = await span.run(() => loop.run());
      span.end("success");
      return value;
    } catch (error) {
      if (signal.aborted) {
        span.end("cancelled", signal.reason);
        this.#notifyCancel(requestId);
        throw signal.reason;
      }
      span.end(RequestFailedError.isInstance(error) ? "failed" : "error", error);
      throw error;
    }
  }

  #notifyCancel(requestId: string): void {
    const { onCancel, http } = this.#options;
    if (!onCancel || this.#cancelNotified) return;
    this.#cancelNotified = true;
    try {
      onCancel(requestId);
    } catch (error) {
      http.logger.warn(`Asking the server to cancel request ${requestId} failed: ${String(error)}`);
    }
  }

  #logTimeout(timeoutMs: number): void {
    const { telemetry, http, requestType } = this.#options;
    telemetry?.log(
      "APIFuture.result_async.timeout",
      {
        request_id: this.knownRequestId ?? null,
        request_type: requestType,
        timeout: timeoutMs / 1000,
        iteration: this.#polls,
        elapsed_time: (http.clock.now() - this.#createdAt) / 1000,
      },
      "ERROR",
    );
  }
}

function requestIdOf(submission: Submission): string {
  const id = typeof submission === "string" ? submission : submission?.request_id;
  if (typeof id !== "string" || id.length === 0) {
    throw new TinkerError(
      `The submission returned ${JSON.stringify(submission)} instead of a request id; the server's reply to the submit is malformed.`,
    );
  }
  return id;
}
