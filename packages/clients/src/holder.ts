import { BytesSemaphore } from "@tinker-ts/futures";
import {
  APIStatusError,
  type AttemptEvent,
  type AttemptObservation,
  type AttemptStart,
  authenticateForClientConfig,
  type Clock,
  DynamicConfigRefresher,
  fetchClientConfig,
  fetchInitialDynamicConfig,
  type HttpObserver,
  type Logger,
  MIN_DYNAMIC_REFRESH_MS,
  type OuterRetryEvent,
  redactText,
  TinkerHttp,
  type TinkerHttpOptions,
} from "@tinker-ts/http";
import {
  createTelemetryReporter,
  type Instrumentation,
  isUserError,
  TELEMETRY_HTTP_TIMEOUT_MS,
  TelemetryEventNames,
  type TelemetryReporter,
} from "@tinker-ts/telemetry";
import {
  type ClientConfigResponse,
  type ClientDynamicConfigResponse,
  CreateSessionResponseSchema,
  encodeRequestBody,
  TelemetryResponseSchema,
  TinkerError,
} from "@tinker-ts/types";
import type { ClientContext } from "./context.js";
import { SessionHeartbeat } from "./heartbeat.js";

/** What a session holder creates its session with (tinker-wire-spec.md §3.2 create_session). */
export interface SessionSpec {
  readonly userMetadata: Readonly<Record<string, string>> | undefined;
  readonly projectId: string | undefined;
  readonly displayName: string | undefined;
}

/** Everything a {@link ClientHolder} is built from. */
export interface HolderSpec {
  /** Options of the holder's own TinkerHttp (resolved config, clock, logger, env …). */
  readonly http: TinkerHttpOptions;
  /** The session to create; `undefined` for the session-less REST holder. */
  readonly session: SessionSpec | undefined;
  readonly instrumentation: Instrumentation;
  /** Environment that decides whether the Tinker telemetry reporter runs (`TINKER_TELEMETRY`). */
  readonly telemetryEnv: Readonly<Record<string, string | undefined>>;
  /** Clock of the background loops (heartbeat, dynamic config, telemetry flush). */
  readonly backgroundClock: Clock;
  /** Aborted when the ServiceClient closes. */
  readonly closeSignal: AbortSignal;
  /** Throws once the ServiceClient is closed. */
  readonly assertOpen: () => void;
}

/**
 * One bootstrapped connection to Tinker (Python `InternalClientHolder`, tinker-wire-spec.md
 * §2.1–§2.4): its own TinkerHttp and pools, the client config, the auth view (API key or JWT),
 * the dynamic config, and — for a session holder — the session with its heartbeat and the
 * dynamic-config refresh. Its {@link ClientHolder.context} is what the clients it serves use.
 */
export class ClientHolder {
  readonly context: ClientContext;
  readonly #http: TinkerHttp;
  readonly #base: TinkerHttp;
  readonly #heartbeat: SessionHeartbeat | undefined;
  readonly #refreshStop = new AbortController();
  readonly #telemetry: TelemetryReporter | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    spec: HolderSpec,
    base: TinkerHttp,
    http: TinkerHttp,
    clientConfig: ClientConfigResponse,
    dynamic: DynamicConfigRefresher,
    sessionId: string | undefined,
    telemetry: TelemetryReporter | undefined,
  ) {
    this.#base = base;
    this.#http = http;
    this.#telemetry = telemetry;
    let samplingSessionSeqId = 0;
    this.context = {
      http,
      clientConfig,
      get dynamicConfig(): ClientDynamicConfigResponse {
        return dynamic.current;
      },
      sessionId,
      responseBudget: new BytesSemaphore(clientConfig.inflight_response_bytes_semaphore_size),
      instrumentation: spec.instrumentation,
      telemetry,
      logger: http.logger,
      clock: http.clock,
      closeSignal: spec.closeSignal,
      nextSamplingSessionSeqId: () => {
        if (sessionId === undefined) {
          throw new TinkerError(
            "sampling_session_seq_id is unavailable on a session-less (REST-only) client",
          );
        }
        return samplingSessionSeqId++;
      },
      assertOpen: spec.assertOpen,
    };
    if (sessionId !== undefined) {
      this.#heartbeat = new SessionHeartbeat({
        http,
        sessionId,
        clock: spec.backgroundClock,
        logger: http.logger,
      });
      this.#heartbeat.start();
      void refreshLoop(dynamic, spec.backgroundClock, this.#refreshStop.signal);
    }
  }

  /**
   * Runs the startup sequence of tinker-wire-spec.md §2.3: `POST /client/config` (inside
   * `executeWithRetries`), the auth view (JWT exchange when `pjwt_auth_enabled`), the dynamic
   * config (404 → defaults), and for a session holder `POST /create_session` (base-client retries
   * only), then starts the heartbeat and the dynamic-config refresh, and the telemetry reporter
   * (which queues SESSION_START for a session, §11).
   *
   * @throws the first error of the sequence (HTTP errors, `signal.reason` on close); everything
   *   opened so far is closed again.
   */
  static async start(spec: HolderSpec): Promise<ClientHolder> {
    const observer = new HolderObserver(spec.instrumentation);
    const base = new TinkerHttp({ ...spec.http, observer });
    const signal = spec.closeSignal;
    let http = base;
    try {
      const clientConfig = await fetchClientConfig(base, { signal });
      http = authenticateForClientConfig(base, clientConfig);
      const initialDynamic = await fetchInitialDynamicConfig(http, { signal });
      const sessionId = spec.session ? await createSession(http, spec.session, signal) : undefined;
      const telemetry = createTelemetryReporter(
        {
          send: (body, sendSignal) =>
            http.requestJson(
              {
                method: "POST",
                path: "/api/v1/telemetry",
                body: encodeRequestBody("TelemetrySendRequest", body),
                pool: "telemetry",
                timeoutMs: TELEMETRY_HTTP_TIMEOUT_MS,
                // Python's HTTP_TIMEOUT_SECONDS is the float 5.0: x-stainless-read-timeout: 5.0.
                timeoutType: "float",
                signal: sendSignal,
              },
              (value) => TelemetryResponseSchema.parse(value),
            ),
          ...(sessionId === undefined ? {} : { sessionId }),
          clock: spec.backgroundClock,
          logger: http.logger,
          redact: redactText,
        },
        spec.telemetryEnv,
      );
      observer.telemetry = telemetry;
      const dynamic = new DynamicConfigRefresher(http, initialDynamic);
      return new ClientHolder(spec, base, http, clientConfig, dynamic, sessionId, telemetry);
    } catch (error) {
      await http.close();
      await base.close();
      throw error;
    }
  }

  /**
   * Stops the heartbeat and the dynamic-config refresh, flushes telemetry (at most 30 s), then
   * closes the pools. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#heartbeat?.stop();
      this.#refreshStop.abort();
      await this.#telemetry?.close();
      await this.#http.close();
      await this.#base.close();
    })();
    return this.#closing;
  }
}

/** `POST /api/v1/create_session` (§3.2): base-client retries only, messages logged by level. */
async function createSession(http: TinkerHttp, spec: SessionSpec, signal: AbortSignal): Promise<string> {
  const body = encodeRequestBody("CreateSessionRequest", {
    tags: [...http.config.tags],
    user_metadata: { ...spec.userMetadata },
    sdk_version: http.config.sdkVersion,
    project_id: spec.projectId,
    display_name: spec.displayName,
  });
  const response = await http.requestJson(
    { method: "POST", path: "/api/v1/create_session", body, pool: "session", signal },
    (value) => CreateSessionResponseSchema.parse(value),
  );
  logMessages(http.logger, response);
  return response.session_id;
}

function logMessages(
  logger: Logger,
  response: {
    info_message?: string | null | undefined;
    warning_message?: string | null | undefined;
    error_message?: string | null | undefined;
  },
): void {
  if (response.info_message) logger.info(response.info_message);
  if (response.warning_message) logger.warn(response.warning_message);
  if (response.error_message) logger.error(response.error_message);
}

/** The dynamic-config refresh (§2.3 step 6) on the background clock; ends when `signal` aborts. */
async function refreshLoop(
  dynamic: DynamicConfigRefresher,
  clock: Clock,
  signal: AbortSignal,
): Promise<void> {
  try {
    for (;;) {
      const periodMs = Math.max(dynamic.current.refresh_interval_sec * 1000, MIN_DYNAMIC_REFRESH_MS);
      await clock.sleep(periodMs, signal);
      await dynamic.refreshOnce(signal);
    }
  } catch {
    // Only an abort (close) ends the loop: refreshOnce keeps the last good config on failures.
  }
}

/**
 * Connects the HTTP layer to telemetry: one `Instrumentation.httpAttempt` span per HTTP attempt
 * (retries and `retrieve_future` polls included, W3C trace context added when enabled), and the
 * holder's `executeWithRetries` failures reported as the Python SDK does (event
 * `InternalClientHolder.execute_with_retries.exception`, §7.2) and counted in the OpenTelemetry
 * metrics. The reporter is attached once the bootstrap created it.
 */
class HolderObserver implements HttpObserver {
  telemetry: TelemetryReporter | undefined;
  readonly #instrumentation: Instrumentation;

  constructor(instrumentation: Instrumentation) {
    this.#instrumentation = instrumentation;
  }

  startAttempt(start: AttemptStart): AttemptObservation {
    const span = this.#instrumentation.httpAttempt({
      method: start.method,
      url: start.url,
      pool: start.pool,
      resendCount: start.retryCount,
      ...(start.requestBytes === undefined ? {} : { requestBytes: start.requestBytes }),
    });
    return {
      addHeaders: (headers) => span.injectTraceContext(headers),
      end: (event, error) =>
        span.end({
          ...(event.status === undefined ? {} : { statusCode: event.status }),
          ...(error === undefined ? {} : { error }),
          ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
          ...(event.willRetry ? { retryReason: retryReasonOf(event) } : {}),
        }),
    };
  }

  onOuterRetryError(event: OuterRetryEvent): void {
    const { error } = event;
    const status = APIStatusError.isInstance(error) ? error.status : undefined;
    if (event.isRetryable) {
      this.#instrumentation.recordRetry("execute_with_retries", status ? `status_${status}` : "connection");
    }
    const userError = isUserError(error);
    this.telemetry?.log(
      TelemetryEventNames.executeWithRetriesException,
      {
        func: event.name,
        exception: redactText(String(error)),
        exception_type: error instanceof Error ? error.name : typeof error,
        exception_stack: error instanceof Error && error.stack ? redactText(error.stack) : null,
        status_code: status ?? null,
        is_retryable: event.isRetryable,
        is_user_error: userError,
        attempt_count: event.attemptCount,
        start_time: event.startTime / 1000,
        current_time: event.currentTime / 1000,
        elapsed_time: event.elapsedMs / 1000,
      },
      event.isRetryable || userError ? "WARNING" : "ERROR",
    );
  }
}

/** Why the HTTP layer retries an attempt, as telemetry names it: `status_503`, `timeout`, `connection_error`. */
function retryReasonOf(event: AttemptEvent): string {
  if (event.status !== undefined) return `status_${event.status}`;
  return event.error === "timeout" ? "timeout" : "connection_error";
}
