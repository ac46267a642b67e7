import { TinkerError } from "@tinker-ts/types";
import { redactText } from "./secret.js";

/** The request an {@link APIError} belongs to (no headers or body, so no credential can leak). */
export interface RequestInfo {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The full URL, including the query string. */
  readonly url: string;
}

/** Fields shared by every {@link APIError}. */
export interface APIErrorInit {
  request: RequestInfo;
  /** HTTP status, when a response was received. */
  status?: number | undefined;
  /** Response headers (lower-case names), when a response was received. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Parsed JSON body, else the stripped text, else `undefined` when there was no response. */
  body?: unknown;
  cause?: unknown;
}

/** Response header the request id is read from. The Python SDK reads none; we expose this one when present. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * Base class of every error the HTTP layer raises about a request (tinker-wire-spec.md §12).
 * Carries the request, and when a response arrived its `status`, `headers`, `body` and
 * `requestId` (from the `x-request-id` response header, if the server sent one).
 */
export class APIError extends TinkerError {
  readonly request: RequestInfo;
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly body: unknown;
  readonly requestId: string | undefined;

  constructor(message: string, init: APIErrorInit) {
    super(redactText(message), init.cause === undefined ? undefined : { cause: init.cause });
    this.request = init.request;
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.requestId = init.headers?.[REQUEST_ID_HEADER];
  }
}

/** The server answered with a non-success status (tinker-wire-spec.md §1.5, §12). */
export class APIStatusError extends APIError {
  declare readonly status: number;
  declare readonly headers: Readonly<Record<string, string>>;

  // biome-ignore lint/complexity/noUselessConstructor: it narrows `init`, so a status error always has a status and headers
  constructor(
    message: string,
    init: APIErrorInit & { status: number; headers: Readonly<Record<string, string>> },
  ) {
    super(message, init);
  }
}

/** HTTP 400. */
export class BadRequestError extends APIStatusError {}
/** HTTP 401: the credential is missing, invalid or expired. */
export class AuthenticationError extends APIStatusError {}
/** HTTP 402: the account has a billing problem (Python SDK ≥ 0.38 has this class; 0.25 raised a plain APIStatusError). */
export class BillingError extends APIStatusError {}
/** HTTP 403. */
export class PermissionDeniedError extends APIStatusError {}
/** HTTP 404. */
export class NotFoundError extends APIStatusError {}
/** HTTP 409. */
export class ConflictError extends APIStatusError {}
/** HTTP 422. */
export class UnprocessableEntityError extends APIStatusError {}
/** HTTP 429. */
export class RateLimitError extends APIStatusError {}
/** HTTP ≥ 500. */
export class InternalServerError extends APIStatusError {}

/**
 * No usable response: the connection failed, was reset, or (§2.5) an empty-body 400 was taken for
 * a Cloudflare rejection. Retried by the outer retry layers.
 */
export class APIConnectionError extends APIError {
  constructor(init: APIErrorInit, message = "Connection error.") {
    super(message, init);
  }
}

/** The request timed out (connect, response headers or an idle body). */
export class APITimeoutError extends APIConnectionError {
  constructor(init: APIErrorInit) {
    super(init, "Request timed out.");
  }
}

/** A response arrived but its body does not match what the caller expected (§1.4 strict validation). */
export class APIResponseValidationError extends APIError {
  declare readonly status: number;

  constructor(
    init: APIErrorInit & { status: number },
    message = "Data returned by API invalid for expected schema.",
  ) {
    super(message, init);
  }
}

/** Server-side failure categories of an asynchronous request, as lower-case wire values (§6.3, gotcha 24). */
export type RequestErrorCategory = "unknown" | "server" | "user";

/**
 * An asynchronous request (a future) finished in a failed state (tinker-wire-spec.md §6.3). `category`
 * `"user"` means the request itself was at fault.
 */
export class RequestFailedError extends TinkerError {
  readonly requestId: string;
  readonly category: RequestErrorCategory;

  constructor(message: string, requestId: string, category: RequestErrorCategory, options?: ErrorOptions) {
    super(redactText(message), options);
    this.requestId = requestId;
    this.category = category;
  }
}

/** Parses an error body the way the Python SDK does: JSON if it parses, else the stripped text. */
export function parseErrorBody(text: string): { body: unknown; message: (status: number) => string } {
  const stripped = text.trim();
  try {
    const body: unknown = JSON.parse(stripped);
    return { body, message: (status) => `Error code: ${status} - ${JSON.stringify(body)}` };
  } catch {
    return { body: stripped, message: (status) => stripped || `Error code: ${status}` };
  }
}

/**
 * Builds the status error for a response: the class is chosen by status as in the Python SDK's
 * `_make_status_error` (0.38: 402 is a `BillingError`), and the message is
 * `Error code: <status> - <body as JSON>` (Python prints its repr instead), the body text itself
 * when it is not JSON, or `Error code: <status>` when it is empty (tinker-wire-spec.md §1.5).
 */
export function makeStatusError(
  request: RequestInfo,
  status: number,
  headers: Readonly<Record<string, string>>,
  bodyText: string,
): APIStatusError {
  const { body, message } = parseErrorBody(bodyText);
  const init = { request, status, headers, body };
  const msg = message(status);
  switch (status) {
    case 400:
      return new BadRequestError(msg, init);
    case 401:
      return new AuthenticationError(msg, init);
    case 402:
      return new BillingError(msg, init);
    case 403:
      return new PermissionDeniedError(msg, init);
    case 404:
      return new NotFoundError(msg, init);
    case 409:
      return new ConflictError(msg, init);
    case 422:
      return new UnprocessableEntityError(msg, init);
    case 429:
      return new RateLimitError(msg, init);
    default:
      return status >= 500 ? new InternalServerError(msg, init) : new APIStatusError(msg, init);
  }
}
