import { randomUUID } from "node:crypto";
import {
  type GenericEvent,
  type SessionEndEvent,
  type SessionStartEvent,
  type Severity,
  type TelemetryEvent,
  type TelemetrySendRequest,
  type UnhandledExceptionEvent,
  WIRE_SDK_VERSION,
} from "@tinker-ts/types";
import { errorMessageOf, errorTypeOf } from "../error-type.js";
import { type Clock, systemClock } from "./clock.js";
import { getProcessUuid, isTelemetryEnabled, pythonPlatformSystem } from "./environment.js";
import { TelemetryEventNames } from "./event-names.js";
import { formatPythonTimedelta, formatPythonUtcTimestamp } from "./python-format.js";
import { findUserError, statusOf } from "./user-error.js";

/**
 * Sends one batch as `POST /api/v1/telemetry` and resolves with the parsed JSON response. The
 * HTTP package provides it (the reporter cannot depend on it): TELEMETRY pool, 5 s per attempt
 * ({@link TELEMETRY_HTTP_TIMEOUT_MS}, a Python float), the base client's retries, and no
 * `x-sdk-method` (Python sends telemetry from a background task, outside any public method). It
 * should stop when `signal` aborts. A rejection, or a response other than
 * `{"status":"accepted"}`, fails the batch.
 *
 * The body's keys are in the Python SDK's order, so `JSON.stringify(body)` and
 * `encodeRequestBody("TelemetrySendRequest", body)` of `@tinker-ts/types` write the same bytes as
 * Python SDK 0.38.0.
 */
export type TelemetryTransport = (body: TelemetrySendRequest, signal: AbortSignal) => Promise<unknown>;

/**
 * Per-attempt timeout the transport should apply to a telemetry POST, in ms: Python's
 * `HTTP_TIMEOUT_SECONDS: float = 5.0`. Python types it as a float, so its
 * `x-stainless-read-timeout` reads `5.0` (not `5`): a transport built on `@tinker-ts/http` sends
 * it with `timeoutType: "float"` (tinker-wire-spec.md §11).
 */
export const TELEMETRY_HTTP_TIMEOUT_MS = 5_000;

/** Where the reporter writes its own warnings (queue full, batch failed, drain timed out). */
export interface TelemetryLogger {
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

const consoleWarnLogger: TelemetryLogger = {
  warn: (message, fields) => console.warn(`[tinker] WARN ${message}`, ...(fields ? [fields] : [])),
};

/** Options of {@link TelemetryReporter}. Defaults are the Python SDK 0.38.0 constants. */
export interface TelemetryReporterOptions {
  /** Sends a batch; see {@link TelemetryTransport}. */
  readonly send: TelemetryTransport;
  /**
   * `sdk_version` of every batch: the Python SDK version whose protocol is spoken. Default
   * `WIRE_SDK_VERSION` of `@tinker-ts/types` ("0.38.0"); override only to mimic another release.
   */
  readonly sdkVersion?: string;
  /**
   * The session id. Omit for REST-only use: batches then carry `sessionless-<uuid4>` and no
   * SESSION_START / SESSION_END events are sent.
   */
  readonly sessionId?: string;
  /** Body `platform`. Default: Python's `platform.system()` for this process ({@link pythonPlatformSystem}). */
  readonly platform?: string;
  /** Body `process_uuid`. Default: {@link getProcessUuid}. */
  readonly processUuid?: string;
  /** Time source; default {@link systemClock}. */
  readonly clock?: Clock;
  /** Default: `console.warn`. */
  readonly logger?: TelemetryLogger;
  /**
   * Applied to error messages, stacks and bodies before they are queued, for example to mask
   * credentials. Default: identity.
   */
  readonly redact?: (text: string) => string;
  /** Period of the background flush in ms. Default 10 000 (Python `FLUSH_INTERVAL`). */
  readonly flushIntervalMs?: number;
  /** Most events waiting to be sent; more are dropped, counted and warned about (once a minute at most). Default 10 000. */
  readonly maxQueueSize?: number;
  /** Most events per POST. Default 100. */
  readonly maxBatchSize?: number;
  /** Bound in ms on the waits of {@link TelemetryReporter.close} and fatal exceptions. Default 30 000 (Python `FLUSH_TIMEOUT`). */
  readonly drainTimeoutMs?: number;
  /**
   * When set, a batch that failed to send is sent again after this many ms, until it succeeds
   * or the reporter is closed (the Python SDK ≤ 0.25 behaviour, which used 1000). Unset (the
   * default, Python SDK 0.38.0): a failed batch is dropped, since the transport already retried
   * it. Either way the queue cap holds, so memory stays bounded while the endpoint is down.
   */
  readonly retryFailedBatchAfterMs?: number;
}

/** Counters of a reporter, for diagnostics and tests. */
export interface TelemetryReporterStats {
  /** Events waiting in the queue (at most `maxQueueSize`). */
  readonly queued: number;
  /** Events in the batch being sent now (at most `maxBatchSize`). */
  readonly inFlight: number;
  /** Events the endpoint accepted. */
  readonly sentEvents: number;
  /** Events refused because the queue was full or the reporter was closed. */
  readonly droppedEvents: number;
  /** Events given up after failed sends, or left unsent when a close timed out. */
  readonly failedEvents: number;
  /** Send attempts that failed (rejected, or a response other than accepted). */
  readonly failedSends: number;
}

/** Options of {@link TelemetryReporter.capture}. */
export interface CaptureOptions {
  /**
   * Fatal: also send SESSION_END (session-ful reporters) and wait, at most `drainTimeoutMs`,
   * for the queue to drain before re-throwing. The Python SDK's public methods are all fatal.
   */
  readonly fatal?: boolean;
  /** Severity of an UNHANDLED_EXCEPTION event (user errors are always WARNING). Default ERROR. */
  readonly severity?: Severity;
}

/** Each kind of warning (queue full, send failed) is written at most once per this many ms. */
const WARNING_INTERVAL_MS = 60_000;

interface DrainWaiter {
  readonly target: number;
  readonly done: (drained: boolean) => void;
}

/**
 * The Tinker telemetry reporter (tinker-wire-spec.md §11, Python SDK 0.38.0 `lib/telemetry.py`):
 * queues events and sends them in batches to `POST /api/v1/telemetry` through an injected
 * transport, every `flushIntervalMs` and at once after an exception.
 *
 * It never throws and never blocks a caller, except where the Python SDK waits on purpose: a
 * fatal exception and {@link TelemetryReporter.close} wait for the queue to drain, at most
 * `drainTimeoutMs`. Memory is bounded by `maxQueueSize` events plus one batch in flight.
 *
 * Create one per ServiceClient with {@link createTelemetryReporter}, which honours
 * `TINKER_TELEMETRY`.
 */
export class TelemetryReporter {
  /** `session_id` of every batch: the session id, or `sessionless-<uuid4>`. */
  readonly sessionId: string;

  private readonly send: TelemetryTransport;
  private readonly sdkVersion: string;
  private readonly sessionless: boolean;
  private readonly platform: string;
  private readonly processUuid: string;
  private readonly clock: Clock;
  private readonly logger: TelemetryLogger;
  private readonly redact: (text: string) => string;
  private readonly flushIntervalMs: number;
  private readonly maxQueueSize: number;
  private readonly maxBatchSize: number;
  private readonly drainTimeoutMs: number;
  private readonly retryFailedBatchAfterMs: number | undefined;

  private readonly sessionStartMs: number;
  private sessionIndex = 0;
  private readonly queue: TelemetryEvent[] = [];
  private inFlight = 0;
  private pushed = 0;
  private settled = 0;
  private sentEvents = 0;
  private droppedEvents = 0;
  private failedEvents = 0;
  private failedSends = 0;
  private lastQueueFullWarningMs = Number.NEGATIVE_INFINITY;
  private lastFailureWarningMs = Number.NEGATIVE_INFINITY;
  private drainWaiters: DrainWaiter[] = [];
  /** Aborting it ends the current wait of the flush loop (a triggered flush). */
  private wake: AbortController | undefined;
  /** Aborted when a close gives up: cancels the send in flight and every retry wait. */
  private readonly stop = new AbortController();
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(options: TelemetryReporterOptions) {
    this.send = options.send;
    this.sdkVersion = options.sdkVersion ?? WIRE_SDK_VERSION;
    this.sessionless = options.sessionId === undefined;
    this.sessionId = options.sessionId ?? `sessionless-${randomUUID()}`;
    this.platform = options.platform ?? pythonPlatformSystem();
    this.processUuid = options.processUuid ?? getProcessUuid();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? consoleWarnLogger;
    this.redact = options.redact ?? ((text) => text);
    this.flushIntervalMs = options.flushIntervalMs ?? 10_000;
    this.maxQueueSize = options.maxQueueSize ?? 10_000;
    this.maxBatchSize = options.maxBatchSize ?? 100;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
    this.retryFailedBatchAfterMs = options.retryFailedBatchAfterMs;
    this.sessionStartMs = this.clock.now();
    if (!this.sessionless) this.enqueue([this.sessionStartEvent()]);
    void this.flushLoop();
  }

  /** Current counters. */
  get stats(): TelemetryReporterStats {
    return {
      queued: this.queue.length,
      inFlight: this.inFlight,
      sentEvents: this.sentEvents,
      droppedEvents: this.droppedEvents,
      failedEvents: this.failedEvents,
      failedSends: this.failedSends,
    };
  }

  /**
   * Queues a `GENERIC_EVENT`. `eventName` should be low-cardinality (see
   * {@link TelemetryEventNames}); `eventData` must be JSON-serialisable. Returns false when the
   * event was dropped (queue full, or reporter closed).
   */
  log(
    eventName: string,
    eventData: Readonly<Record<string, unknown>> = {},
    severity: Severity = "INFO",
  ): boolean {
    return this.guard(() => this.enqueue([this.genericEvent(eventName, eventData, severity)]));
  }

  /**
   * Queues `error` as a `user_error` event ({@link isUserError}) or an `UNHANDLED_EXCEPTION`,
   * and starts a flush without waiting for it. Returns false when the event was dropped.
   */
  logException(error: unknown, severity: Severity = "ERROR"): boolean {
    return this.guard(() => {
      const logged = this.enqueue([this.exceptionEvent(error, severity)]);
      this.triggerFlush();
      return logged;
    });
  }

  /**
   * Like {@link logException}, plus SESSION_END for a session-ful reporter, then waits until
   * everything queued so far is sent or given up, at most `drainTimeoutMs`. Never rejects.
   */
  async logFatalException(error: unknown, severity: Severity = "ERROR"): Promise<boolean> {
    const logged = this.guard(() => {
      const events = [this.exceptionEvent(error, severity)];
      if (!this.sessionless) events.push(this.sessionEndEvent());
      const ok = this.enqueue(events);
      this.triggerFlush();
      return ok;
    });
    await this.waitUntilDrained(this.drainTimeoutMs);
    return logged;
  }

  /**
   * Runs `fn`; when it rejects (or throws), reports the error ({@link logException}, or
   * {@link logFatalException} when `fatal`) and re-throws it unchanged. The Python SDK's
   * `@capture_exceptions`.
   */
  async capture<T>(fn: () => Promise<T> | T, options: CaptureOptions = {}): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const severity = options.severity ?? "ERROR";
      if (options.fatal) await this.logFatalException(error, severity);
      else this.logException(error, severity);
      throw error;
    }
  }

  /**
   * Flushes what is queued and stops. Resolves once everything was sent or given up, or after
   * `drainTimeoutMs`, whichever comes first; then the send in flight is aborted and unsent
   * events are discarded (counted in `failedEvents`). Events logged after `close()` are dropped.
   * Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.triggerFlush();
    if (!(await this.waitUntilDrained(this.drainTimeoutMs))) {
      this.logger.warn("Timed out draining telemetry during shutdown", {
        unsent: this.pushed - this.settled,
      });
    }
    this.stop.abort();
    this.wake?.abort();
    const left = this.queue.length;
    this.queue.length = 0;
    this.failedEvents += left;
    this.settle(left);
  }

  /** The background loop: waits `flushIntervalMs` or a trigger, then sends all that is queued. */
  private async flushLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      this.wake = new AbortController();
      try {
        await this.clock.sleep(this.flushIntervalMs, this.wake.signal);
      } catch {
        // Woken early: a triggered flush, or close.
      }
      this.wake = undefined;
      await this.drainQueue();
      if (this.closing) return;
    }
  }

  private triggerFlush(): void {
    this.wake?.abort();
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0 && !this.stop.signal.aborted) {
      const events = this.queue.splice(0, this.maxBatchSize);
      this.inFlight = events.length;
      const body: TelemetrySendRequest = {
        events,
        platform: this.platform,
        sdk_version: this.sdkVersion,
        session_id: this.sessionId,
        process_uuid: this.processUuid,
      };
      let sent = await this.trySend(body);
      while (!sent && this.retryFailedBatchAfterMs !== undefined && !this.stop.signal.aborted) {
        try {
          await this.clock.sleep(this.retryFailedBatchAfterMs, this.stop.signal);
        } catch {
          break;
        }
        sent = await this.trySend(body);
      }
      this.inFlight = 0;
      if (sent) this.sentEvents += events.length;
      else this.failedEvents += events.length;
      this.settle(events.length);
    }
  }

  private async trySend(body: TelemetrySendRequest): Promise<boolean> {
    let problem: string;
    try {
      const response = await this.send(body, this.stop.signal);
      if ((response as { status?: unknown } | null)?.status === "accepted") return true;
      problem = `unexpected response ${safeJson(response)}`;
    } catch (error) {
      problem = `${errorTypeOf(error)}: ${errorMessageOf(error)}`;
    }
    this.failedSends += 1;
    // Rate-limited: with the endpoint down, a warning per attempt would flood the log.
    const now = this.clock.now();
    if (now - this.lastFailureWarningMs >= WARNING_INTERVAL_MS) {
      this.lastFailureWarningMs = now;
      const action = this.retryFailedBatchAfterMs === undefined ? "dropping" : "will retry";
      this.logger.warn(`Telemetry batch failed to send (${problem}); ${action} it`, {
        events: body.events.length,
        failedSends: this.failedSends,
      });
    }
    return false;
  }

  private enqueue(events: TelemetryEvent[]): boolean {
    if (this.closing || this.queue.length + events.length > this.maxQueueSize) {
      this.droppedEvents += events.length;
      const now = this.clock.now();
      if (!this.closing && now - this.lastQueueFullWarningMs >= WARNING_INTERVAL_MS) {
        this.lastQueueFullWarningMs = now;
        this.logger.warn(`Telemetry queue full (${this.maxQueueSize} events), dropping events`, {
          droppedEvents: this.droppedEvents,
        });
      }
      return false;
    }
    this.queue.push(...events);
    this.pushed += events.length;
    return true;
  }

  private settle(count: number): void {
    this.settled += count;
    const waiting = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiting) {
      if (this.settled >= waiter.target) waiter.done(true);
      else this.drainWaiters.push(waiter);
    }
  }

  /** Resolves true once every event queued before the call is settled, false after `timeoutMs`. */
  private waitUntilDrained(timeoutMs: number): Promise<boolean> {
    const target = this.pushed;
    if (this.settled >= target) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = new AbortController();
      const waiter: DrainWaiter = {
        target,
        done: (drained) => {
          timer.abort();
          resolve(drained);
        },
      };
      this.drainWaiters.push(waiter);
      this.clock.sleep(timeoutMs, timer.signal).then(
        () => {
          this.drainWaiters = this.drainWaiters.filter((w) => w !== waiter);
          resolve(false);
        },
        () => {},
      );
    });
  }

  private guard(fn: () => boolean): boolean {
    try {
      return fn();
    } catch (error) {
      this.logger.warn(`Telemetry event could not be recorded: ${errorMessageOf(error)}`);
      return false;
    }
  }

  private nextIndex(): number {
    const index = this.sessionIndex;
    this.sessionIndex += 1;
    return index;
  }

  private sessionStartEvent(): SessionStartEvent {
    return {
      event: "SESSION_START",
      event_id: randomUUID(),
      event_session_index: this.nextIndex(),
      severity: "INFO",
      timestamp: formatPythonUtcTimestamp(this.sessionStartMs),
    };
  }

  private sessionEndEvent(): SessionEndEvent {
    const endMs = this.clock.now();
    return {
      duration: formatPythonTimedelta(endMs - this.sessionStartMs),
      event: "SESSION_END",
      event_id: randomUUID(),
      event_session_index: this.nextIndex(),
      severity: "INFO",
      timestamp: formatPythonUtcTimestamp(endMs),
    };
  }

  private genericEvent(
    eventName: string,
    eventData: Readonly<Record<string, unknown>>,
    severity: Severity,
  ): GenericEvent {
    return {
      event: "GENERIC_EVENT",
      event_id: randomUUID(),
      event_name: eventName,
      event_session_index: this.nextIndex(),
      severity,
      timestamp: formatPythonUtcTimestamp(this.clock.now()),
      event_data: eventData,
    };
  }

  private exceptionEvent(error: unknown, severity: Severity): TelemetryEvent {
    const userError = findUserError(error);
    if (userError === undefined) return this.unhandledExceptionEvent(error, severity);
    const data: Record<string, unknown> = { error_type: errorTypeOf(error) };
    const message = this.redact(errorMessageOf(error));
    if (message !== "") data["message"] = message;
    const status = statusOf(userError);
    if (status !== undefined) data["status_code"] = status;
    const body = (userError as { body?: unknown }).body;
    if (isPythonTruthy(body)) data["body"] = typeof body === "string" ? this.redact(body) : body;
    return this.genericEvent(TelemetryEventNames.userError, data, "WARNING");
  }

  private unhandledExceptionEvent(error: unknown, severity: Severity): UnhandledExceptionEvent {
    const traceback = tracebackOf(error);
    const base = {
      error_message: this.redact(errorMessageOf(error)),
      error_type: errorTypeOf(error),
      event: "UNHANDLED_EXCEPTION",
      event_id: randomUUID(),
      event_session_index: this.nextIndex(),
      severity,
      timestamp: formatPythonUtcTimestamp(this.clock.now()),
    } as const;
    // Python sends the key only when there is a traceback (model_dump exclude_none).
    return traceback === undefined ? base : { ...base, traceback: this.redact(traceback) };
  }
}

/** Python truthiness of a JSON-ish value: not null/undefined/false/0/""/[]/{}. */
function isPythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** The error's stack, followed by the stacks of its `cause` chain (as Python chains tracebacks). */
function tracebackOf(error: unknown): string | undefined {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; typeof current === "object" && current !== null && !seen.has(current); ) {
    seen.add(current);
    const stack = (current as { stack?: unknown }).stack;
    if (typeof stack === "string" && stack !== "") parts.push(stack);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length === 0 ? undefined : parts.join("\nCaused by: ");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Creates the reporter unless `TINKER_TELEMETRY` turns telemetry off ({@link isTelemetryEnabled});
 * returns `undefined` then. The Python SDK's `init_telemetry`.
 *
 * @param env environment to read `TINKER_TELEMETRY` from; default `process.env`.
 */
export function createTelemetryReporter(
  options: TelemetryReporterOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TelemetryReporter | undefined {
  return isTelemetryEnabled(env) ? new TelemetryReporter(options) : undefined;
}
