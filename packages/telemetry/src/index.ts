// The wire shapes the reporter emits, re-exported from @tinker-ts/types for the reporter's users.
export type {
  GenericEvent,
  SessionEndEvent,
  SessionStartEvent,
  Severity,
  TelemetryEvent,
  TelemetrySendRequest,
  UnhandledExceptionEvent,
} from "@tinker-ts/types";
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
export { type Clock, createSystemClock, systemClock } from "./reporter/clock.js";
export { getProcessUuid, isTelemetryEnabled, pythonPlatformSystem } from "./reporter/environment.js";
export { TelemetryEventNames } from "./reporter/event-names.js";
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
