/**
 * Retry decisions and backoff as pure functions, so tests can table-drive them
 * (tinker-wire-spec.md §1.5 for the base client, §7.2 for execute_with_retries).
 */

/** Response headers with lower-case names. */
export type ResponseHeaders = Readonly<Record<string, string>>;

/** What one attempt of the base client ended with. */
export type AttemptOutcome =
  | { readonly kind: "response"; readonly status: number; readonly headers: ResponseHeaders }
  | { readonly kind: "timeout" }
  | { readonly kind: "connection" };

/** The base client's verdict on one failed attempt. */
export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly delayMs: number };

/**
 * Whether the base client retries a response (tinker-wire-spec.md §1.5): `x-should-retry: true`
 * always retries and `false` never does, overriding the status; otherwise 408, 409, 429 and
 * every status ≥ 500 are retried.
 */
export function isRetryableResponse(status: number, headers: ResponseHeaders): boolean {
  const override = headers["x-should-retry"];
  if (override === "true") return true;
  if (override === "false") return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

// Python's float(): optional whitespace, sign, digits with an optional fraction and exponent, or inf/nan.
const pythonFloat = /^\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)\s*$/i;

function parsePythonFloat(value: string | undefined): number | undefined {
  if (value === undefined || !pythonFloat.test(value)) return undefined;
  const v = value
    .trim()
    .toLowerCase()
    .replace(/^([+-]?)inf(inity)?$/, "$1Infinity");
  return Number(v);
}

/**
 * The server's requested wait in milliseconds: `retry-after-ms`, else `retry-after` as seconds
 * (floats allowed), else `retry-after` as an HTTP-date minus `nowMs`. `undefined` when none parses.
 */
export function parseRetryAfterMs(headers: ResponseHeaders, nowMs: number): number | undefined {
  const ms = parsePythonFloat(headers["retry-after-ms"]);
  if (ms !== undefined) return ms;
  const header = headers["retry-after"];
  const seconds = parsePythonFloat(header);
  if (seconds !== undefined) return seconds * 1000;
  if (header === undefined) return undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : date - nowMs;
}

/** Initial base-client backoff, 0.5 s. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** Cap of the base-client backoff, 10 s. */
export const MAX_RETRY_DELAY_MS = 10_000;

/**
 * Base-client delay before retry number `retriesTaken + 1` (tinker-wire-spec.md §1.5): the
 * server's `retry-after(-ms)` when it lies in (0, 60] s, else
 * `min(0.5 s · 2^retriesTaken, 10 s) · (1 − 0.25 · random)`.
 *
 * @param random a number in [0, 1); pass `Math.random()` in production and a constant in tests.
 */
export function baseRetryDelayMs(
  retriesTaken: number,
  headers: ResponseHeaders | undefined,
  nowMs: number,
  random: number,
): number {
  const requested = headers ? parseRetryAfterMs(headers, nowMs) : undefined;
  if (requested !== undefined && requested > 0 && requested <= 60_000) return requested;
  const backoff = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** Math.min(retriesTaken, 1000), MAX_RETRY_DELAY_MS);
  return Math.max(0, backoff * (1 - 0.25 * random));
}

/**
 * The base client's decision after a failed attempt: retry (and how long to wait first) or give
 * up. `retriesTaken` counts retries already made (0 after the first attempt); no retry is made
 * once it reaches `maxRetries`. Network errors and timeouts are always retryable.
 */
export function decideRetry(
  outcome: AttemptOutcome,
  retriesTaken: number,
  maxRetries: number,
  nowMs: number,
  random: number,
): RetryDecision {
  if (retriesTaken >= maxRetries) return { retry: false };
  if (outcome.kind === "response") {
    if (!isRetryableResponse(outcome.status, outcome.headers)) return { retry: false };
    return { retry: true, delayMs: baseRetryDelayMs(retriesTaken, outcome.headers, nowMs, random) };
  }
  return { retry: true, delayMs: baseRetryDelayMs(retriesTaken, undefined, nowMs, random) };
}

/**
 * True for the Cloudflare-style rejection of §2.5: status 400 whose `content-length` header is
 * missing or `"0"`.
 */
export function isEmptyBodyRejection(status: number, headers: ResponseHeaders): boolean {
  return status === 400 && (headers["content-length"] ?? "0") === "0";
}

/** Statuses `executeWithRetries` retries: 408, 409, 429 and 500–599 (tinker-wire-spec.md §7.2). */
export function isRetryableOuterStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status < 600);
}

/**
 * `executeWithRetries` wait before its next attempt (tinker-wire-spec.md §7.2):
 * `min(2^attempt, 30)` seconds, clipped to what is left of the budget.
 *
 * @param attempt retries already made (0 for the first wait)
 * @param elapsedMs time since the first attempt started
 * @param budgetMs total budget (300 000 by default)
 */
export function outerBackoffMs(attempt: number, elapsedMs: number, budgetMs: number): number {
  const wait = Math.min(2 ** Math.min(attempt, 30), 30) * 1000;
  return Math.max(0, Math.min(wait, budgetMs - elapsedMs));
}
