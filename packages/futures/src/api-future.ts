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
 * `promise`, or a rejection when `options.timeoutMs` passes on `clock` or `options.signal` aborts
 * first. `onTimeout` builds the timeout error (and may report it); it runs at most once.
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
    return Promise.reject(
      new InvalidInputError(`timeoutMs must be a non-negative number of ms, got ${timeoutMs}.`, {
        path: "timeoutMs",
      }),
    );
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
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
}
