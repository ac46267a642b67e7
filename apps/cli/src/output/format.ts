import { formatPythonDatetime } from "@tinker-ts/types";

/**
 * The formatting helpers of the Python CLI (`cli/output.py`, tinker-wire-spec.md §13), with the
 * same outputs: sizes in base-1024 units, timestamps relative to now, booleans as Yes/No.
 */

const SIZE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/**
 * Formats a byte count: `N/A` below zero, `"<n> B"` below 1024, else one decimal in KB … PB, then
 * EB (`1536` → `1.5 KB`, `0` → `0 B`), like `format_size`.
 */
export function formatSize(bytes: number): string {
  if (bytes < 0) return "N/A";
  let size = bytes;
  for (const unit of SIZE_UNITS) {
    if (size < 1024) return unit === "B" ? `${Math.trunc(size)} B` : `${oneDecimal(size)} ${unit}`;
    size /= 1024;
  }
  return `${oneDecimal(size)} EB`;
}

/**
 * Python's `f"{x:.1f}"`: rounds the exact binary value, ties to even (1.25 → `1.2`), where
 * `Number#toFixed` would round ties up. Sizes divided by powers of 1024 are exact, so ties happen.
 */
function oneDecimal(x: number): string {
  const scaled = x * 10;
  let n = Math.round(scaled);
  if (scaled - Math.floor(scaled) === 0.5 && n % 2 !== 0) n -= 1;
  return (n / 10).toFixed(1);
}

/** Formats a boolean as `Yes` or `No` (`format_bool`). */
export function formatBool(value: boolean): string {
  return value ? "Yes" : "No";
}

/** Formats an optional value: `N/A` when absent, else the formatter's or `String` output (`format_optional`). */
export function formatOptional<T>(value: T | null | undefined, formatter?: (value: T) => string): string {
  if (value === null || value === undefined) return "N/A";
  return formatter ? formatter(value) : String(value);
}

/**
 * Parses a wire datetime the way Python's `datetime.fromisoformat` does after `Z` → `+00:00`:
 * a `T` or a space between date and time, any fraction, an optional offset; naive values are UTC.
 * Returns epoch ms, or undefined when the string is not such a datetime.
 */
export function parseDatetime(value: string): number | undefined {
  const iso = isoDatetime(value);
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Re-writes a wire datetime as RFC 3339 (ISO 8601 with `T` and an explicit offset, naive read as
 * UTC), which is how every datetime appears in the CLI's JSON output. Returns undefined when the
 * string is not a datetime.
 */
export function isoDatetime(value: string): string | undefined {
  const formatted = formatPythonDatetime(value);
  if (formatted === undefined) return undefined;
  // A date alone, or a time without an offset, is UTC (as the Python CLI assumes for naive values).
  return /(Z|[+-]\d{2}:\d{2})$/.test(formatted) ? formatted : `${formatted}Z`;
}

const DAY_S = 86_400;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/**
 * Formats a timestamp relative to `nowMs` (`format_timestamp`): `N/A` when empty; a string that is
 * not a datetime comes back unchanged; more than 30 days away gives the UTC date `YYYY-MM-DD`;
 * otherwise whole weeks (> 7 days), days (> 0), hours (> 3600 s) or minutes (> 60 s), with
 * ` ago` for the past and `in ` for the future; under a minute is `just now` or
 * `in less than a minute`.
 *
 * @param nowMs the current time in ms since the epoch (injectable for tests).
 */
export function formatTimestamp(value: string | null | undefined, nowMs: number): string {
  if (!value) return "N/A";
  const ms = parseDatetime(value);
  if (ms === undefined) return value;
  const future = ms > nowMs;
  const deltaS = Math.abs(nowMs - ms) / 1000;
  // Python's timedelta: `days` is the whole-day part, `total_seconds` the whole span.
  const days = Math.floor(deltaS / DAY_S);
  const seconds = Math.floor(deltaS);
  const relative = (text: string) => (future ? `in ${text}` : `${text} ago`);
  if (days > 30) return new Date(ms).toISOString().slice(0, 10);
  if (days > 7) return relative(plural(Math.floor(days / 7), "week"));
  if (days > 0) return relative(plural(days, "day"));
  if (seconds > 3600) return relative(plural(Math.floor(seconds / 3600), "hour"));
  if (seconds > 60) return relative(plural(Math.floor(seconds / 60), "minute"));
  return future ? "in less than a minute" : "just now";
}
