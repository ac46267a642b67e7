import type { Clock, Timer } from "./clock.js";

/**
 * Per-model execution order by seq_id (tinker-wire-spec.md §8.1, §18.3–4). The SDK reserves
 * seq_ids at call time and may POST them out of order (parallel fwd/bwd chunks send 2..n before
 * 1) or twice (a retry reuses its seq_id). This queue runs work strictly in seq_id order, one
 * item at a time, holds early arrivals until their turn, answers a repeated seq_id with the
 * request id it already has, and gives up on a gap after `gapTimeoutMs`.
 */

/** One piece of ordered work. `run` must not reject; it settles its own future. */
export interface SeqWork {
  seqId: number;
  requestId: string;
  run: () => Promise<void>;
}

/** What `submit` did with a submission. */
export type SubmitResult =
  | { kind: "accepted" }
  | { kind: "duplicate"; requestId: string }
  | { kind: "stale"; nextSeqId: number };

/** Called when a gap times out, with the held work that will never run and the missing ids. */
export type GapTimeoutHandler = (abandoned: SeqWork[], missingSeqIds: number[]) => void;

/** The ordered queue of one model (or of anything that needs seq_id order). */
export class SeqQueue {
  #next: number;
  #seen = new Map<number, string>();
  #held = new Map<number, SeqWork>();
  #ready: Array<() => Promise<void>> = [];
  #running = false;
  #gapTimer: Timer | undefined;
  #clock: Clock;
  #gapTimeoutMs: number;
  #onGapTimeout: GapTimeoutHandler;
  #idleWaiters: Array<() => void> = [];

  /**
   * @param firstSeqId the seq_id expected first: 1 after create_model, 0 for create-via-load.
   * @param gapTimeoutMs how long held work waits for a missing seq_id, ms.
   */
  constructor(clock: Clock, firstSeqId: number, gapTimeoutMs: number, onGapTimeout: GapTimeoutHandler) {
    this.#clock = clock;
    this.#next = firstSeqId;
    this.#gapTimeoutMs = gapTimeoutMs;
    this.#onGapTimeout = onGapTimeout;
  }

  /** The seq_id the queue waits for next. */
  get nextSeqId(): number {
    return this.#next;
  }

  /** seq_ids received early and held until the gap before them fills. */
  get heldSeqIds(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  /** The request id already registered for `seqId`, if any. */
  requestIdFor(seqId: number): string | undefined {
    return this.#seen.get(seqId);
  }

  /** Offers work with a seq_id; see {@link SubmitResult}. */
  submit(work: SeqWork): SubmitResult {
    const known = this.#seen.get(work.seqId);
    if (known !== undefined) return { kind: "duplicate", requestId: known };
    if (work.seqId < this.#next) return { kind: "stale", nextSeqId: this.#next };
    this.#seen.set(work.seqId, work.requestId);
    if (work.seqId === this.#next) {
      this.#enqueue(work.run);
      this.#next++;
      for (let held = this.#held.get(this.#next); held; held = this.#held.get(this.#next)) {
        this.#held.delete(this.#next);
        this.#enqueue(held.run);
        this.#next++;
      }
      this.#resetGapTimer();
    } else {
      this.#held.set(work.seqId, work);
      if (!this.#gapTimer) this.#resetGapTimer();
    }
    return { kind: "accepted" };
  }

  /** Runs work that carries no seq_id after everything already runnable. */
  submitUnordered(run: () => Promise<void>): void {
    this.#enqueue(run);
  }

  /** Resolves when nothing is running or runnable (held work does not count). */
  idle(): Promise<void> {
    if (!this.#running && this.#ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops the gap timer; held work is dropped without running. */
  dispose(): void {
    this.#gapTimer?.cancel();
    this.#gapTimer = undefined;
    this.#held.clear();
  }

  #resetGapTimer(): void {
    this.#gapTimer?.cancel();
    this.#gapTimer = undefined;
    if (this.#held.size === 0) return;
    this.#gapTimer = this.#clock.setTimer(() => this.#gapExpired(), this.#gapTimeoutMs);
  }

  #gapExpired(): void {
    this.#gapTimer = undefined;
    const held = this.heldSeqIds;
    const last = held[held.length - 1]!;
    const missing: number[] = [];
    for (let seq = this.#next; seq <= last; seq++) if (!this.#held.has(seq)) missing.push(seq);
    const abandoned = held.map((seq) => this.#held.get(seq)!);
    this.#held.clear();
    this.#next = last + 1;
    this.#onGapTimeout(abandoned, missing);
  }

  #enqueue(run: () => Promise<void>): void {
    this.#ready.push(run);
    if (!this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    for (let run = this.#ready.shift(); run; run = this.#ready.shift()) {
      await run();
    }
    this.#running = false;
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }
}
