export {
  createInstrumentation,
  type FutureInfo,
  type FutureOutcome,
  type FutureSpan,
  type HttpAttemptInfo,
  type HttpAttemptResult,
  type HttpAttemptSpan,
  type Instrumentation,
  type InstrumentationOptions,
  type KnownOperationName,
  noopInstrumentation,
  type OperationAttributes,
  type OperationName,
  type OperationSpan,
  type RetryLayer,
} from "./otel/instrumentation.js";
export {
  AttributeNames,
  INSTRUMENTATION_SCOPE,
  MetricNames,
  OperationAttributeNames,
  SpanEventNames,
} from "./otel/names.js";
export { type Clock, systemClock } from "./reporter/clock.js";
export { getProcessUuid, isTelemetryEnabled, pythonPlatformSystem } from "./reporter/environment.js";
export {
  type GenericEvent,
  type SessionEndEvent,
  type SessionStartEvent,
  type Severity,
  type TelemetryEvent,
  TelemetryEventNames,
  type TelemetrySendRequest,
  type UnhandledExceptionEvent,
} from "./reporter/events.js";
export { formatPythonTimedelta, formatPythonUtcTimestamp } from "./reporter/python-format.js";
export {
  type CaptureOptions,
  createTelemetryReporter,
  TELEMETRY_HTTP_TIMEOUT_MS,
  type TelemetryLogger,
  TelemetryReporter,
  type TelemetryReporterOptions,
  type TelemetryReporterStats,
  type TelemetryTransport,
} from "./reporter/reporter.js";
export { findUserError, isUserError } from "./reporter/user-error.js";
