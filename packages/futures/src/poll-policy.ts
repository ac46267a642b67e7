/** Time limit of one `retrieve_future` poll: 45 s for every phase (tinker-wire-spec.md §6.2). */
export const POLL_TIMEOUT_MS = 45_000;

/** Polls answered HTTP 400 that are retried before giving up (tinker-wire-spec.md §6.4). */
export const MAX_BAD_REQUEST_RETRIES = 3;

const MAX_CONNECTION_BACKOFF_MS = 30_000;

/**
 * What the poll loop does after a poll that got no 2xx response (tinker-wire-spec.md §6.4; the
 * names are the Python SDK 0.38 `_TransportErrorKind` values, which telemetry reports as `kind`):
 * - `retry`: poll again at once (408, 5xx);
 * - `retry_with_backoff`: sleep {@link connectionBackoffMs} first (429, no response);
 * - `retry_if_budget`: poll again at once, at most {@link MAX_BAD_REQUEST_RETRIES} times (400);
 * - `retryable_exception`: give up with a `PromiseExpiredError` (410);
 * - `fatal`: give up with a `FutureRetrieveError` (anything else).
 */
export type PollErrorKind =
  | "retry"
  | "retry_with_backoff"
  | "retry_if_budget"
  | "retryable_exception"
  | "fatal";

/**
 * Classifies a poll's HTTP error status (tinker-wire-spec.md §6.4). 402 is `fatal` here: the
 * billing pause is applied before this, and only a 402 past the billing window gets this far.
 */
export function classifyPollStatus(status: number): PollErrorKind {
  if (status === 408) return "retry";
  if (status === 410) return "retryable_exception";
  if (status >= 500 && status < 600) return "retry";
  if (status === 429) return "retry_with_backoff";
  if (status === 400) return "retry_if_budget";
  return "fatal";
}

/**
 * Sleep before the next poll after `consecutiveErrors` earlier connection errors or 429s in a
 * row: `min(2^n, 30)` s, in ms — 1, 2, 4, 8, 16, 30, 30 … s (tinker-wire-spec.md §6.4).
 */
export function connectionBackoffMs(consecutiveErrors: number): number {
  return Math.min(2 ** consecutiveErrors * 1000, MAX_CONNECTION_BACKOFF_MS);
}
