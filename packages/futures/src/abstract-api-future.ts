import type { Clock } from "@tinker-ts/http";
import { type APIFuture, type ResultOptions, waitForResult } from "./api-future.js";
import { FutureTimeoutError } from "./errors.js";

/**
 * The awaitable shell every {@link APIFuture} shares (tinker-wire-spec.md §6.5): a cached result
 * promise, `done`, `then` (so `await future` works), the bounded `result({ timeoutMs, signal })`
 * and `cancel()` through an AbortController. Subclasses only start the work.
 *
 * A subclass calls `super(clock, requestId, controller?)`, starts its work on
 * `this.controller.signal`, and hands the work's promise to {@link AbstractAPIFuture.begin} before
 * its constructor returns. The shell keeps a failure until someone awaits it (never an unhandled
 * rejection) and remembers the request id once known, for the `FutureTimeoutError` message.
 *
 * ```ts
 * class TimerFuture extends AbstractAPIFuture<number> {
 *   constructor(clock: Clock, ms: number) {
 *     super(clock, Promise.resolve("timer"));
 *     this.begin(clock.sleep(ms, this.controller.signal).then(() => ms));
 *   }
 * }
 * ```
 */
export abstract class AbstractAPIFuture<T> implements APIFuture<T> {
  readonly requestId: Promise<string>;
  /** Aborted by `cancel()` (not once done); the work must reject soon after its signal aborts. */
  protected readonly controller: AbortController;
  readonly #clock: Pick<Clock, "sleep">;
  // Set by begin(), which every subclass constructor calls before anyone can read it.
  #promise!: Promise<T>;
  #knownRequestId: string | undefined;
  #done = false;

  /**
   * @param clock the clock `result({ timeoutMs })` waits on.
   * @param requestId the server's request id once known; its rejection is not reported as
   *   unhandled (the same failure reaches whoever awaits the future).
   * @param controller the controller `cancel()` aborts, when the work had to start before `super`.
   */
  protected constructor(
    clock: Pick<Clock, "sleep">,
    requestId: Promise<string>,
    controller: AbortController = new AbortController(),
  ) {
    this.#clock = clock;
    this.controller = controller;
    this.requestId = requestId;
    this.requestId.then(
      (id) => {
        this.#knownRequestId = id;
      },
      () => {},
    );
  }

  /**
   * Makes `result` the future's result. Call exactly once, from the subclass constructor.
   *
   * @param onSettled runs once `result` settles, before any awaiter sees it (e.g. to unlink
   *   signals).
   */
  protected begin(result: Promise<T>, onSettled?: () => void): void {
    this.#promise = result;
    // Marks the rejection handled (it surfaces on await) and flips `done` before any awaiter runs.
    const finish = () => {
      this.#done = true;
      onSettled?.();
    };
    result.then(finish, finish);
  }

  /** The request id once `requestId` has resolved, else undefined. */
  protected get knownRequestId(): string | undefined {
    return this.#knownRequestId;
  }

  get done(): boolean {
    return this.#done;
  }

  // biome-ignore lint/suspicious/noThenProperty: APIFuture is awaitable on purpose (PromiseLike).
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected);
  }

  result(options: ResultOptions = {}): Promise<T> {
    return waitForResult(this.#promise, options, this.#clock, (timeoutMs) => this.timeoutError(timeoutMs));
  }

  cancel(reason?: unknown): void {
    if (this.#done) return;
    this.controller.abort(reason);
  }

  /** The error `result()` rejects with when `timeoutMs` passes first; override to also report it. */
  protected timeoutError(timeoutMs: number): Error {
    return new FutureTimeoutError(timeoutMs, this.#knownRequestId);
  }
}
