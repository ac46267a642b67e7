/**
 * Time source for every sleep the HTTP layer takes (retry backoff, billing pause, JWT refresh,
 * dynamic-config refresh). Tests inject a fake clock so no test waits for real time.
 *
 * Request deadlines are not on this clock: they bound real socket I/O and use undici's own timers.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; only differences matter, except for JWT `exp` checks, which read it as Unix time in ms. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with `signal.reason` as soon as `signal` aborts
   * (also when it is already aborted).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. Used where
 * several callers share one underlying operation that must not be cancelled by any one of them.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
