import { type Clock, createSystemClock } from "@tinker-ts/telemetry";

/**
 * Time source for every sleep the HTTP layer takes (retry backoff, billing pause, JWT refresh,
 * dynamic-config refresh): the same interface as the telemetry reporter's, so one fake clock drives
 * both in tests. `now()` is read as Unix time in ms for JWT `exp` checks.
 *
 * Request deadlines are not on this clock: they bound real socket I/O and use undici's own timers.
 */
export type { Clock };

/** The real clock: `Date.now()` and referenced `setTimeout`s (a retry sleep keeps the process alive). */
export const systemClock: Clock = createSystemClock({ unrefTimers: false });

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
