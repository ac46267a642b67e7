import { TinkerError } from "@tinker-ts/types";

/**
 * The request may succeed if the caller sends the *original* request again (not the poll): the
 * Python SDK's `RetryableException` (tinker-wire-spec.md §6.4, §7.3). The sampling retry handler
 * resends a sample on it; training calls surface it to the application.
 *
 * Recognise it with `RetryableError.isInstance(error)`, which also works across duplicated copies
 * of this package.
 */
export class RetryableError extends TinkerError {}

/**
 * A `retrieve_future` poll answered HTTP 410: the server no longer knows the promise (expired or
 * broken), so this request id will never produce a result (tinker-wire-spec.md §6.4). Resend the
 * original request to get a new one. `cause` is the `APIStatusError` of the poll.
 */
export class PromiseExpiredError extends RetryableError {
  /** The expired `request_id`. */
  readonly requestId: string;

  constructor(requestId: string, options?: ErrorOptions) {
    super(
      `Promise expired/broken for request ${requestId}: the server no longer has its result. Send the original request again.`,
      options,
    );
    this.requestId = requestId;
  }
}

/**
 * Why polling a future gave up without a result (the cases where the Python SDK raises
 * `ValueError`, tinker-wire-spec.md §6.3, §6.4):
 * - `status`: a poll got a status that is not retried (401, 403, 404, 409, 422, a 402 past the
 *   billing window, …);
 * - `bad_request_budget`: a poll got HTTP 400 more than 3 times in a row;
 * - `protocol`: the server's reply broke the polling protocol (not JSON, not a JSON object, or a
 *   second `complete_metadata`);
 * - `unexpected_json`: a JSON result arrived for a result type that must be protobuf
 *   (`SampleResponse`, `ForwardBackwardOutput`), which means the server is too old;
 * - `decode`: the result did not decode (protobuf) or validate (JSON).
 */
export type FutureRetrieveErrorKind =
  | "status"
  | "bad_request_budget"
  | "protocol"
  | "unexpected_json"
  | "decode";

/**
 * Polling a future failed for good (tinker-wire-spec.md §6.3, §6.4): see
 * {@link FutureRetrieveErrorKind}. `cause` holds the underlying error (the poll's
 * `APIStatusError`, or the decoder's error). This is not a server-side failure of the request
 * itself: that is `RequestFailedError` from `@tinker-ts/http`.
 */
export class FutureRetrieveError extends TinkerError {
  readonly kind: FutureRetrieveErrorKind;
  /** The `request_id` being polled. */
  readonly requestId: string;
  /** The request type (`Sample`, `ForwardBackward`, …). */
  readonly requestType: string;
  /** HTTP status of the failing poll, for `status` and `bad_request_budget`. */
  readonly status: number | undefined;

  constructor(
    kind: FutureRetrieveErrorKind,
    message: string,
    details: { requestId: string; requestType: string; status?: number | undefined },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kind = kind;
    this.requestId = details.requestId;
    this.requestType = details.requestType;
    this.status = details.status;
  }
}

/**
 * A wait with `result({ timeoutMs })` expired before the future finished (the Python SDK raises
 * `TimeoutError`, tinker-wire-spec.md §6.5). The future itself keeps polling; call `cancel()` to
 * stop it.
 */
export class FutureTimeoutError extends TinkerError {
  /** The time waited, in ms. */
  readonly timeoutMs: number;
  /** The `request_id` waited on, when it was known by then. */
  readonly requestId: string | undefined;

  constructor(timeoutMs: number, requestId: string | undefined) {
    super(
      `Timed out after ${timeoutMs} ms waiting for the result of ${requestId === undefined ? "a request whose id is not known yet" : `request ${requestId}`}. The request keeps running; wait again, or call cancel() to stop polling.`,
    );
    this.timeoutMs = timeoutMs;
    this.requestId = requestId;
  }
}
