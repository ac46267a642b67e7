import { InvalidInputError } from "@tinker-ts/types";

/** A hold on part of a {@link BytesSemaphore}'s budget. */
export interface BytesPermit {
  /** Bytes this permit holds. */
  readonly bytes: number;
  /** Gives the bytes back and wakes waiters. Only the first call has an effect. */
  release(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
}

/**
 * A byte budget shared by concurrent requests, with the Python SDK's semantics
 * (`BytesSemaphore`, tinker-wire-spec.md §9.3): `acquire(n)` waits while the balance is negative,
 * then subtracts `n` — so the balance may go negative, and one request larger than the whole
 * budget still proceeds (alone). `release` adds the bytes back.
 *
 * Used for the in-flight response budget of futures (`inflight_response_bytes_semaphore_size`,
 * 50 MiB, acquired on `complete_metadata` and held until the future finishes, §6.3) and for the
 * dispatch budgets of sampling (10 MiB) and forward_backward (50 MB).
 *
 * Waiters are served in arrival order as releases bring the balance back to non-negative.
 */
export class BytesSemaphore {
  #available: number;
  readonly #waiters: Waiter[] = [];

  /** @param budgetBytes the initial balance in bytes (a non-negative finite number). */
  constructor(budgetBytes: number) {
    if (!Number.isFinite(budgetBytes) || budgetBytes < 0) {
      throw new InvalidInputError(
        `A byte budget must be a non-negative number of bytes, got ${budgetBytes}.`,
        {
          path: "budgetBytes",
        },
      );
    }
    this.#available = budgetBytes;
  }

  /** The current balance in bytes; negative while an oversized acquisition is held. */
  get available(): number {
    return this.#available;
  }

  /** Number of acquisitions waiting for the balance to become non-negative. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits until the balance is non-negative (earlier waiters first), then takes
   * `bytes` from it. Zero bytes still waits for a non-negative balance, as in the Python SDK.
   *
   * @param bytes non-negative finite number of bytes.
   * @throws InvalidInputError for a negative or non-finite `bytes`.
   * @throws `signal.reason` when `signal` aborts before the bytes are granted (nothing is taken).
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<BytesPermit> {
    if (!Number.isFinite(bytes) || bytes < 0) {
      return Promise.reject(
        new InvalidInputError(`Cannot acquire ${bytes} bytes; pass a non-negative number.`, {
          path: "bytes",
        }),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Waiters exist only while the balance is negative (a release serves them until it is), so a
    // non-negative balance means nobody is ahead of this call.
    if (this.#available >= 0) return Promise.resolve(this.#take(bytes));
    return new Promise<BytesPermit>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#take(bytes));
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

  #take(bytes: number): BytesPermit {
    this.#available -= bytes;
    let held = true;
    return {
      bytes,
      release: () => {
        if (!held) return;
        held = false;
        this.#available += bytes;
        this.#wake();
      },
    };
  }

  #wake(): void {
    while (this.#available >= 0) {
      const next = this.#waiters.shift();
      if (!next) return;
      next.grant();
    }
  }
}
