import { AbstractAPIFuture, type APIFuture, linkAbort } from "@tinker-ts/futures";
import type { Clock } from "@tinker-ts/http";

/** What the work behind a {@link SampleFuture} gets. */
export interface SampleFutureRun {
  /** Aborted by `cancel()`, by the caller's signal, or when the ServiceClient closes. */
  readonly signal: AbortSignal;
  /**
   * The controller behind `signal`. Steps of the work that need one of their own to abort (the
   * RetryHandler's watchdog, the poll) run on it instead, so that a sample costs one
   * AbortSignal however many steps it has.
   */
  readonly controller: AbortController;
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
 *
 * `cancel()` stops the sample: the wait for a dispatch slot, the submit, the poll in flight or the
 * retry sleep is aborted and nothing more is sent (except, when the server supports it, a
 * `cancel_future` for the request being polled). `result()` waiting ends on its own timeout or
 * signal; the sample keeps running then.
 */
export class SampleFuture<T> extends AbstractAPIFuture<T> {
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
    const controller = new AbortController();
    // Each given signal aborts our controller through one shared listener (see linkAbort): a
    // per-sample AbortSignal.any is slow on Node 20. The links go when the sample ends.
    const unlinks: (() => void)[] = [];
    for (const source of options.signals ?? []) {
      if (source) unlinks.push(linkAbort(source, controller));
    }
    const signal = controller.signal;
    let resolveId!: (id: string) => void;
    let rejectId!: (error: unknown) => void;
    super(
      options.clock,
      new Promise<string>((resolve, reject) => {
        resolveId = resolve;
        rejectId = reject;
      }),
      controller,
    );
    const result = Promise.resolve().then(() => {
      signal.throwIfAborted();
      return run({ signal, controller, onRequestId: resolveId });
    });
    this.begin(result, () => {
      for (const unlink of unlinks) unlink();
    });
    // A sample that fails before any submission was accepted has no request id.
    result.catch(rejectId);
  }
}
