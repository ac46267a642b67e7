import { type Clock, systemClock } from "@tinker-ts/http";
import { InvalidInputError } from "@tinker-ts/types";
import { type APIFuture, type ResultOptions, waitForResult } from "./api-future.js";
import { FutureTimeoutError } from "./errors.js";

/** Options of {@link combine}. */
export interface CombineOptions {
  /** Clock that `result({ timeoutMs })` waits on; default the system clock (pass `http.clock`). */
  readonly clock?: Pick<Clock, "sleep"> | undefined;
}

/**
 * One future for several (Python SDK `_CombinedAPIFuture`, tinker-wire-spec.md §6.5): resolves to
 * `transform(results)` once every member has its result, with the results in member order, and
 * rejects with the first member failure (the others keep running). Used for chunked
 * forward / forward_backward calls and custom losses.
 *
 * `requestId` is the first member's; `cancel` cancels every member.
 *
 * ```ts
 * const output = await combine(chunkFutures, (outputs) => combineForwardBackwardOutputs(outputs));
 * ```
 *
 * @param futures at least one future.
 * @throws InvalidInputError when `futures` is empty.
 */
export function combine<T, U>(
  futures: readonly APIFuture<T>[],
  transform: (results: T[]) => U,
  options: CombineOptions = {},
): APIFuture<U> {
  const first = futures[0];
  if (first === undefined) {
    throw new InvalidInputError("combine needs at least one future.", { path: "futures" });
  }
  return new CombinedFuture(futures, first.requestId, transform, options.clock ?? systemClock);
}

class CombinedFuture<T, U> implements APIFuture<U> {
  readonly requestId: Promise<string>;
  readonly #futures: readonly APIFuture<T>[];
  readonly #clock: Pick<Clock, "sleep">;
  readonly #promise: Promise<U>;
  #done = false;

  constructor(
    futures: readonly APIFuture<T>[],
    requestId: Promise<string>,
    transform: (results: T[]) => U,
    clock: Pick<Clock, "sleep">,
  ) {
    this.#futures = futures;
    this.requestId = requestId;
    this.#clock = clock;
    this.#promise = Promise.all(futures).then(transform);
    const markDone = () => {
      this.#done = true;
    };
    this.#promise.then(markDone, markDone);
  }

  get done(): boolean {
    return this.#done;
  }

  // biome-ignore lint/suspicious/noThenProperty: APIFuture is awaitable on purpose (PromiseLike).
  then<R1 = U, R2 = never>(
    onfulfilled?: ((value: U) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected);
  }

  result(options: ResultOptions = {}): Promise<U> {
    return waitForResult(
      this.#promise,
      options,
      this.#clock,
      (timeoutMs) => new FutureTimeoutError(timeoutMs, undefined),
    );
  }

  cancel(reason?: unknown): void {
    if (this.#done) return;
    for (const future of this.#futures) future.cancel(reason);
  }
}
