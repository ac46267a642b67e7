import { AbstractAPIFuture, type APIFuture } from "@tinker-ts/futures";
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
export class OperationFuture<T> extends AbstractAPIFuture<T> {
  /**
   * Starts the operation at once. `start` receives the signal that `cancel()` aborts.
   *
   * @param clock the clock that `result({ timeoutMs })` waits on.
   */
  constructor(clock: Pick<Clock, "sleep">, start: (signal: AbortSignal) => OperationStart<T>) {
    const controller = new AbortController();
    let started: OperationStart<T>;
    try {
      started = start(controller.signal);
    } catch (error) {
      started = { requestId: Promise.reject(error), result: Promise.reject(error) };
    }
    super(clock, started.requestId, controller);
    this.begin(started.result);
  }
}
