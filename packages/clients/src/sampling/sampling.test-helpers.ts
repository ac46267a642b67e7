import { BytesSemaphore } from "@tinker-ts/futures";
import {
  authenticateForClientConfig,
  type Clock,
  fetchClientConfig,
  fetchInitialDynamicConfig,
  systemClock,
  TinkerHttp,
} from "@tinker-ts/http";
import type { LocalServerOptions } from "@tinker-ts/local-server";
import { createTelemetryReporter, type Instrumentation, noopInstrumentation } from "@tinker-ts/telemetry";
import {
  CreateSamplingSessionResponseSchema,
  CreateSessionResponseSchema,
  encodeRequestBody,
  TinkerError,
} from "@tinker-ts/types";
import type { ClientContext } from "../context.js";
import {
  API_KEY,
  BASE_MODEL,
  type LoggedServer,
  type LogLine,
  recordingLogger,
  type ServerRequestLine,
  startLoggedServer,
} from "../local-server.test-helpers.js";

/**
 * A ClientContext built by hand against tinker-local started in-process, standing in for the
 * ServiceClient's session holder: `/client/config` and `/create_session` through the http
 * package's bootstrap helpers, then `/create_sampling_session` for a sampler.
 */

export { acceleratedClock, BASE_MODEL } from "../local-server.test-helpers.js";

/** Options of {@link startSamplingHarness}. */
export interface HarnessOptions {
  readonly server?: LocalServerOptions;
  /**
   * Client clock; default the system clock. Tests that sleep pass a FakeClock; in auto mode
   * (sleeps return at once and move time) stuck detection must be off, or its 2 h sleep trips it.
   */
  readonly clock?: Clock;
  /** Send telemetry to the server (inspect with `harness.telemetryEvents()`). */
  readonly telemetry?: boolean;
  readonly instrumentation?: Instrumentation;
}

export interface SamplingHarness extends LoggedServer {
  readonly http: TinkerHttp;
  readonly context: ClientContext;
  readonly clock: Clock;
  readonly logs: LogLine[];
  /** Closes the context (aborts `closeSignal`). */
  closeContext(): void;
  /** A new sampling session on the harness session. */
  newSamplingSession(baseModel?: string): Promise<string>;
  /** Telemetry events the server received (generic ones and `UNHANDLED_EXCEPTION`s). */
  telemetryEvents(): Promise<ReceivedTelemetryEvent[]>;
  close(): Promise<void>;
}

/** The fields of a received telemetry event that tests read. */
export interface ReceivedTelemetryEvent {
  /** The event type, such as `GENERIC_EVENT` or `UNHANDLED_EXCEPTION`. */
  event?: string;
  event_name?: string;
  event_data?: Record<string, unknown>;
  severity?: string;
  error_type?: string;
}

/** Starts tinker-local and builds a session-ful ClientContext against it. */
export async function startSamplingHarness(options: HarnessOptions = {}): Promise<SamplingHarness> {
  const { server, serverLog, admin, requestsTo } = await startLoggedServer(options.server);
  const clock = options.clock ?? systemClock;
  const logs: LogLine[] = [];
  const base = new TinkerHttp({
    apiKey: API_KEY,
    baseUrl: server.url,
    env: {},
    credentialsFile: false,
    clock,
    logger: recordingLogger(logs),
    logLevel: "debug",
  });
  const clientConfig = await fetchClientConfig(base);
  const http = authenticateForClientConfig(base, clientConfig);
  const dynamicConfig = await fetchInitialDynamicConfig(http);
  const session = await http.requestJson(
    {
      method: "POST",
      path: "/api/v1/create_session",
      body: encodeRequestBody("CreateSessionRequest", {
        tags: [],
        user_metadata: {},
        sdk_version: http.config.sdkVersion,
      }),
    },
    (value) => CreateSessionResponseSchema.parse(value),
  );
  const close = new AbortController();
  let samplingSeq = 0;
  const telemetry = options.telemetry
    ? createTelemetryReporter(
        {
          sessionId: session.session_id,
          clock,
          flushIntervalMs: 1_000_000,
          drainTimeoutMs: 5_000,
          send: async (body, signal) =>
            (
              await http.request({
                method: "POST",
                path: "/api/v1/telemetry",
                json: body,
                pool: "telemetry",
                signal,
              })
            ).json(),
        },
        {},
      )
    : undefined;
  const context: ClientContext = {
    http,
    clientConfig,
    dynamicConfig,
    sessionId: session.session_id,
    responseBudget: new BytesSemaphore(clientConfig.inflight_response_bytes_semaphore_size),
    instrumentation: options.instrumentation ?? noopInstrumentation,
    telemetry,
    logger: http.logger,
    clock,
    closeSignal: close.signal,
    nextSamplingSessionSeqId: () => samplingSeq++,
    assertOpen: () => {
      if (close.signal.aborted) throw new TinkerError("The ServiceClient is closed; create a new one.");
    },
  };
  const newSamplingSession = async (baseModel = BASE_MODEL) => {
    const reply = await http.requestJson(
      {
        method: "POST",
        path: "/api/v1/create_sampling_session",
        body: encodeRequestBody("CreateSamplingSessionRequest", {
          session_id: session.session_id,
          sampling_session_seq_id: context.nextSamplingSessionSeqId(),
          base_model: baseModel,
        }),
      },
      (value) => CreateSamplingSessionResponseSchema.parse(value),
    );
    return reply.sampling_session_id;
  };
  return {
    server,
    http,
    context,
    clock,
    logs,
    serverLog,
    closeContext: () => close.abort(new TinkerError("The ServiceClient was closed.")),
    newSamplingSession,
    admin,
    requestsTo,
    telemetryEvents: async () => {
      await telemetry?.close();
      const snapshot = (await admin("GET", "/_admin/telemetry")) as {
        batches: Array<{ events: ReceivedTelemetryEvent[] }>;
      };
      return snapshot.batches.flatMap((batch) => batch.events);
    },
    close: async () => {
      close.abort();
      await telemetry?.close();
      await http.close();
      await server.close();
    },
  };
}

/**
 * The largest number of `paths` requests the server was handling at once, from its request log
 * (each line: end time in whole ms and duration). Log times are cut to the millisecond, so two
 * requests that merely touch can look up to 1 ms overlapped; overlaps of 1 ms or less are not
 * counted (requests in the tests that use this last several ms).
 */
export function maxConcurrency(lines: readonly ServerRequestLine[], paths: readonly string[]): number {
  const events: Array<[number, number]> = [];
  for (const line of lines) {
    if (!paths.includes(line.path)) continue;
    const end = Date.parse(line.time);
    const start = end - line.duration_ms;
    if (end - 1 <= start) continue;
    events.push([start, 1], [end - 1, -1]);
  }
  // Ends sort before starts at the same instant.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) {
    current += delta;
    max = Math.max(max, current);
  }
  return max;
}
