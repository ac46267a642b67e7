import { linkAbort, RetryableError } from "@tinker-ts/futures";
import {
  APIConnectionError,
  APIStatusError,
  type Clock,
  consoleLogger,
  type Logger,
  type RequestInfo,
} from "@tinker-ts/http";
import {
  type Instrumentation,
  isUserError,
  TelemetryEventNames,
  type TelemetryReporter,
} from "@tinker-ts/telemetry";
import { InvalidInputError } from "@tinker-ts/types";
import { Semaphore } from "./semaphore.js";

/**
 * Settings of a {@link RetryHandler} (Python `RetryConfig`, tinker-wire-spec.md §7.3). Durations are
 * in ms.
 */
export interface RetryConfig {
  /**
   * Calls running at once (each holds its slot through all its retries). Default 1000; a
   * SamplingClient always replaces it with the client config's `sample_max_concurrent_requests`.
   */
  readonly maxConnections: number;
  /** Fail every running call when none has succeeded for this long: 7 200 000 ms (2 h). */
  readonly progressTimeoutMs: number;
  /** Delay before the first retry: 500 ms, doubling per retry. */
  readonly retryDelayBaseMs: number;
  /** Longest delay between retries: 10 000 ms. */
  readonly retryDelayMaxMs: number;
  /** Uniform jitter of ± this fraction of the delay: 0.25. */
  readonly jitterFactor: number;
  /** Retry at all; false runs each call once (still within the concurrency cap). Default true. */
  readonly enableRetryLogic: boolean;
  /** Run the no-progress watchdog; default true (a SamplingClient also honours `sample_enable_stuck_detection`). */
  readonly enableStuckDetection: boolean;
}

/** The Python SDK's `RetryConfig()` defaults, in ms (tinker-wire-spec.md §7.3). */
export const DEFAULT_RETRY_CONFIG: RetryConfig = Object.freeze({
  maxConnections: 1000,
  progressTimeoutMs: 7_200_000,
  retryDelayBaseMs: 500,
  retryDelayMaxMs: 10_000,
  jitterFactor: 0.25,
  enableRetryLogic: true,
  enableStuckDetection: true,
});

/**
 * `config` over {@link DEFAULT_RETRY_CONFIG}, checked.
 * @throws InvalidInputError for a non-positive `maxConnections` or `progressTimeoutMs`, negative
 *   delays, or a `jitterFactor` outside [0, 1].
 */
export function resolveRetryConfig(config: Partial<RetryConfig> = {}): RetryConfig {
  const resolved: RetryConfig = { ...DEFAULT_RETRY_CONFIG, ...stripUndefined(config) };
  const check = (ok: boolean, field: keyof RetryConfig, rule: string) => {
    if (!ok) {
      throw new InvalidInputError(`retryConfig.${field} must be ${rule}, got ${String(resolved[field])}.`, {
        path: `retryConfig.${field}`,
      });
    }
  };
  check(
    Number.isInteger(resolved.maxConnections) && resolved.maxConnections > 0,
    "maxConnections",
    "a positive integer",
  );
  check(resolved.progressTimeoutMs > 0, "progressTimeoutMs", "a positive number of ms");
  check(resolved.retryDelayBaseMs >= 0, "retryDelayBaseMs", "a non-negative number of ms");
  check(resolved.retryDelayMaxMs >= 0, "retryDelayMaxMs", "a non-negative number of ms");
  check(resolved.jitterFactor >= 0 && resolved.jitterFactor <= 1, "jitterFactor", "in [0, 1]");
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Delay before retry number `attempt` (0-based) of the sampling RetryHandler
 * (tinker-wire-spec.md §7.3): `min(base · 2^attempt, max)` plus uniform jitter of
 * ±`jitterFactor` × that, clipped to [0, max]. With the defaults: 0.5 s, 1 s, 2 s, 4 s, 8 s, then
 * 10 s, each ±25 % and never above 10 s.
 *
 * @param random a uniform number in [0, 1).
 */
export function sampleRetryDelayMs(
  attempt: number,
  config: Pick<RetryConfig, "retryDelayBaseMs" | "retryDelayMaxMs" | "jitterFactor">,
  random: number,
): number {
  // 2^attempt overflows to Infinity for huge attempts; min() then gives the maximum, as Python's
  // OverflowError branch does.
  const delay = Math.min(config.retryDelayBaseMs * 2 ** attempt, config.retryDelayMaxMs);
  const jitter = delay * config.jitterFactor * (2 * random - 1);
  return Math.max(0, Math.min(delay + jitter, config.retryDelayMaxMs));
}

/**
 * Whether the sampling RetryHandler retries `error` (tinker-wire-spec.md §7.3): no response
 * (`APIConnectionError`, including timeouts), a `RetryableError` (a 410 on a poll:
 * `PromiseExpiredError`), or an `APIStatusError` with status 408, 409, 429 or 5xx. Everything
 * else (a `RequestFailedError`, a `FutureRetrieveError`, other 4xx, invalid input) is final.
 */
export function isRetryableSampleError(error: unknown): boolean {
  if (APIConnectionError.isInstance(error) || RetryableError.isInstance(error)) return true;
  if (!APIStatusError.isInstance(error)) return false;
  const { status } = error;
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status < 600);
}

/**
 * Raised by the RetryHandler's watchdog when no call has succeeded for `progressTimeoutMs`
 * (Python: `APIConnectionError("No progress made in 7200s. Requests appear to be stuck.")`). Every
 * call running at that moment fails with it.
 */
export class StuckRequestsError extends APIConnectionError {
  /** The progress timeout that passed, in ms. */
  readonly progressTimeoutMs: number;

  constructor(progressTimeoutMs: number, request: RequestInfo) {
    super(
      { request },
      `No progress made in ${progressTimeoutMs / 1000}s. Requests appear to be stuck. Check the service status, or raise retryConfig.progressTimeoutMs.`,
    );
    this.progressTimeoutMs = progressTimeoutMs;
  }
}

/** Collaborators of a {@link RetryHandler}. */
export interface RetryHandlerOptions {
  /** Overrides of {@link DEFAULT_RETRY_CONFIG}. */
  readonly config?: Partial<RetryConfig> | undefined;
  /** Names the handler in log lines (the sampling session id). */
  readonly name?: string | undefined;
  /** Time source of retry sleeps and the watchdog. */
  readonly clock: Pick<Clock, "now" | "sleep">;
  readonly logger?: Logger | undefined;
  /** Receives `RetryHandler.execute.exception` for every failure. */
  readonly telemetry?: Pick<TelemetryReporter, "log"> | undefined;
  /** Counts retries (`tinker.client.retries`, layer `sample`). */
  readonly instrumentation?: Pick<Instrumentation, "recordRetry"> | undefined;
  /** Jitter source in [0, 1); default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** The request a {@link StuckRequestsError} names; default `POST /api/v1/asample`. */
  readonly request?: RequestInfo | undefined;
}

/** Options of one {@link RetryHandler.execute} call. */
export interface RetryExecuteOptions {
  /** Stops waiting for a slot, the running attempt (through the signal it gets) and retry sleeps. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The controller of the caller's whole operation, when it has one: `fn` then gets its signal
   * and the watchdog aborts it directly, instead of a controller of the call's own linked to
   * `signal` (an AbortSignal and a listener per call, which count on the per-sample path).
   * `signal` is ignored when this is given. Give a controller to one call at a time.
   */
  readonly controller?: AbortController | undefined;
  /** Names the function in telemetry (`func`). */
  readonly name?: string | undefined;
}

/** Counters of a {@link RetryHandler}. */
export interface RetryHandlerStats {
  /** Calls waiting for a concurrency slot. */
  readonly waiting: number;
  /** Calls holding a slot (running or sleeping before a retry). */
  readonly inProgress: number;
  /** Calls that succeeded. */
  readonly completed: number;
  /** Retries made, over all calls. */
  readonly retries: number;
}

/**
 * The sampling retry handler (Python `RetryHandler`, tinker-wire-spec.md §7.3): runs each call
 * within a concurrency cap of `maxConnections` slots, held through all of the call's retries, and
 * retries it **without an attempt limit** while it fails with a retryable error
 * ({@link isRetryableSampleError}), sleeping {@link sampleRetryDelayMs} between attempts. Every
 * attempt is a fresh call of `fn` (a sample takes a new seq_id each time).
 *
 * A watchdog shared by the handler's calls fails all of them with {@link StuckRequestsError} when
 * none has succeeded for `progressTimeoutMs` (2 h), the clock restarting whenever the handler goes
 * from idle to busy. Every failure is reported as the telemetry event `RetryHandler.execute.exception`
 * (severity WARNING when retried or a user error, else ERROR).
 */
export class RetryHandler {
  readonly config: RetryConfig;
  readonly name: string;
  readonly #clock: Pick<Clock, "now" | "sleep">;
  readonly #logger: Logger;
  readonly #telemetry: Pick<TelemetryReporter, "log"> | undefined;
  readonly #instrumentation: Pick<Instrumentation, "recordRetry"> | undefined;
  readonly #random: () => number;
  readonly #request: RequestInfo;
  readonly #slots: Semaphore;
  /** Watchdog aborts of the calls in their retry loop. */
  readonly #active = new Set<AbortController>();
  #lastProgress: number;
  #watchdogStop: AbortController | undefined;
  /** Whether a check that stops the watchdog of an idle handler is scheduled. */
  #idleCheck = false;
  #completed = 0;
  #retries = 0;

  /** @throws InvalidInputError for an invalid `config` (see {@link resolveRetryConfig}). */
  constructor(options: RetryHandlerOptions) {
    this.config = resolveRetryConfig(options.config);
    this.name = options.name ?? "default";
    this.#clock = options.clock;
    this.#logger = options.logger ?? consoleLogger;
    this.#telemetry = options.telemetry;
    this.#instrumentation = options.instrumentation;
    this.#random = options.random ?? Math.random;
    this.#request = options.request ?? { method: "POST", url: "/api/v1/asample" };
    this.#slots = new Semaphore(this.config.maxConnections);
    this.#lastProgress = this.#clock.now();
  }

  /** Current counters. */
  get stats(): RetryHandlerStats {
    return {
      waiting: this.#slots.waiting,
      inProgress: this.#slots.held,
      completed: this.#completed,
      retries: this.#retries,
    };
  }

  /**
   * Runs `fn` until it succeeds or fails with a final error. `fn` gets an `AbortSignal` (aborted
   * when `options.signal` aborts or the watchdog fires) and the 0-based attempt number.
   *
   * @throws the first non-retryable error of `fn`; {@link StuckRequestsError} from the watchdog;
   *   `options.signal.reason` (or the reason `options.controller` was aborted with) when the
   *   caller aborts.
   */
  async execute<T>(
    fn: (signal: AbortSignal, attempt: number) => Promise<T>,
    options: RetryExecuteOptions = {},
  ): Promise<T> {
    const given = options.controller;
    const slot = await this.#slots.acquire(given ? given.signal : options.signal);
    // One controller per call, which the watchdog aborts: the caller's own, or one linked to the
    // caller's signal through one shared listener rather than a per-call AbortSignal.any (slow
    // on Node 20).
    const watchdog = given ?? new AbortController();
    const unlink = !given && options.signal ? linkAbort(options.signal, watchdog) : undefined;
    try {
      if (this.#active.size === 0) this.#lastProgress = this.#clock.now();
      this.#active.add(watchdog);
      this.#startWatchdog();
      const result = await this.#retryLoop(fn, watchdog.signal, options.name ?? "sample");
      this.#lastProgress = this.#clock.now();
      this.#completed += 1;
      return result;
    } catch (error) {
      // An attempt aborted by the watchdog may fail with anything; the caller learns why. (A
      // given controller's reason is the caller's, or the watchdog's if it came first.)
      if (watchdog.signal.aborted && (given || !options.signal?.aborted)) throw watchdog.signal.reason;
      throw error;
    } finally {
      unlink?.();
      this.#active.delete(watchdog);
      if (this.#active.size === 0) this.#stopWatchdogWhenIdle();
      slot.release();
    }
  }

  async #retryLoop<T>(
    fn: (signal: AbortSignal, attempt: number) => Promise<T>,
    signal: AbortSignal,
    name: string,
  ): Promise<T> {
    const startTime = this.#clock.now();
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      try {
        return await fn(signal, attempt);
      } catch (error) {
        if (signal.aborted) throw error;
        const retry = this.config.enableRetryLogic && isRetryableSampleError(error);
        this.#report(error, { name, retry, attempt, startTime });
        if (!retry) throw error;
        this.#retries += 1;
        this.#instrumentation?.recordRetry("sample", retryReason(error));
        const delayMs = sampleRetryDelayMs(attempt, this.config, this.#random());
        this.#logger.debug(
          `[${this.name}] attempt ${attempt + 1} failed (${describe(error)}); retrying in ${Math.round(delayMs)} ms`,
        );
        await this.#clock.sleep(delayMs, signal);
      }
    }
  }

  #report(error: unknown, at: { name: string; retry: boolean; attempt: number; startTime: number }): void {
    if (!this.#telemetry) return;
    const userError = isUserError(error);
    const currentTime = this.#clock.now();
    this.#telemetry.log(
      TelemetryEventNames.retryHandlerException,
      {
        func: at.name,
        exception: error instanceof Error ? error.message : String(error),
        exception_type: error instanceof Error ? error.constructor.name : typeof error,
        exception_stack: error instanceof Error ? (error.stack ?? null) : null,
        status_code: APIStatusError.isInstance(error) ? error.status : null,
        should_retry: at.retry,
        is_user_error: userError,
        attempt_count: at.attempt + 1,
        start_time: at.startTime / 1000,
        current_time: currentTime / 1000,
        elapsed_time: (currentTime - at.startTime) / 1000,
      },
      at.retry || userError ? "WARNING" : "ERROR",
    );
  }

  #startWatchdog(): void {
    if (!this.config.enableStuckDetection || this.#watchdogStop) return;
    const stop = new AbortController();
    this.#watchdogStop = stop;
    void this.#watch(stop.signal).catch(() => {
      // Stopped: the handler went idle.
    });
  }

  #stopWatchdog(): void {
    this.#watchdogStop?.abort();
    this.#watchdogStop = undefined;
  }

  /**
   * Stops the watchdog once the handler is still idle after the current turn of the event loop.
   * A caller awaiting one sample after another makes the handler idle for a moment only; the
   * watchdog then keeps running (the progress clock restarts all the same) rather than being
   * torn down and set up again for every call.
   */
  #stopWatchdogWhenIdle(): void {
    if (this.#idleCheck || !this.#watchdogStop) return;
    this.#idleCheck = true;
    setImmediate(() => {
      this.#idleCheck = false;
      if (this.#active.size === 0) this.#stopWatchdog();
    });
  }

  async #watch(stop: AbortSignal): Promise<void> {
    for (;;) {
      const waitMs = this.#lastProgress + this.config.progressTimeoutMs - this.#clock.now();
      if (waitMs > 0) {
        await this.#clock.sleep(waitMs, stop);
        continue;
      }
      // Idle, with the stop still to come: nothing is stuck.
      if (this.#active.size === 0) {
        this.#stopWatchdog();
        return;
      }
      const error = new StuckRequestsError(this.config.progressTimeoutMs, this.#request);
      this.#logger.error(`[${this.name}] ${error.message}`);
      for (const call of this.#active) call.abort(error);
      this.#active.clear();
      this.#stopWatchdog();
      return;
    }
  }
}

function retryReason(error: unknown): string {
  if (APIStatusError.isInstance(error)) return `status_${error.status}`;
  if (APIConnectionError.isInstance(error)) return "connection_error";
  return "promise_expired";
}

function describe(error: unknown): string {
  if (APIStatusError.isInstance(error)) return `status ${error.status}`;
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}
