import type { Clock } from "@tinker-ts/http";
import { InvalidInputError } from "@tinker-ts/types";

/** Options of {@link APIFuture.result}. */
export interface ResultOptions {
  /**
   * Stop waiting after this many ms (measured on the future's clock) and reject with a
   * `FutureTimeoutError`. The future itself keeps polling.
   */
  readonly timeoutMs?: number | undefined;
  /** Stop waiting when this aborts, rejecting with `signal.reason`. The future itself keeps polling. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The result of an asynchronous Tinker request (tinker-wire-spec.md §6): awaitable, with the result
 * cached once it arrives. Every training call returns one synchronously; sampling and model
 * creation use them too. Awaiting is never needed for progress: polling starts when the future is
 * created, and a failure nobody has awaited yet is kept until someone does (it never becomes an
 * unhandled rejection).
 *
 * ```ts
 * const output = await training.forwardBackward(data, "cross_entropy");   // PromiseLike
 * const same = await future.result({ timeoutMs: 60_000 });                 // bounded wait
 * future.cancel();                                                         // stop polling
 * ```
 */
export interface APIFuture<T> extends PromiseLike<T> {
  /**
   * The server's `request_id` of the request, once its submission has returned (training calls
   * return the future before their submit is sent, since submits go out in call order). Rejects
   * when the submission fails. For a combined future, the first member's id.
   */
  readonly requestId: Promise<string>;
  /** True once the future has a result or has failed for good. */
  readonly done: boolean;
  /**
   * The result (the same cached value every time), waiting at most `timeoutMs` or until `signal`
   * aborts.
   * @throws whatever the future failed with (`RequestFailedError`, `PromiseExpiredError`,
   *   `FutureRetrieveError`, an HTTP error of the submission, or the cancellation reason).
   * @throws FutureTimeoutError when `timeoutMs` passes first; `signal.reason` when `signal` aborts first.
   */
  result(options?: ResultOptions): Promise<T>;
  /**
   * Stops polling: the request in flight is aborted and no further poll is sent. The future
   * rejects with `reason` (default an `AbortError` `DOMException`). No effect once done.
   */
  cancel(reason?: unknown): void;
}

/**
 * The bounded wait behind every {@link APIFuture.result} (tinker-wire-spec.md §6.5): `promise`,
 * or a rejection when `options.timeoutMs` passes on `clock` or `options.signal` aborts first. The
 * work behind `promise` is not stopped either way. Without a timeout or a signal it returns
 * `promise` itself. The timer and the abort listener are removed as soon as one side wins.
 *
 * Like the futures it serves, the returned promise keeps a rejection until someone awaits it: a
 * timeout that fires before the caller attached a handler never becomes an unhandled rejection.
 *
 * ```ts
 * result(options: ResultOptions = {}): Promise<T> {
 *   return waitForResult(this.#promise, options, this.#clock, (ms) => new FutureTimeoutError(ms, this.#id));
 * }
 * ```
 *
 * @param onTimeout builds the timeout error (and may report it, e.g. to telemetry); it runs at
 *   most once, when the timeout wins.
 * @throws (rejects with) InvalidInputError for a negative or NaN `timeoutMs`; `signal.reason` when
 *   the signal aborts first (also when it already has); `onTimeout(timeoutMs)` when the timeout
 *   wins; otherwise whatever `promise` rejects with.
 */
export function waitForResult<T>(
  promise: Promise<T>,
  options: ResultOptions,
  clock: Pick<Clock, "sleep">,
  onTimeout: (timeoutMs: number) => Error,
): Promise<T> {
  const { timeoutMs, signal } = options;
  if (timeoutMs === undefined && signal === undefined) return promise;
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
    return kept(
      Promise.reject(
        new InvalidInputError(`timeoutMs must be a non-negative number of ms, got ${timeoutMs}.`, {
          path: "timeoutMs",
        }),
      ),
    );
  }
  if (signal?.aborted) return kept(Promise.reject(signal.reason));
  const waiting = new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = new AbortController();
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      timer.abort();
      signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const onAbort = () => {
      if (finish()) reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      clock.sleep(timeoutMs, timer.signal).then(
        () => {
          if (finish()) reject(onTimeout(timeoutMs));
        },
        () => {},
      );
    }
    promise.then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
  return kept(waiting);
}

/** `promise`, marked as handled: its rejection reaches whoever awaits it, and no one else. */
function kept<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
