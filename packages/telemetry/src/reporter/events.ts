// Wire shapes of the telemetry endpoint (tinker-wire-spec.md §11; Python SDK 0.38.0
// `types/*_event.py`, `telemetry_send_request.py`). Keys are listed in the order pydantic
// serialises them (field declaration order), and the builders create objects in that order, so
// `JSON.stringify` of a batch matches the Python SDK's body byte for byte.
// TODO(types): switch to the zod schemas once @tinker-ts/types exports TelemetryEvent.

/** Log severity of an event. */
export type Severity = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

/** `SESSION_START`: queued when a session-ful reporter is created; timestamp = creation time. */
export interface SessionStartEvent {
  readonly event: "SESSION_START";
  readonly event_id: string;
  readonly event_session_index: number;
  readonly severity: Severity;
  readonly timestamp: string;
}

/** `SESSION_END`: sent with a fatal exception only; `duration` is Python `str(timedelta)` since the start. */
export interface SessionEndEvent {
  readonly duration: string;
  readonly event: "SESSION_END";
  readonly event_id: string;
  readonly event_session_index: number;
  readonly severity: Severity;
  readonly timestamp: string;
}

/** `UNHANDLED_EXCEPTION`: an error that is not a user error; `traceback` is the stack when known. */
export interface UnhandledExceptionEvent {
  readonly error_message: string;
  readonly error_type: string;
  readonly event: "UNHANDLED_EXCEPTION";
  readonly event_id: string;
  readonly event_session_index: number;
  readonly severity: Severity;
  readonly timestamp: string;
  readonly traceback?: string;
}

/** `GENERIC_EVENT`: a named event with a JSON payload (including `user_error`). */
export interface GenericEvent {
  readonly event: "GENERIC_EVENT";
  readonly event_id: string;
  /** Low-cardinality name, see {@link TelemetryEventNames}. */
  readonly event_name: string;
  readonly event_session_index: number;
  readonly severity: Severity;
  readonly timestamp: string;
  /** JSON-serialisable payload; `{}` when none. */
  readonly event_data: Readonly<Record<string, unknown>>;
}

/** One telemetry event. */
export type TelemetryEvent = SessionStartEvent | SessionEndEvent | UnhandledExceptionEvent | GenericEvent;

/** Body of `POST /api/v1/telemetry` (key order as sent). */
export interface TelemetrySendRequest {
  readonly events: readonly TelemetryEvent[];
  /** Python `platform.system()`: `Linux`, `Darwin`, `Windows` … */
  readonly platform: string;
  /** Version of the Python SDK protocol implemented (WIRE_SDK_VERSION, "0.38.0"). */
  readonly sdk_version: string;
  /** The session id, or `sessionless-<uuid4>` for REST-only use. */
  readonly session_id: string;
  /** A uuid4 per process, shared by every reporter in the process. */
  readonly process_uuid: string;
}

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
