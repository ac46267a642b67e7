import { InvalidInputError } from "@tinker-ts/types";

/** One held slot of a {@link Semaphore}; `release` is idempotent. */
export interface SemaphorePermit {
  release(): void;
}

interface Waiter {
  readonly grant: () => void;
}

/**
 * A counting semaphore (Python `asyncio.Semaphore`): at most `permits` holders at once, waiters
 * served in arrival order. Used for the sampling dispatch caps (tinker-wire-spec.md §9.3) and the
 * RetryHandler's concurrency cap (§7.3).
 */
export class Semaphore {
  readonly #permits: number;
  #held = 0;
  readonly #waiters: Waiter[] = [];

  /** @param permits how many holders may hold a slot at once; a positive integer. */
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits <= 0) {
      throw new InvalidInputError(`A semaphore needs a positive integer of permits, got ${permits}.`, {
        path: "permits",
      });
    }
    this.#permits = permits;
  }

  /** The configured number of slots. */
  get permits(): number {
    return this.#permits;
  }

  /** Slots held right now. */
  get held(): number {
    return this.#held;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits for a free slot (earlier callers first) and takes it.
   * @throws `signal.reason` when `signal` aborts first (no slot is taken).
   */
  acquire(signal?: AbortSignal): Promise<SemaphorePermit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#held < this.#permits && this.#waiters.length === 0) return Promise.resolve(this.#take());
    return new Promise<SemaphorePermit>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#take());
        },
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #take(): SemaphorePermit {
    this.#held += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#held -= 1;
        const next = this.#waiters.shift();
        next?.grant();
      },
    };
  }
}
