import {
  type Attributes,
  type Counter,
  context,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
  type UpDownCounter,
} from "@opentelemetry/api";
import { errorMessageOf, errorTypeOf } from "../error-type.js";
import { AttributeNames, MetricNames, OperationAttributeNames, SpanEventNames } from "./names.js";
import { MeterSource, TracerSource } from "./providers.js";
import { injectW3CTraceContext } from "./trace-context.js";

/** Options of {@link createInstrumentation}. */
export interface InstrumentationOptions {
  /**
   * Tracer provider to record spans with. Default: the provider registered globally with
   * `@opentelemetry/api` (looked up on every call, so one registered later is picked up). When
   * neither exists, no span is created.
   */
  readonly tracerProvider?: TracerProvider;
  /** Meter provider to record metrics with. Default: the global one; none means no metrics. */
  readonly meterProvider?: MeterProvider;
  /**
   * Write W3C `traceparent` (and `tracestate`) headers onto outgoing requests through
   * {@link HttpAttemptSpan.injectTraceContext}. Off by default: it tells the server about the
   * application's traces.
   */
  readonly propagateTraceContext?: boolean;
  /** Monotonic clock in milliseconds for metric durations and queue times. Default `performance.now()`. */
  readonly now?: () => number;
}

/** What the HTTP layer knows when it starts one attempt of a request. */
export interface HttpAttemptInfo {
  /** HTTP method, upper case (`POST`). */
  readonly method: string;
  /** Absolute request URL; the query string is never recorded. Parsed only when recording. */
  readonly url: string | URL;
  /** Route template when the path holds ids, for example `/api/v1/training_runs/{run_id}`; names the span. */
  readonly urlTemplate?: string;
  /** Connection pool (tinker-wire-spec.md §2.5): `session`, `sample`, `train`, `retrieve_promise` … */
  readonly pool?: string;
  /** 0 for the first attempt, n for the n-th retry of the same request (tinker-wire-spec.md §1.5). */
  readonly resendCount?: number;
  /** Request body size in bytes as sent (after compression). */
  readonly requestBytes?: number;
}

/** How one HTTP attempt ended. */
export interface HttpAttemptResult {
  /** HTTP status of the response; omit when none arrived (connection error, timeout, abort). */
  readonly statusCode?: number;
  /** The error that ended the attempt, if any (transport error, or the status error raised). */
  readonly error?: unknown;
  /** Tinker `request_id` from the response, when the endpoint returned one. */
  readonly requestId?: string;
  /** Set when the HTTP layer will retry this request, to why: for example `status_429`, `connection_error`. */
  readonly retryReason?: string;
}

/** A started HTTP attempt. Call {@link HttpAttemptSpan.end} exactly once; later calls are ignored. */
export interface HttpAttemptSpan {
  /**
   * Writes `traceparent` (and `tracestate`) naming this attempt's span into `headers`, when
   * trace-context propagation is on and a span is being recorded; otherwise leaves `headers` alone.
   */
  injectTraceContext(headers: Record<string, string>): void;
  /** Ends the span and records the duration, body size and retry metrics. */
  end(result: HttpAttemptResult): void;
}

/** What the futures layer knows when it starts waiting on a future (tinker-wire-spec.md §6.1). */
export interface FutureInfo {
  /** Request type: `ForwardBackward`, `Forward`, `OptimStep`, `Sample`, `SaveWeights` … */
  readonly requestType: string;
  /** The server's `request_id` being polled. */
  readonly requestId: string;
}

/**
 * How a future ended: `success` (a result), `failed` (the server reported the request failed,
 * `RequestFailedError`), `error` (polling gave up: fatal status, 410, decoding), `cancelled`
 * (aborted by the caller), `timeout` (the caller's wait expired).
 */
export type FutureOutcome = "success" | "failed" | "error" | "cancelled" | "timeout";

/** A future being waited on. Call {@link FutureSpan.end} exactly once; later calls are ignored. */
export interface FutureSpan {
  /** Runs `fn` with this future's span active, so the polls' HTTP attempt spans become its children. */
  run<T>(fn: () => T): T;
  /** Counts one `retrieve_future` poll about to be sent. */
  poll(): void;
  /** Records a `try_again` reply (tinker-wire-spec.md §6.3): counts it and notes its queue state. */
  tryAgain(queueState: string, queueStateReason?: string): void;
  /**
   * Notes a queue state learned otherwise (the body of a 408 poll, §6.4). A state or reason that
   * differs from the last one becomes a `tinker.queue_state_change` span event.
   */
  queueState(queueState: string, queueStateReason?: string): void;
  /** Ends the span with its poll count, queue time and outcome. */
  end(outcome: FutureOutcome, error?: unknown): void;
}

/** Attributes of a client operation; each maps to a `tinker.*` span attribute ({@link OperationAttributeNames}). */
export interface OperationAttributes {
  /** Training model id. */
  readonly modelId?: string;
  /** Base model name, for example `Qwen/Qwen3-8B`. */
  readonly baseModel?: string;
  /** Sampling session id. */
  readonly samplingSessionId?: string;
  /** seq_id reserved by the call (tinker-wire-spec.md §8.1); the first one for a chunked call. */
  readonly seqId?: number;
  /** Loss function, for example `cross_entropy`. */
  readonly lossFn?: string;
  /** Number of Datum in a forward / forward_backward call. */
  readonly datumCount?: number;
  /** Number of chunks a forward_backward was split into (tinker-wire-spec.md §8.2). */
  readonly chunkCount?: number;
  /** Request body bytes of the whole operation, over all chunks. */
  readonly requestBytes?: number;
  /** `num_samples` of a sample call. */
  readonly numSamples?: number;
  /** Prompt length in tokens. */
  readonly promptTokens?: number;
  /** Tokens sampled, over all sequences. */
  readonly sampledTokens?: number;
  /** Adam learning rate of an optim_step. */
  readonly learningRate?: number;
  /** Checkpoint name given to a save call. */
  readonly checkpointName?: string;
  /** `tinker://` path of the checkpoint saved or loaded. */
  readonly checkpointPath?: string;
}

/** Operation names the clients use; any other string is allowed. */
export type KnownOperationName =
  | "create_model"
  | "forward"
  | "forward_backward"
  | "forward_backward_custom"
  | "optim_step"
  | "save_state"
  | "load_state"
  | "load_state_with_optimizer"
  | "save_weights_for_sampler"
  | "create_sampling_client"
  | "sample"
  | "compute_logprobs";

/** Name of a client operation: a {@link KnownOperationName} or another snake_case method name. */
export type OperationName = KnownOperationName | (string & {});

/** The span of a running operation, for attributes known only later (for example sampled tokens). */
export interface OperationSpan {
  setAttributes(attributes: OperationAttributes): void;
}

/** Retry layers of tinker-wire-spec.md §7.1. */
export type RetryLayer = "http" | "execute_with_retries" | "future_poll" | "sample";

/**
 * The hooks the HTTP, futures and clients packages call. Every method is safe to call at any
 * time and never throws; with no tracer or meter provider the calls return shared no-op objects.
 */
export interface Instrumentation {
  /** Starts a span (kind CLIENT) for one HTTP attempt, child of the active span. */
  httpAttempt(info: HttpAttemptInfo): HttpAttemptSpan;
  /** Starts a span for waiting on one future, child of the active span (the operation). */
  future(info: FutureInfo): FutureSpan;
  /**
   * Runs `fn` inside a new active span `tinker.<name>` and ends the span when the returned
   * promise settles (status ERROR and `error.type` when it rejects). Returns `fn`'s outcome
   * unchanged; a synchronous throw from `fn` becomes a rejection. `sample` and
   * `compute_logprobs` also count in the `tinker.sample.in_flight` gauge while they run.
   */
  operation<T>(
    name: OperationName,
    attributes: OperationAttributes,
    fn: (span: OperationSpan) => Promise<T>,
  ): Promise<T>;
  /**
   * Records that a layer above HTTP retries (execute_with_retries, a future poll, the sampling
   * RetryHandler): counts it and adds a `tinker.retry` event to the active span.
   */
  recordRetry(layer: RetryLayer, reason: string): void;
}

const NOOP_HTTP_ATTEMPT: HttpAttemptSpan = Object.freeze({
  injectTraceContext() {},
  end() {},
});

const NOOP_FUTURE: FutureSpan = Object.freeze({
  run: <T>(fn: () => T): T => fn(),
  poll() {},
  tryAgain() {},
  queueState() {},
  end() {},
});

const NOOP_OPERATION: OperationSpan = Object.freeze({ setAttributes() {} });

function runNoopOperation<T>(fn: (span: OperationSpan) => Promise<T>): Promise<T> {
  try {
    return fn(NOOP_OPERATION);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** An {@link Instrumentation} that records nothing, whatever providers are registered. */
export const noopInstrumentation: Instrumentation = Object.freeze({
  httpAttempt: () => NOOP_HTTP_ATTEMPT,
  future: () => NOOP_FUTURE,
  operation: <T>(
    _name: OperationName,
    _attributes: OperationAttributes,
    fn: (span: OperationSpan) => Promise<T>,
  ) => runNoopOperation(fn),
  recordRetry() {},
});

interface Instruments {
  readonly requestDuration: Histogram;
  readonly requestBodySize: Histogram;
  readonly retries: Counter;
  readonly tryAgain: Counter;
  readonly samplesInFlight: UpDownCounter;
}

// The semconv advice for HTTP client durations, extended past 10 s because retrieve_future
// long-polls for up to 45 s (tinker-wire-spec.md §6.2).
const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 30, 45, 60,
];

function buildInstruments(meter: Meter): Instruments {
  return {
    requestDuration: meter.createHistogram(MetricNames.httpClientRequestDuration, {
      description: "Duration of HTTP client requests (one per attempt).",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    }),
    requestBodySize: meter.createHistogram(MetricNames.httpClientRequestBodySize, {
      description: "Size of HTTP client request bodies, as sent.",
      unit: "By",
    }),
    retries: meter.createCounter(MetricNames.retries, {
      description: "Retries of Tinker requests, by retry layer and reason.",
      unit: "{retry}",
    }),
    tryAgain: meter.createCounter(MetricNames.tryAgain, {
      description: "try_again replies to retrieve_future polls, by request type and queue state.",
      unit: "{reply}",
    }),
    samplesInFlight: meter.createUpDownCounter(MetricNames.samplesInFlight, {
      description: "sample and compute_logprobs operations in flight.",
      unit: "{request}",
    }),
  };
}

const SAMPLE_OPERATIONS: ReadonlySet<string> = new Set(["sample", "compute_logprobs"]);

function defaultNow(): number {
  return performance.now();
}

/**
 * Creates the instrumentation the SDK packages report through (tinker-wire-spec.md has no
 * OpenTelemetry section; spans and metrics are a tinker-ts addition and put nothing on the wire
 * unless `propagateTraceContext` is on).
 *
 * Spans: `tinker.<operation>` (INTERNAL) → `tinker.future.<RequestType>` (INTERNAL) → one span
 * per HTTP attempt named by its method (CLIENT). Wrap a training step in an application span to
 * make the step one trace.
 *
 * Metrics: see {@link MetricNames}.
 *
 * With no provider registered each call costs a few global lookups and returns a shared no-op
 * object (measured by `bench/telemetry-overhead.mjs`).
 */
export function createInstrumentation(options: InstrumentationOptions = {}): Instrumentation {
  const tracers = new TracerSource(options.tracerProvider);
  const meters = new MeterSource(options.meterProvider, buildInstruments);
  const now = options.now ?? defaultNow;
  const propagate = options.propagateTraceContext ?? false;

  return {
    httpAttempt(info) {
      const tracer = tracers.current();
      const instruments = meters.current();
      if (tracer === undefined && instruments === undefined) return NOOP_HTTP_ATTEMPT;
      const attributes = httpAttemptAttributes(info);
      const span = tracer?.startSpan(info.urlTemplate ? `${info.method} ${info.urlTemplate}` : info.method, {
        kind: SpanKind.CLIENT,
        attributes: attributes.span,
      });
      return new RecordingHttpAttempt(
        span,
        instruments,
        attributes.metric,
        info.requestBytes,
        now,
        propagate,
      );
    },

    future(info) {
      const tracer = tracers.current();
      const instruments = meters.current();
      if (tracer === undefined && instruments === undefined) return NOOP_FUTURE;
      const span = tracer?.startSpan(`tinker.future.${info.requestType}`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          [AttributeNames.requestType]: info.requestType,
          [AttributeNames.requestId]: info.requestId,
        },
      });
      return new RecordingFuture(span, instruments, info.requestType, now);
    },

    operation<T>(
      name: OperationName,
      attributes: OperationAttributes,
      fn: (span: OperationSpan) => Promise<T>,
    ): Promise<T> {
      const tracer = tracers.current();
      const instruments = meters.current();
      if (tracer === undefined && instruments === undefined) return runNoopOperation(fn);
      const span = tracer?.startSpan(`tinker.${name}`, {
        kind: SpanKind.INTERNAL,
        attributes: { [AttributeNames.operation]: name, ...operationAttributes(attributes) },
      });
      const inFlight = SAMPLE_OPERATIONS.has(name) ? instruments?.samplesInFlight : undefined;
      const inFlightAttributes = { [AttributeNames.operation]: name };
      inFlight?.add(1, inFlightAttributes);
      const finish = (failed: boolean, error?: unknown): void => {
        inFlight?.add(-1, inFlightAttributes);
        if (span === undefined) return;
        if (failed) markError(span, errorTypeOf(error), error);
        span.end();
      };
      const handle: OperationSpan = span
        ? { setAttributes: (more) => span.setAttributes(operationAttributes(more)) }
        : NOOP_OPERATION;
      let result: Promise<T>;
      try {
        result = span
          ? context.with(trace.setSpan(context.active(), span), fn, undefined, handle)
          : fn(handle);
      } catch (error) {
        result = Promise.reject(error);
      }
      return result.then(
        (value) => {
          finish(false);
          return value;
        },
        (error: unknown) => {
          finish(true, error);
          throw error;
        },
      );
    },

    recordRetry(layer, reason) {
      const instruments = meters.current();
      const attributes = { [AttributeNames.retryLayer]: layer, [AttributeNames.retryReason]: reason };
      instruments?.retries.add(1, attributes);
      if (tracers.current() !== undefined) trace.getActiveSpan()?.addEvent(SpanEventNames.retry, attributes);
    },
  };
}

function operationAttributes(attributes: OperationAttributes): Attributes {
  const out: Attributes = {};
  for (const key of Object.keys(attributes) as (keyof OperationAttributes)[]) {
    const value = attributes[key];
    if (value !== undefined) out[OperationAttributeNames[key]] = value;
  }
  return out;
}

function httpAttemptAttributes(info: HttpAttemptInfo): { span: Attributes; metric: Attributes } {
  const metric: Attributes = { [AttributeNames.httpRequestMethod]: info.method };
  const span: Attributes = {};
  // An unparsable URL (a caller bug) costs the URL attributes, never an exception.
  const url =
    typeof info.url !== "string" ? info.url : URL.canParse(info.url) ? new URL(info.url) : undefined;
  if (url !== undefined) {
    const scheme = url.protocol.slice(0, -1);
    metric[AttributeNames.serverAddress] = url.hostname;
    metric[AttributeNames.serverPort] = url.port === "" ? (scheme === "https" ? 443 : 80) : Number(url.port);
    metric[AttributeNames.urlScheme] = scheme;
    span[AttributeNames.urlPath] = url.pathname;
  }
  if (info.urlTemplate !== undefined) metric[AttributeNames.urlTemplate] = info.urlTemplate;
  if (info.pool !== undefined) metric[AttributeNames.pool] = info.pool;
  if (info.resendCount) span[AttributeNames.httpRequestResendCount] = info.resendCount;
  if (info.requestBytes !== undefined) span[AttributeNames.httpRequestBodySize] = info.requestBytes;
  return { span: { ...metric, ...span }, metric };
}

/** Sets `error.type`, status ERROR with the error's message, and an exception event for an Error. */
function markError(span: Span, errorType: string, error: unknown): void {
  span.setAttribute(AttributeNames.errorType, errorType);
  if (error === undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    return;
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessageOf(error) });
  if (error instanceof Error) span.recordException(error);
}

class RecordingHttpAttempt implements HttpAttemptSpan {
  private readonly startMs: number;
  private ended = false;

  constructor(
    private readonly span: Span | undefined,
    private readonly instruments: Instruments | undefined,
    private readonly metricAttributes: Attributes,
    private readonly requestBytes: number | undefined,
    private readonly now: () => number,
    private readonly propagate: boolean,
  ) {
    this.startMs = now();
  }

  injectTraceContext(headers: Record<string, string>): void {
    if (this.propagate && this.span !== undefined) injectW3CTraceContext(this.span.spanContext(), headers);
  }

  end(result: HttpAttemptResult): void {
    if (this.ended) return;
    this.ended = true;
    const durationS = (this.now() - this.startMs) / 1000;
    const attributes: Attributes = { ...this.metricAttributes };
    if (result.statusCode !== undefined)
      attributes[AttributeNames.httpResponseStatusCode] = result.statusCode;
    // semconv: the status code when the response was an error, else the exception's class.
    const errorType =
      result.statusCode !== undefined && result.statusCode >= 400
        ? String(result.statusCode)
        : result.error !== undefined
          ? errorTypeOf(result.error)
          : undefined;
    if (errorType !== undefined) attributes[AttributeNames.errorType] = errorType;

    const instruments = this.instruments;
    if (instruments !== undefined) {
      instruments.requestDuration.record(durationS, attributes);
      if (this.requestBytes !== undefined) instruments.requestBodySize.record(this.requestBytes, attributes);
      if (result.retryReason !== undefined) {
        instruments.retries.add(1, {
          [AttributeNames.retryLayer]: "http",
          [AttributeNames.retryReason]: result.retryReason,
        });
      }
    }

    const span = this.span;
    if (span === undefined) return;
    if (result.statusCode !== undefined)
      span.setAttribute(AttributeNames.httpResponseStatusCode, result.statusCode);
    if (result.requestId !== undefined) span.setAttribute(AttributeNames.requestId, result.requestId);
    if (result.retryReason !== undefined) span.setAttribute(AttributeNames.retryReason, result.retryReason);
    if (errorType !== undefined) markError(span, errorType, result.error);
    span.end();
  }
}

class RecordingFuture implements FutureSpan {
  private polls = 0;
  private lastState: string | undefined;
  private lastReason: string | undefined;
  private pausedSinceMs: number | undefined;
  private queuedMs = 0;
  private ended = false;

  constructor(
    private readonly span: Span | undefined,
    private readonly instruments: Instruments | undefined,
    private readonly requestType: string,
    private readonly now: () => number,
  ) {}

  run<T>(fn: () => T): T {
    return this.span ? context.with(trace.setSpan(context.active(), this.span), fn) : fn();
  }

  poll(): void {
    this.polls += 1;
  }

  tryAgain(queueState: string, queueStateReason?: string): void {
    this.instruments?.tryAgain.add(1, {
      [AttributeNames.requestType]: this.requestType,
      [AttributeNames.queueState]: queueState,
    });
    this.queueState(queueState, queueStateReason);
  }

  queueState(queueState: string, queueStateReason?: string): void {
    if (this.ended || (queueState === this.lastState && queueStateReason === this.lastReason)) return;
    this.lastState = queueState;
    this.lastReason = queueStateReason;
    if (queueState !== "active") {
      this.pausedSinceMs ??= this.now();
    } else if (this.pausedSinceMs !== undefined) {
      this.queuedMs += this.now() - this.pausedSinceMs;
      this.pausedSinceMs = undefined;
    }
    const attributes: Attributes = { [AttributeNames.queueState]: queueState };
    if (queueStateReason !== undefined) attributes[AttributeNames.queueStateReason] = queueStateReason;
    this.span?.addEvent(SpanEventNames.queueStateChange, attributes);
  }

  end(outcome: FutureOutcome, error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    if (span === undefined) return;
    if (this.pausedSinceMs !== undefined) this.queuedMs += this.now() - this.pausedSinceMs;
    span.setAttributes({
      [AttributeNames.futureOutcome]: outcome,
      [AttributeNames.futurePollCount]: this.polls,
      [AttributeNames.futureQueueTime]: this.queuedMs / 1000,
    });
    if (outcome !== "success") markError(span, error === undefined ? outcome : errorTypeOf(error), error);
    span.end();
  }
}
