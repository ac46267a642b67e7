import { redactText } from "./secret.js";

/** Log levels from most to least verbose; `off` logs nothing. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "off";

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Where the SDK writes its log lines. Any object with these four methods works (console, pino,
 * winston adapters). The SDK redacts credentials before calling it.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** True when `value` names a {@link LogLevel}; `warning` is accepted as an alias of `warn`. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const v = value.trim().toLowerCase();
  if (v === "warning") return "warn";
  return v in rank ? (v as LogLevel) : undefined;
}

/** A logger that writes `[tinker] LEVEL message {fields}` lines to stderr through `console`. */
export const consoleLogger: Logger = {
  debug: (message, fields) => console.debug(`[tinker] DEBUG ${message}`, ...(fields ? [fields] : [])),
  info: (message, fields) => console.info(`[tinker] INFO ${message}`, ...(fields ? [fields] : [])),
  warn: (message, fields) => console.warn(`[tinker] WARN ${message}`, ...(fields ? [fields] : [])),
  error: (message, fields) => console.error(`[tinker] ERROR ${message}`, ...(fields ? [fields] : [])),
};

function redactFields(fields: LogFields | undefined): LogFields | undefined {
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = typeof value === "string" ? redactText(value) : value;
  }
  return out;
}

/**
 * Wraps `sink` so that lines below `level` are dropped and credentials in the message and in
 * string fields are masked before the sink sees them.
 */
export function leveledLogger(sink: Logger, level: LogLevel): Logger {
  const emit =
    (lvl: Exclude<LogLevel, "off">) =>
    (message: string, fields?: LogFields): void => {
      if (rank[lvl] < rank[level]) return;
      const redacted = redactFields(fields);
      if (redacted) sink[lvl](redactText(message), redacted);
      else sink[lvl](redactText(message));
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
