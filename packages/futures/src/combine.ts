import { type Clock, systemClock } from "@tinker-ts/http";
import { InvalidInputError } from "@tinker-ts/types";
import { AbstractAPIFuture } from "./abstract-api-future.js";
import type { APIFuture } from "./api-future.js";
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

class CombinedFuture<T, U> extends AbstractAPIFuture<U> {
  readonly #futures: readonly APIFuture<T>[];

  constructor(
    futures: readonly APIFuture<T>[],
    requestId: Promise<string>,
    transform: (results: T[]) => U,
    clock: Pick<Clock, "sleep">,
  ) {
    super(clock, requestId);
    this.#futures = futures;
    this.begin(Promise.all(futures).then(transform));
  }

  // The members do the work, so cancelling means cancelling each of them.
  override cancel(reason?: unknown): void {
    if (this.done) return;
    for (const future of this.#futures) future.cancel(reason);
  }

  // The first member's id would name only one of several requests, so the timeout names none.
  protected override timeoutError(timeoutMs: number): Error {
    return new FutureTimeoutError(timeoutMs, undefined);
  }
}
