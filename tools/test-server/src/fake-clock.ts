/**
 * A fake clock for tests, shaped like the `Clock` of `@tinker-ts/http`
 * (`{ now(): number; sleep(ms, signal): Promise<void> }`), so retry, pause and refresh logic runs
 * without waiting for real time.
 *
 * Two modes:
 * - `auto` (default): every `sleep(ms)` advances the time by `ms` at once and resolves on the next
 *   macrotask. Tests read the requested delays from {@link FakeClock.sleeps}.
 * - `manual`: sleeps stay pending until the test calls {@link FakeClock.advance}; use it to check
 *   *when* background work (JWT refresh, config refresh) happens.
 */
export class FakeClock {
  /** Every delay passed to `sleep`, in call order (ms). */
  readonly sleeps: number[] = [];
  #now: number;
  readonly #mode: "auto" | "manual";
  #timers: { deadline: number; resolve: () => void }[] = [];

  /** @param startMs initial `now()` (default 1 700 000 000 000, a plausible Unix time in ms). */
  constructor(options: { mode?: "auto" | "manual"; startMs?: number } = {}) {
    this.#mode = options.mode ?? "auto";
    this.#now = options.startMs ?? 1_700_000_000_000;
  }

  now(): number {
    return this.#now;
  }

  /** Number of sleeps currently pending (manual mode). */
  get pending(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#mode === "auto") {
      this.#now += Math.max(0, ms);
      return new Promise((resolve, reject) => {
        setImmediate(() => (signal?.aborted ? reject(signal.reason) : resolve()));
      });
    }
    return new Promise((resolve, reject) => {
      const timer = {
        deadline: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /**
   * Moves time forward by `ms`, firing due sleeps in deadline order and letting the code they
   * wake run (including real I/O it starts) before moving on.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#timers.filter((t) => t.deadline <= target).sort((a, b) => a.deadline - b.deadline)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.deadline);
      due.resolve();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets pending promise callbacks and a few I/O turns run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
