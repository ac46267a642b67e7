import {
  APIConnectionError,
  APIStatusError,
  BILLING_PAUSE_SLEEP_MS,
  type HttpResponse,
  isProtobufContentType,
  RequestFailedError,
  type RequestOptions,
  type TinkerHttp,
} from "@tinker-ts/http";
import type { FutureSpan, Instrumentation, Severity, TelemetryReporter } from "@tinker-ts/telemetry";
import { classifyFutureResponse, formatPythonFloat, type RequestErrorCategory } from "@tinker-ts/types";
import type { BytesPermit, BytesSemaphore } from "./bytes-semaphore.js";
import { FutureRetrieveError, PromiseExpiredError } from "./errors.js";
import {
  classifyPollStatus,
  connectionBackoffMs,
  MAX_BAD_REQUEST_RETRIES,
  POLL_TIMEOUT_MS,
  type PollErrorKind,
} from "./poll-policy.js";
import { parseQueueState, type QueueState, type QueueStateObserver } from "./queue-state.js";
import type { ResultDecoder } from "./result-decoder.js";

/** What futures need from the HTTP client: a `TinkerHttp` or a view of one. */
export type FutureHttp = Pick<TinkerHttp, "request" | "clock" | "logger" | "billing">;

/** Where futures log the §6.4 generic telemetry events: a `TelemetryReporter` of `@tinker-ts/telemetry`. */
export type FutureTelemetry = Pick<TelemetryReporter, "log">;

/** Everything one poll loop needs; assembled by `PollingFuture`. */
export interface PollLoopContext<T> {
  readonly http: FutureHttp;
  readonly requestId: string;
  readonly requestType: string;
  readonly decoder: ResultDecoder<T>;
  /** Seconds from the client call starting to the request id being known (§6.1). */
  readonly createRoundtripSeconds: number;
  readonly observer: QueueStateObserver | undefined;
  readonly responseBudget: BytesSemaphore | undefined;
  readonly span: FutureSpan;
  readonly instrumentation: Instrumentation;
  readonly telemetry: FutureTelemetry | undefined;
  readonly signal: AbortSignal;
  /** Sent as `x-sdk-method` on every poll, when set (see `PollingFutureOptions.sdkMethod`). */
  readonly sdkMethod: string | undefined;
  /** Called before each poll with its 0-based iteration. */
  readonly onPoll: (iteration: number) => void;
}

const RETRIEVE_FUTURE_PATH = "/api/v1/retrieve_future";

// Python enum member names of RequestErrorCategory, which telemetry reports (`.name`).
const CATEGORY_NAMES: Record<RequestErrorCategory, string> = {
  unknown: "Unknown",
  server: "Server",
  user: "User",
};

interface TransportFailure {
  readonly kind: PollErrorKind;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  readonly error: Error;
  readonly statusError: APIStatusError | undefined;
}

/**
 * The `retrieve_future` poll loop of one future (tinker-wire-spec.md §6.2–§6.4, Python SDK 0.38
 * `_APIFuture._result_async`): polls until the reply is a result or a failure, re-polling at once
 * on `try_again` and `complete_metadata`, and handling transport errors as the §6.4 table says.
 * The in-flight response bytes acquired on `complete_metadata` are released when the loop ends,
 * however it ends.
 */
export class PollLoop<T> {
  readonly #ctx: PollLoopContext<T>;
  #allowMetadataOnly = true;
  #connectionErrors = 0;
  #badRequests = 0;
  #startedAt = 0;
  #permit: BytesPermit | undefined;

  constructor(ctx: PollLoopContext<T>) {
    this.#ctx = ctx;
  }

  /**
   * Polls until done.
   * @throws RequestFailedError when the server reports the request failed.
   * @throws PromiseExpiredError on a 410.
   * @throws FutureRetrieveError for fatal statuses, the 400 budget, protocol and decoding errors.
   * @throws `signal.reason` when the signal aborts.
   */
  async run(): Promise<T> {
    const { http, signal } = this.#ctx;
    this.#startedAt = http.clock.now();
    try {
      for (let iteration = 0; ; iteration++) {
        signal.throwIfAborted();
        this.#ctx.onPoll(iteration);
        this.#ctx.span.poll();
        let response: HttpResponse;
        try {
          response = await http.request(this.#pollRequest(iteration));
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          await this.#onTransportError(error, iteration);
          continue;
        }
        // A complete reply proves the server is reachable again.
        this.#connectionErrors = 0;
        const result = await this.#onReply(response, iteration);
        if (result !== undefined) return result.value;
      }
    } finally {
      this.#permit?.release();
    }
  }

  #pollRequest(iteration: number): RequestOptions {
    const { requestId, requestType, decoder, signal } = this.#ctx;
    const headers: Record<string, string> = {
      "X-Tinker-Request-Iteration": String(iteration),
      "X-Tinker-Request-Type": requestType,
    };
    if (decoder.format === "protobuf") headers["Accept"] = "application/x-protobuf";
    if (iteration === 0) {
      headers["X-Tinker-Create-Promise-Roundtrip-Time"] = formatPythonFloat(this.#ctx.createRoundtripSeconds);
    }
    headers["X-Stainless-Raw-Response"] = "raw";
    return {
      method: "POST",
      path: RETRIEVE_FUTURE_PATH,
      json: { request_id: requestId, allow_metadata_only: this.#allowMetadataOnly },
      pool: "retrieve_promise",
      timeoutMs: POLL_TIMEOUT_MS,
      maxRetries: 0,
      headers,
      signal,
      sdkMethod: this.#ctx.sdkMethod,
    };
  }

  /** Returns the result, or undefined to poll again. */
  async #onReply(response: HttpResponse, iteration: number): Promise<{ value: T } | undefined> {
    const { decoder, requestId, requestType, http, span } = this.#ctx;
    if (isProtobufContentType(response.headers["content-type"])) {
      return { value: this.#decode(response.body, iteration) };
    }

    let outcome: ReturnType<typeof classifyFutureResponse>;
    try {
      outcome = classifyFutureResponse(response.json());
    } catch (error) {
      throw this.#error("protocol", `retrieve_future answered with a body that is not a JSON object`, error);
    }

    switch (outcome.kind) {
      case "try_again": {
        http.logger.debug(`Retrying request request_id='${requestId}' because of try_again`);
        span.tryAgain(outcome.queue_state, outcome.queue_state_reason);
        // "unknown" without a reason tells the observer nothing (Python SDK 0.38).
        if (outcome.queue_state !== "unknown" || outcome.queue_state_reason !== undefined) {
          this.#notify(outcome.queue_state, outcome.queue_state_reason);
        }
        return undefined;
      }
      case "complete_metadata": {
        if (!this.#allowMetadataOnly) {
          throw this.#error(
            "protocol",
            "retrieve_future answered complete_metadata to a poll that did not allow metadata only",
          );
        }
        this.#allowMetadataOnly = false;
        this.#permit = await this.#ctx.responseBudget?.acquire(
          outcome.response_payload_size,
          this.#ctx.signal,
        );
        return undefined;
      }
      case "failed": {
        this.#notify("active", undefined);
        const isUser = outcome.category === "user";
        this.#log(
          "APIFuture.result_async.application_error",
          {
            error: outcome.error,
            error_category: CATEGORY_NAMES[outcome.category],
            is_user_error: isUser,
            iteration,
          },
          isUser ? "WARNING" : "ERROR",
        );
        throw new RequestFailedError(
          `Request failed: ${outcome.error} for request_id='${requestId}' and expected type ${decoder.name} (${requestType}).`,
          requestId,
          outcome.category,
        );
      }
      case "success": {
        if (decoder.format === "protobuf") {
          throw this.#error(
            "unexpected_json",
            `Server returned a JSON payload for ${decoder.name}, which this SDK only accepts as protobuf; the server predates protobuf results for this type`,
          );
        }
        let value: T;
        try {
          value = decoder.parse(outcome.result);
        } catch (error) {
          this.#log(
            "APIFuture.result_async.validation_error",
            {
              ...exceptionFields(error),
              exception_stack: error instanceof Error ? (error.stack ?? null) : null,
              model_cls: decoder.name,
              iteration,
            },
            "ERROR",
          );
          throw this.#error(
            "decode",
            `The ${decoder.name} result did not validate: ${messageOf(error)}`,
            error,
          );
        }
        this.#notify("active", undefined);
        return { value };
      }
    }
  }

  #decode(bytes: Uint8Array, iteration: number): T {
    const { decoder } = this.#ctx;
    let value: T;
    try {
      if (decoder.format !== "protobuf") {
        throw new Error(`${decoder.name} has no protobuf form`);
      }
      value = decoder.decode(bytes);
    } catch (error) {
      this.#log(
        "APIFuture.result_async.proto_deserialization_error",
        { ...exceptionFields(error), proto_bytes_len: bytes.byteLength, model_cls: decoder.name, iteration },
        "ERROR",
      );
      throw this.#error("decode", `Proto deserialization failed: ${messageOf(error)}`, error);
    }
    this.#notify("active", undefined);
    return value;
  }

  async #onTransportError(error: unknown, iteration: number): Promise<void> {
    const { http, signal, instrumentation } = this.#ctx;
    const failure = toTransportFailure(error);
    const statusError = failure.statusError;

    // §7.4: inside the billing window, sleep and poll again silently.
    if (failure.status === 402 && http.billing.shouldPause(402, failure.error.message)) {
      instrumentation.recordRetry("future_poll", "billing_pause");
      await http.clock.sleep(BILLING_PAUSE_SLEEP_MS, signal);
      return;
    }

    this.#logTransportError(failure, iteration);
    // Any HTTP response proves the connection is alive; only 429 and no-response keep backing off.
    if (failure.kind !== "retry_with_backoff") this.#connectionErrors = 0;

    switch (failure.kind) {
      case "retry": {
        instrumentation.recordRetry("future_poll", `status_${failure.status}`);
        const body = statusError?.status === 408 ? jsonBodyOf(statusError) : undefined;
        if (body !== undefined) {
          // A 408 is a try_again in disguise: a round trip that worked, so an earlier 400 should
          // not count against later ones.
          this.#badRequests = 0;
          this.#onTimeoutBody(body);
        }
        return;
      }
      case "retry_with_backoff": {
        instrumentation.recordRetry(
          "future_poll",
          failure.status === 0 ? "connection_error" : `status_${failure.status}`,
        );
        await http.clock.sleep(connectionBackoffMs(this.#connectionErrors), signal);
        this.#connectionErrors += 1;
        return;
      }
      case "retry_if_budget": {
        if (this.#badRequests < MAX_BAD_REQUEST_RETRIES) {
          this.#badRequests += 1;
          instrumentation.recordRetry("future_poll", `status_${failure.status}`);
          return;
        }
        throw this.#error(
          "bad_request_budget",
          `Error retrieving result: ${failure.error.message} (status ${failure.status}); exceeded ${MAX_BAD_REQUEST_RETRIES} retries`,
          failure.error,
          failure.status,
        );
      }
      case "retryable_exception":
        throw new PromiseExpiredError(this.#ctx.requestId, { cause: failure.error });
      case "fatal":
        throw this.#error(
          "status",
          `Error retrieving result: ${failure.error.message} with status ${failure.status}`,
          failure.error,
          failure.status,
        );
    }
  }

  /** A 408's JSON body may carry the queue state (§6.4, §6.6). */
  #onTimeoutBody(body: unknown): void {
    if (typeof body !== "object" || body === null || Array.isArray(body)) return;
    const record = body as Record<string, unknown>;
    if (!record["queue_state"]) return;
    const state = parseQueueState(record["queue_state"]);
    const reason =
      typeof record["queue_state_reason"] === "string" ? record["queue_state_reason"] : undefined;
    this.#ctx.span.queueState(state, reason);
    this.#notify(state, reason);
  }

  #logTransportError(failure: TransportFailure, iteration: number): void {
    const { status, kind, error, statusError } = failure;
    const withContext = kind === "fatal" || kind === "retry_if_budget";
    const data: Record<string, unknown> = {
      status_code: status,
      detail: error.message,
      kind,
      should_retry: kind !== "fatal",
      is_user_error: status >= 400 && status < 500 && status !== 408,
      ...exceptionFields(error),
      iteration,
      bad_request_retries: this.#badRequests,
      connection_error_retries: this.#connectionErrors,
    };
    if (withContext && statusError) {
      data["response_headers"] = statusError.headers;
      // Only the poll's own headers: the credential headers must never reach telemetry.
      data["request_headers"] = this.#pollRequest(iteration).headers;
      data["response_body"] = statusError.body ?? null;
    }
    this.#log(
      status === 0 ? "APIFuture.result_async.connection_error" : "APIFuture.result_async.api_status_error",
      data,
      withContext ? "ERROR" : "WARNING",
    );
  }

  #log(eventName: string, fields: Record<string, unknown>, severity: Severity): void {
    const { telemetry, requestId, requestType, http } = this.#ctx;
    if (!telemetry) return;
    telemetry.log(
      eventName,
      {
        request_id: requestId,
        request_type: requestType,
        ...fields,
        elapsed_time: (http.clock.now() - this.#startedAt) / 1000,
      },
      severity,
    );
  }

  #notify(state: QueueState, reason: string | undefined): void {
    const { observer, http } = this.#ctx;
    if (!observer) return;
    try {
      observer.onQueueStateChange(state, reason);
    } catch (error) {
      http.logger.warn(`A queue-state observer threw: ${messageOf(error)}`);
    }
  }

  #error(
    kind: FutureRetrieveError["kind"],
    what: string,
    cause?: unknown,
    status?: number,
  ): FutureRetrieveError {
    const { requestId, requestType, decoder } = this.#ctx;
    return new FutureRetrieveError(
      kind,
      `${what} for request_id='${requestId}' and expected type ${decoder.name} (${requestType}).`,
      { requestId, requestType, status },
      cause === undefined ? undefined : { cause },
    );
  }
}

function toTransportFailure(error: unknown): TransportFailure {
  if (APIStatusError.isInstance(error)) {
    return { kind: classifyPollStatus(error.status), status: error.status, error, statusError: error };
  }
  // No usable response (including a timeout, and an empty-body 400 taken for a Cloudflare rejection).
  if (APIConnectionError.isInstance(error)) {
    return { kind: "retry_with_backoff", status: 0, error, statusError: undefined };
  }
  // Not a transport failure (a credential provider failing, invalid options): give up as is.
  throw error;
}

/** The error body when it was JSON (the HTTP layer keeps non-JSON bodies as their text). */
function jsonBodyOf(error: APIStatusError): unknown {
  const body = error.body;
  return typeof body === "string" || body === null || body === undefined ? undefined : body;
}

function exceptionFields(error: unknown): { exception: string; exception_type: string } {
  return {
    exception: messageOf(error),
    exception_type: error instanceof Error ? error.name : typeof error,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
