import { randomUUID } from "node:crypto";
import type { Clock, Timer } from "./clock.js";

/**
 * Server side of the futures protocol (tinker-wire-spec.md §6): every async endpoint registers
 * a future and answers `{request_id}` at once; `retrieve_future` long-polls the registry until
 * the future settles or the poll times out. Settled futures are kept for `resultTtlMs` and then
 * forgotten, after which a poll gets 410 like an unknown id.
 */

/** Wire values of `RequestErrorCategory` (§4.1, lower-case). */
export type ErrorCategory = "user" | "server" | "unknown";

/** A successful result in the encodings the poll can ask for. */
export interface FutureResult {
  /** The JSON success body (must not contain `error`, `type:"try_again"` or `status`). */
  json(): unknown;
  /** The protobuf body, for result types that have one (SampleResponse, ForwardBackwardOutput). */
  proto?(): Uint8Array;
}

/** How a future ended. */
export type FutureOutcome =
  | { kind: "success"; result: FutureResult }
  | { kind: "failed"; error: string; category: ErrorCategory };

/** What the registry knows about one request. */
export interface FutureEntry {
  readonly requestId: string;
  /** SDK request type (`ForwardBackward`, `Sample`, …), for logs and queue state. */
  readonly requestType: string;
  /** Model or sampling session the work belongs to, if any. */
  readonly owner: string | undefined;
  readonly createdAt: number;
  outcome: FutureOutcome | undefined;
  settledAt: number | undefined;
}

interface Slot {
  entry: FutureEntry;
  waiters: Set<() => void>;
  expiry: Timer | undefined;
}

/** Registry of futures with long-poll waiting on an injectable clock. */
export class FutureRegistry {
  #slots = new Map<string, Slot>();
  #clock: Clock;
  #resultTtlMs: number;

  /**
   * @param clock time source for expiry and poll timeouts.
   * @param resultTtlMs how long a settled result stays retrievable, ms.
   */
  constructor(clock: Clock, resultTtlMs: number) {
    this.#clock = clock;
    this.#resultTtlMs = resultTtlMs;
  }

  /** Registers a pending future and returns it. */
  create(requestType: string, owner?: string): FutureEntry {
    const entry: FutureEntry = {
      requestId: randomUUID(),
      requestType,
      owner,
      createdAt: this.#clock.now(),
      outcome: undefined,
      settledAt: undefined,
    };
    this.#slots.set(entry.requestId, { entry, waiters: new Set(), expiry: undefined });
    return entry;
  }

  /** The entry for `requestId`, or undefined when unknown or expired. */
  get(requestId: string): FutureEntry | undefined {
    return this.#slots.get(requestId)?.entry;
  }

  /** Settles a pending future; later calls for the same id are ignored. */
  settle(requestId: string, outcome: FutureOutcome): void {
    const slot = this.#slots.get(requestId);
    if (!slot || slot.entry.outcome) return;
    slot.entry.outcome = outcome;
    slot.entry.settledAt = this.#clock.now();
    slot.expiry = this.#clock.setTimer(() => this.#slots.delete(requestId), this.#resultTtlMs);
    for (const wake of slot.waiters) wake();
    slot.waiters.clear();
  }

  /** Fails every pending future whose owner is `owner` (used when a session expires). */
  failOwned(owner: string, error: string, category: ErrorCategory): void {
    for (const slot of this.#slots.values()) {
      if (slot.entry.owner === owner && !slot.entry.outcome) {
        this.settle(slot.entry.requestId, { kind: "failed", error, category });
      }
    }
  }

  /**
   * Waits until the future settles, at most `timeoutMs` ms. Resolves `true` when settled,
   * `false` on timeout, an unknown id, or when `signal` aborts (client gone, server closing).
   */
  wait(requestId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const slot = this.#slots.get(requestId);
    if (!slot) return Promise.resolve(false);
    if (slot.entry.outcome) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (settled: boolean) => {
        timer.cancel();
        slot.waiters.delete(onSettle);
        signal?.removeEventListener("abort", onAbort);
        resolve(settled);
      };
      const onSettle = () => finish(true);
      const onAbort = () => finish(false);
      const timer = this.#clock.setTimer(() => finish(false), timeoutMs);
      slot.waiters.add(onSettle);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Number of futures still pending (for admin stats). */
  pendingCount(): number {
    let count = 0;
    for (const slot of this.#slots.values()) if (!slot.entry.outcome) count++;
    return count;
  }

  /** Cancels expiry timers and drops everything (server shutdown). */
  clear(): void {
    for (const slot of this.#slots.values()) {
      slot.expiry?.cancel();
      for (const wake of slot.waiters) wake();
    }
    this.#slots.clear();
  }
}
