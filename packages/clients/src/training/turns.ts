interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Serializes the submissions of one TrainingClient by request id (Python SDK 0.38 `_take_turn`,
 * tinker-wire-spec.md §8.1). Request ids are reserved in call order; the submission of id N runs
 * only once every id before it has been submitted (or has failed to be), so op N+1's POST starts
 * after op N's POST returned. A chunked call shares one range of turns: all its chunks may run as
 * soon as the first id of the range is reached.
 *
 * Each turn is consumed exactly once whatever happens to its submission, so a failure never
 * blocks later requests. Once {@link TurnGate.fail} is called (a broken sequence or a closed
 * client), waiting and later submissions reject with that error.
 */
export class TurnGate {
  #turn = 0;
  readonly #waiters = new Map<number, Waiter[]>();
  #error: unknown;
  #failed = false;

  /** The next request id whose submission may start. */
  get turn(): number {
    return this.#turn;
  }

  /**
   * Waits until the turn reaches `first`, runs `submit`, then consumes one turn (also when
   * `submit` or the wait fails). The turn is consumed even when the gate has failed.
   *
   * @param first the first request id of the call (its own id for a single request).
   * @throws what `submit` throws, or the gate's failure.
   */
  async take<T>(first: number, submit: () => Promise<T>): Promise<T> {
    try {
      if (!this.#failed && this.#turn < first) await this.#waitFor(first);
      if (this.#failed) throw this.#error;
      return await submit();
    } finally {
      this.#advance();
    }
  }

  /** Resolves once the turn reaches `turn` (every earlier submission has been made), without consuming one. */
  async reach(turn: number): Promise<void> {
    if (!this.#failed && this.#turn < turn) await this.#waitFor(turn);
    if (this.#failed) throw this.#error;
  }

  /** Makes every waiting and later submission reject with `error` (the first failure wins). */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = error;
    const waiters = [...this.#waiters.values()].flat();
    this.#waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
  }

  /** The failure passed to {@link TurnGate.fail}, if any. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failed ? { error: this.#error } : undefined;
  }

  #waitFor(turn: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const list = this.#waiters.get(turn) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(turn, list);
    });
  }

  #advance(): void {
    this.#turn += 1;
    const ready = this.#waiters.get(this.#turn);
    if (!ready) return;
    this.#waiters.delete(this.#turn);
    for (const waiter of ready) waiter.resolve();
  }
}
