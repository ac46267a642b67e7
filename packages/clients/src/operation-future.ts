import { type APIFuture, FutureTimeoutError, type ResultOptions, waitForResult } from "@tinker-ts/futures";
import type { Clock } from "@tinker-ts/http";

/** What an operation returns when it starts: its first request id and its result. */
export interface OperationStart<T> {
  /** The server's request id of the operation's (first) request, once submitted. */
  readonly requestId: Promise<string>;
  /** The result; it must reject soon after the `signal` given to the operation aborts. */
  readonly result: Promise<T>;
}

/**
 * The {@link APIFuture} of a client operation that is more than one poll: a training request
 * that may have to be resent after a 410, a chunked forward_backward, a custom loss. It starts at
 * once, keeps a failure until someone awaits it (never an unhandled rejection), and `cancel()`
 * aborts the signal its start function received.
 */
export class OperationFuture<T> implements APIFuture<T> {
  readonly requestId: Promise<string>;
  readonly #clock: Pick<Clock, "sleep">;
  readonly #controller = new AbortController();
  readonly #promise: Promise<T>;
  #knownRequestId: string | undefined;
  #done = false;

  /**
   * Starts the operation at once. `start` receives the signal that `cancel()` aborts.
   *
   * @param clock the clock that `result({ timeoutMs })` waits on.
   */
  constructor(clock: Pick<Clock, "sleep">, start: (signal: AbortSignal) => OperationStart<T>) {
    this.#clock = clock;
    let started: OperationStart<T>;
    try {
      started = start(this.#controller.signal);
    } catch (error) {
      started = { requestId: Promise.reject(error), result: Promise.reject(error) };
    }
    this.requestId = started.requestId;
    // Reading the id is optional; its failure reaches whoever awaits the result.
    this.requestId.then(
      (id) => {
        this.#knownRequestId = id;
      },
      () => {},
    );
    this.#promise = started.result;
    const markDone = () => {
      this.#done = true;
    };
    this.#promise.then(markDone, markDone);
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
    return waitForResult(
      this.#promise,
      options,
      this.#clock,
      (timeoutMs) => new FutureTimeoutError(timeoutMs, this.#knownRequestId),
    );
  }

  cancel(reason?: unknown): void {
    if (this.#done) return;
    this.#controller.abort(reason);
  }
}
