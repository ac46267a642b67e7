import { type Clock, type LogFields, type Logger, systemClock } from "@tinker-ts/http";
import { type LocalServer, type LocalServerOptions, startLocalServer } from "@tinker-ts/local-server";

/**
 * What the clients package's two test harnesses share (the ServiceClient one in
 * clients.test-helpers.ts, the hand-built sampling context in sampling/sampling.test-helpers.ts):
 * tinker-local started in-process with a parsed request log and admin endpoints, a logger that
 * keeps every line, and a fast-running real clock. No HTTP is mocked.
 */

export const API_KEY = "tml-clients-test-key";
export const ADMIN_TOKEN = "clients-admin";
export const BASE_MODEL = "Qwen/Qwen3-8B";

/** A line the client logged. */
export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
}

/** One request line of the server's JSON log. */
export interface ServerRequestLine {
  /** When the request ended (ISO 8601, whole ms). */
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly duration_ms: number;
  /** The polled request id, on `retrieve_future` lines. */
  readonly request_id?: string;
  readonly fault?: string;
}

/** A logger that keeps every line. */
export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: LogLine["level"]) =>
    (message: string, _fields?: LogFields): void => {
      lines.push({ level, message });
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** tinker-local with the admin token and its request log parsed into `serverLog`. */
export interface LoggedServer {
  readonly server: LocalServer;
  readonly serverLog: ServerRequestLine[];
  /** An admin call with the admin token; resolves with the JSON reply, rejects on a non-2xx status. */
  admin(method: "GET" | "PUT" | "POST", path: string, body?: unknown): Promise<unknown>;
  /** Server log lines for `path`. */
  requestsTo(path: string): ServerRequestLine[];
}

/** Starts tinker-local in-process (log level info, admin token {@link ADMIN_TOKEN}) plus `options`. */
export async function startLoggedServer(options: LocalServerOptions = {}): Promise<LoggedServer> {
  const serverLog: ServerRequestLine[] = [];
  const server = await startLocalServer({
    logLevel: "info",
    logSink: {
      write(line: string) {
        const parsed = JSON.parse(line) as ServerRequestLine & { msg?: string };
        if (parsed.msg === "request") serverLog.push(parsed);
      },
    },
    adminToken: ADMIN_TOKEN,
    ...options,
  });
  return {
    server,
    serverLog,
    async admin(method, path, body) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { "x-admin-token": ADMIN_TOKEN, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`admin ${method} ${path} answered ${response.status}`);
      return response.json();
    },
    requestsTo: (path) => serverLog.filter((line) => line.path === path),
  };
}

/**
 * A clock running `factor` times faster than real time: `now()` advances continuously and
 * `sleep(ms)` takes `ms / factor` real ms. For tests whose sleeps (backoffs, heartbeats, the 10 s
 * throttle window) must pass, in order and in proportion, while real server work goes on. The
 * http package's `systemClock` is real time and the test-server's `FakeClock` moves only on
 * sleeps (auto) or by hand (manual), so neither fits; nothing asserts on real durations.
 */
export function acceleratedClock(factor: number): Clock {
  const startedAt = Date.now();
  const startedPerf = performance.now();
  return {
    now: () => startedAt + (performance.now() - startedPerf) * factor,
    sleep: (ms, signal) => systemClock.sleep(ms / factor, signal),
  };
}
