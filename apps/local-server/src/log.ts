/**
 * Structured logs of the server: one JSON object per line (time, level, msg, fields) on a
 * writable stream, stderr by default, filtered by level. Request lines carry method, path,
 * status, duration_ms and request_id. API keys never reach a log line: only paths and ids do.
 */
export type LogLevel = "silent" | "error" | "warn" | "info" | "debug";

const rank: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Where log lines go. */
export interface LogSink {
  write(line: string): unknown;
}

/** A levelled logger. */
export interface Logger {
  readonly level: LogLevel;
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

/** True when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return value in rank;
}

/** Creates a JSON-lines logger writing lines at or above `level` to `sink` (default stderr). */
export function createLogger(
  level: LogLevel,
  sink: LogSink = process.stderr,
  now = () => Date.now(),
): Logger {
  const emit = (at: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (rank[at] > rank[level]) return;
    sink.write(`${JSON.stringify({ time: new Date(now()).toISOString(), level: at, msg, ...fields })}\n`);
  };
  return {
    level,
    error: (msg, fields) => emit("error", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    debug: (msg, fields) => emit("debug", msg, fields),
  };
}
