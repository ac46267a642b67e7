import {
  type APIFuture,
  FutureTimeoutError,
  linkAbort,
  type ResultOptions,
  waitForResult,
} from "@tinker-ts/futures";
import type { Clock } from "@tinker-ts/http";

/** What the work behind a {@link SampleFuture} gets. */
export interface SampleFutureRun {
  /** Aborted by `cancel()`, by the caller's signal, or when the ServiceClient closes. */
  readonly signal: AbortSignal;
  /** Report the request id of a submission the server accepted; only the first report counts. */
  readonly onRequestId: (requestId: string) => void;
}

/**
 * The {@link APIFuture} of a `sample` or `computeLogprobs` call (tinker-wire-spec.md §9.2): the
 * whole flow — dispatch throttling, `/asample` submits, `retrieve_future` polling and the
 * RetryHandler's resends — behind one awaitable. It starts at construction and needs nobody to
 * await it; a failure nobody has awaited yet never becomes an unhandled rejection.
 *
 * `requestId` is the request id of the first submission the server accepted. A resend (after a
 * 410 or a retryable poll failure) goes out with a new seq_id and gets a new request id; this one
 * stays the first.
 */
export class SampleFuture<T> implements APIFuture<T> {
  readonly requestId: Promise<string>;
  readonly #promise: Promise<T>;
  readonly #controller = new AbortController();
  readonly #clock: Pick<Clock, "sleep">;
  #knownRequestId: string | undefined;
  #done = false;

  /**
   * @param run the work; its rejection becomes the future's.
   * @param options `clock` for `result({ timeoutMs })`; `signals` that cancel the future when they abort.
   */
  constructor(
    run: (context: SampleFutureRun) => Promise<T>,
    options: {
      readonly clock: Pick<Clock, "sleep">;
      readonly signals?: ReadonlyArray<AbortSignal | undefined>;
    },
  ) {
    this.#clock = options.clock;
    // Each given signal aborts our controller through one shared listener (see linkAbort): a
    // per-sample AbortSignal.any is slow on Node 20. The links go when the sample ends.
    const unlinks: (() => void)[] = [];
    for (const source of options.signals ?? []) {
      if (source) unlinks.push(linkAbort(source, this.#controller));
    }
    const signal = this.#controller.signal;
    let resolveId!: (id: string) => void;
    let rejectId!: (error: unknown) => void;
    this.requestId = new Promise<string>((resolve, reject) => {
      resolveId = resolve;
      rejectId = reject;
    });
    // Reading the id is optional; its rejection surfaces through the future itself.
    this.requestId.catch(() => {});
    this.#promise = Promise.resolve()
      .then(() => {
        signal.throwIfAborted();
        return run({
          signal,
          onRequestId: (id) => {
            this.#knownRequestId ??= id;
            resolveId(id);
          },
        });
      })
      .finally(() => {
        this.#done = true;
        for (const unlink of unlinks) unlink();
      });
    // Marks the rejection handled; it reaches whoever awaits the future.
    this.#promise.catch(rejectId);
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

  /**
   * The result, waiting at most `timeoutMs` (on the client's clock) or until `signal` aborts; the
   * sample itself keeps running either way.
   *
   * @throws what the sample failed with; `FutureTimeoutError` when `timeoutMs` passes first;
   *   `signal.reason` when `signal` aborts first; `InvalidInputError` for a negative `timeoutMs`.
   */
  result(options: ResultOptions = {}): Promise<T> {
    return waitForResult(
      this.#promise,
      options,
      this.#clock,
      (timeoutMs) => new FutureTimeoutError(timeoutMs, this.#knownRequestId),
    );
  }

  /**
   * Stops the sample: the wait for a dispatch slot, the submit, the poll in flight or the retry
   * sleep is aborted, nothing more is sent (except, when the server supports it, a
   * `cancel_future` for the request being polled), and the future rejects with `reason` (default
   * an `AbortError` `DOMException`). No effect once done.
   */
  cancel(reason?: unknown): void {
    if (this.#done) return;
    this.#controller.abort(reason);
  }
}
