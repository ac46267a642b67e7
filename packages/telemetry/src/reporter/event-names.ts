// The telemetry wire shapes (TelemetryEvent, TelemetrySendRequest, Severity …) are the zod-inferred
// types of @tinker-ts/types (tinker-wire-spec.md §11). This module only names the generic events.

/**
 * Generic event names the Python SDK 0.38.0 sends (tinker-wire-spec.md §6.4, §7.2, §7.3, §11).
 * Other packages log through {@link TelemetryReporter.log} with these names and the Python
 * field names in `event_data`.
 */
export const TelemetryEventNames = {
  /** §7.2: func, exception, exception_type, exception_stack, status_code, is_retryable, is_user_error, attempt_count, start_time, current_time, elapsed_time. */
  executeWithRetriesException: "InternalClientHolder.execute_with_retries.exception",
  /** §7.3: the sampling RetryHandler's failures. */
  retryHandlerException: "RetryHandler.execute.exception",
  /** §6.4: an HTTP error status on a future poll. */
  futureApiStatusError: "APIFuture.result_async.api_status_error",
  /** §6.4: no response on a future poll (connection error or timeout). */
  futureConnectionError: "APIFuture.result_async.connection_error",
  /** §6.5: the caller's wait on a future expired. */
  futureTimeout: "APIFuture.result_async.timeout",
  /** §6.3: the server reported the request failed. */
  futureApplicationError: "APIFuture.result_async.application_error",
  /** §6.3: a protobuf result could not be decoded. */
  futureProtoDeserializationError: "APIFuture.result_async.proto_deserialization_error",
  /** §6.3: a JSON result did not match its schema. */
  futureValidationError: "APIFuture.result_async.validation_error",
  /** §11: a user error caught by a public method (sent instead of UNHANDLED_EXCEPTION). */
  userError: "user_error",
} as const;
