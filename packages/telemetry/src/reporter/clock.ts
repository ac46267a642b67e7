/**
 * Time source of the telemetry reporter: event timestamps, the session duration, the periodic
 * flush and the bounded waits. Structurally the same as the HTTP layer's clock, so one fake clock
 * can drive both in tests.
 */
export interface Clock {
  /** Unix time in milliseconds (fractions allowed; kept to the microsecond in timestamps). */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with `signal.reason` as soon as `signal` aborts
   * (also when it is already aborted).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A real clock: `Date.now()` and `setTimeout`, with abortable sleeps. With `unrefTimers` a pending
 * sleep does not keep the process alive. The HTTP layer builds its own system clock from this
 * (with referenced timers: a retry sleep is work the caller waits for).
 */
export function createSystemClock(options: { unrefTimers: boolean }): Clock {
  return {
    now: () => Date.now(),
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = (): void => {
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
        if (options.unrefTimers) timer.unref();
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}

/**
 * The reporter's real clock. Its timers are unref'ed: a pending telemetry flush never keeps the
 * process alive (as the Python SDK's flush runs on a daemon thread).
 */
export const systemClock: Clock = createSystemClock({ unrefTimers: true });
