import { BILLING_PAUSE_SLEEP_MS, type BillingPause } from "./billing.js";
import type { Clock } from "./clock.js";
import { APIConnectionError, APIStatusError } from "./errors.js";
import { isRetryableOuterStatus, outerBackoffMs } from "./retry.js";

/** Total budget of {@link executeWithRetries}, 300 s (tinker-wire-spec.md §7.2). */
export const OUTER_RETRY_BUDGET_MS = 300_000;

/** One failure seen by {@link executeWithRetries}, for telemetry (`InternalClientHolder.execute_with_retries.exception`). */
export interface OuterRetryEvent {
  /** The `name` option, e.g. `client_config`. */
  readonly name: string;
  readonly error: unknown;
  readonly isRetryable: boolean;
  /** Retries made before this failure. */
  readonly attemptCount: number;
  /** Clock times in ms. */
  readonly startTime: number;
  readonly currentTime: number;
  readonly elapsedMs: number;
}

/** Options of {@link executeWithRetries}. */
export interface ExecuteWithRetriesOptions {
  clock: Clock;
  billing: BillingPause;
  /** Cancels the wait between attempts (and is passed to `fn`). */
  signal?: AbortSignal | undefined;
  /** Default {@link OUTER_RETRY_BUDGET_MS}. */
  budgetMs?: number | undefined;
  /** Label for events. */
  name?: string | undefined;
  /** Called on every failure, before deciding. */
  onError?: ((event: OuterRetryEvent) => void) | undefined;
}

/** Whether `executeWithRetries` retries `error`: connection errors and timeouts, and statuses 408/409/429/5xx (§7.2). */
export function isRetryableOuterError(error: unknown): boolean {
  if (APIConnectionError.isInstance(error)) return true;
  return APIStatusError.isInstance(error) && isRetryableOuterStatus(error.status);
}

/**
 * Retry layer 3 (tinker-wire-spec.md §7.2, `execute_with_retries`): runs `fn` until it succeeds,
 * retrying retryable errors with `min(2^n, 30)` s backoff clipped to a 300 s budget measured from
 * the first attempt; non-retryable errors are raised at once, and the last error once the budget
 * is spent. A 402 inside the billing window (§7.4) sleeps 5 s and retries without counting.
 * 409 is retryable here, so a conflicting save is retried for the whole budget.
 *
 * @param fn one attempt; receives the number of retries made so far.
 * @throws the last error of `fn`, or `signal.reason` when aborted.
 */
export async function executeWithRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: ExecuteWithRetriesOptions,
): Promise<T> {
  const { clock, billing, signal } = options;
  const budgetMs = options.budgetMs ?? OUTER_RETRY_BUDGET_MS;
  const startTime = clock.now();
  let attempt = 0;
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) throw error;
      if (APIStatusError.isInstance(error) && billing.shouldPause(error.status, error.message)) {
        await clock.sleep(BILLING_PAUSE_SLEEP_MS, signal);
        continue;
      }
      const isRetryable = isRetryableOuterError(error);
      const currentTime = clock.now();
      const elapsedMs = currentTime - startTime;
      options.onError?.({
        name: options.name ?? "request",
        error,
        isRetryable,
        attemptCount: attempt,
        startTime,
        currentTime,
        elapsedMs,
      });
      if (!isRetryable || elapsedMs >= budgetMs) throw error;
      const wait = outerBackoffMs(attempt, elapsedMs, budgetMs);
      attempt += 1;
      await clock.sleep(wait, signal);
    }
  }
}
