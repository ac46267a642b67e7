import { type Logger, TinkerHttp, type TinkerHttpOptions } from "@tinker-ts/http";
import type { FutureInfo, FutureOutcome, FutureSpan, Instrumentation, Severity } from "@tinker-ts/telemetry";
import { FakeClock, type RecordedRequest, startTestServer, type TestServer } from "@tinker-ts/test-server";
import type { QueueState, QueueStateObserver } from "./queue-state.js";

export const POLL_PATH = "/api/v1/retrieve_future";

/** A log line written through the test logger. */
export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
}

/** A telemetry event logged through {@link RecordingTelemetry}. */
export interface LoggedEvent {
  readonly name: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly severity: Severity | undefined;
}

/** Collects `log` calls, standing in for a TelemetryReporter (whose own tests cover sending). */
export class RecordingTelemetry {
  readonly events: LoggedEvent[] = [];

  log(name: string, data: Readonly<Record<string, unknown>> = {}, severity?: Severity): boolean {
    this.events.push({ name, data, severity });
    return true;
  }

  named(name: string): LoggedEvent[] {
    return this.events.filter((e) => e.name === name);
  }
}

/** Collects queue-state notifications. */
export class RecordingObserver implements QueueStateObserver {
  readonly calls: [QueueState, string | undefined][] = [];

  onQueueStateChange(queueState: QueueState, queueStateReason: string | undefined): void {
    this.calls.push([queueState, queueStateReason]);
  }
}

/** What one future span saw. */
export interface RecordedFutureSpan {
  readonly info: FutureInfo;
  polls: number;
  runs: number;
  readonly tryAgain: [string, string | undefined][];
  readonly queueStates: [string, string | undefined][];
  ended: { outcome: FutureOutcome; error: unknown } | undefined;
}

/** Collects the futures-layer instrumentation calls (OpenTelemetry export is the telemetry package's concern). */
export class RecordingInstrumentation implements Instrumentation {
  readonly futures: RecordedFutureSpan[] = [];
  readonly retries: [string, string][] = [];

  httpAttempt() {
    return { injectTraceContext() {}, end() {} };
  }

  future(info: FutureInfo): FutureSpan {
    const record: RecordedFutureSpan = {
      info,
      polls: 0,
      runs: 0,
      tryAgain: [],
      queueStates: [],
      ended: undefined,
    };
    this.futures.push(record);
    return {
      run: (fn) => {
        record.runs += 1;
        return fn();
      },
      poll: () => {
        record.polls += 1;
      },
      tryAgain: (state, reason) => {
        record.tryAgain.push([state, reason]);
      },
      queueState: (state, reason) => {
        record.queueStates.push([state, reason]);
      },
      end: (outcome, error) => {
        record.ended ??= { outcome, error };
      },
    };
  }

  operation<T>(
    _name: string,
    _attributes: object,
    fn: (span: { setAttributes(): void }) => Promise<T>,
  ): Promise<T> {
    return fn({ setAttributes() {} });
  }

  recordRetry(layer: string, reason: string): void {
    this.retries.push([layer, reason]);
  }
}

/** A loopback server, a TinkerHttp pointed at it with a fake clock, and recorders. */
export interface TestEnv {
  readonly server: TestServer;
  readonly clock: FakeClock;
  readonly http: TinkerHttp;
  readonly logs: LogLine[];
  readonly logger: Logger;
  /** The retrieve_future polls the server received, in order. */
  polls(): RecordedRequest[];
  /** Warn-level log lines. */
  warnings(): string[];
  close(): Promise<void>;
}

export async function startEnv(
  options: { clockMode?: "auto" | "manual"; http?: TinkerHttpOptions } = {},
): Promise<TestEnv> {
  const server = await startTestServer();
  const clock = new FakeClock({ mode: options.clockMode ?? "auto" });
  const logs: LogLine[] = [];
  const logger: Logger = {
    debug: (message) => logs.push({ level: "debug", message }),
    info: (message) => logs.push({ level: "info", message }),
    warn: (message) => logs.push({ level: "warn", message }),
    error: (message) => logs.push({ level: "error", message }),
  };
  const http = new TinkerHttp({
    apiKey: "tml-test-key-0123456789",
    baseUrl: server.url,
    env: {},
    credentialsFile: false,
    clock,
    random: () => 0,
    logger,
    logLevel: "debug",
    ...options.http,
  });
  return {
    server,
    clock,
    http,
    logs,
    logger,
    polls: () => server.requestsTo(POLL_PATH),
    warnings: () => logs.filter((l) => l.level === "warn").map((l) => l.message),
    async close() {
      await http.close();
      await server.close();
    },
  };
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Parsed body of a recorded poll. */
export function pollBody(request: RecordedRequest): { request_id: string; allow_metadata_only: boolean } {
  return request.json() as { request_id: string; allow_metadata_only: boolean };
}
