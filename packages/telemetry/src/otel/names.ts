/**
 * Names of the spans' attributes, the span events and the metric instruments this package
 * records. HTTP names are the stable OpenTelemetry HTTP semantic conventions (v1.23+); Tinker
 * names live under `tinker.`.
 */
export const AttributeNames = {
  /** HTTP method, for example `POST` (semconv, stable). */
  httpRequestMethod: "http.request.method",
  /** HTTP status of the response; absent when no response arrived (semconv, stable). */
  httpResponseStatusCode: "http.response.status_code",
  /** Ordinal of this attempt's resend: 1 for the first retry; absent on the first attempt (semconv). */
  httpRequestResendCount: "http.request.resend_count",
  /** Size of the request body in bytes, after compression (semconv). */
  httpRequestBodySize: "http.request.body.size",
  /** Path of the request URL, without the query (semconv, stable). */
  urlPath: "url.path",
  /** URL scheme, `http` or `https` (semconv, stable). */
  urlScheme: "url.scheme",
  /** Low-cardinality route template, for example `/api/v1/training_runs/{run_id}` (semconv). */
  urlTemplate: "url.template",
  /** Host name or address of the server (semconv, stable). */
  serverAddress: "server.address",
  /** Port of the server; the scheme's default when the URL has none (semconv, stable). */
  serverPort: "server.port",
  /** Low-cardinality error class: the HTTP status as a string, or the error's name (semconv, stable). */
  errorType: "error.type",

  /** The server's `request_id` of a Tinker request (the id a future polls). */
  requestId: "tinker.request_id",
  /** Connection pool of the request (tinker-wire-spec.md §2.5): `train`, `sample`, `retrieve_promise` … */
  pool: "tinker.pool",
  /** Why a request is retried, for example `status_429` or `connection_error`. */
  retryReason: "tinker.retry.reason",
  /** Which retry layer (tinker-wire-spec.md §7.1) retried: see {@link RetryLayer}. */
  retryLayer: "tinker.retry.layer",
  /** Request type of a future (tinker-wire-spec.md §6.1), for example `ForwardBackward`. */
  requestType: "tinker.request_type",
  /** Number of `retrieve_future` polls a future sent. */
  futurePollCount: "tinker.future.poll_count",
  /** Seconds the future spent in a queue state other than `active` (paused by rate limit or capacity). */
  futureQueueTime: "tinker.future.queue_time_s",
  /** How a future ended: see {@link FutureOutcome}. */
  futureOutcome: "tinker.future.outcome",
  /** Queue state from a `try_again` reply (tinker-wire-spec.md §6.3): `active`, `paused_capacity` … */
  queueState: "tinker.queue_state",
  /** Free-text `queue_state_reason` from the server (span events only, never a metric attribute). */
  queueStateReason: "tinker.queue_state_reason",
  /** Name of a client operation, for example `forward_backward`. */
  operation: "tinker.operation",
} as const;

/**
 * Attributes of a client operation span, keyed by the option name callers use in
 * {@link OperationAttributes}.
 */
export const OperationAttributeNames = {
  modelId: "tinker.model_id",
  baseModel: "tinker.base_model",
  samplingSessionId: "tinker.sampling_session_id",
  seqId: "tinker.seq_id",
  lossFn: "tinker.loss_fn",
  datumCount: "tinker.datum_count",
  chunkCount: "tinker.chunk_count",
  requestBytes: "tinker.request.body.size",
  numSamples: "tinker.sample.num_samples",
  promptTokens: "tinker.sample.prompt_tokens",
  sampledTokens: "tinker.sample.sampled_tokens",
  learningRate: "tinker.optim.learning_rate",
  checkpointName: "tinker.checkpoint.name",
  checkpointPath: "tinker.checkpoint.path",
} as const;

/** Names of the span events. */
export const SpanEventNames = {
  /** A future's queue state changed; attributes `tinker.queue_state` and `tinker.queue_state_reason`. */
  queueStateChange: "tinker.queue_state_change",
  /** A retry layer above HTTP decided to retry; attributes `tinker.retry.layer`, `tinker.retry.reason`. */
  retry: "tinker.retry",
} as const;

/** Names of the metric instruments. */
export const MetricNames = {
  /** Histogram, seconds: duration of each HTTP attempt (semconv `http.client.request.duration`). */
  httpClientRequestDuration: "http.client.request.duration",
  /** Histogram, bytes: request body size of each HTTP attempt (semconv `http.client.request.body.size`). */
  httpClientRequestBodySize: "http.client.request.body.size",
  /** Counter, `{retry}`: retries by `tinker.retry.layer` and `tinker.retry.reason`. */
  retries: "tinker.client.retries",
  /** Counter, `{reply}`: `try_again` replies to future polls by `tinker.request_type` and `tinker.queue_state`. */
  tryAgain: "tinker.future.try_again",
  /** UpDownCounter, `{request}`: `sample` and `compute_logprobs` operations in flight. */
  samplesInFlight: "tinker.sample.in_flight",
} as const;

/** Instrumentation scope under which tracers and meters are obtained. */
export const INSTRUMENTATION_SCOPE = "@tinker-ts/telemetry";
