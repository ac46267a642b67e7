/**
 * Datetimes as pydantic writes them in JSON mode (tinker-wire-spec.md §1.2): ISO 8601 with a `T`,
 * seconds always present, microseconds only when non-zero (six digits), UTC written as `Z`, other
 * offsets as `±HH:MM`, and no suffix for a naive datetime. Pydantic also normalizes datetime
 * *strings* it validates (`2026-07-13T05:00:00+00:00` goes out as `2026-07-13T05:00:00Z`), so
 * request encoding runs strings through the same formatter to keep the bytes identical.
 */

/**
 * The datetime spellings pydantic accepts from JSON that we accept too: a date, optionally
 * followed by `T` or a space, `HH:MM`, optional seconds and fraction, and an optional offset
 * (`Z`, `±HH`, `±HHMM`, `±HH:MM`).
 */
export const DATETIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * Formats a `Date` (always UTC, millisecond precision) or re-formats an ISO 8601 string exactly as
 * pydantic's JSON mode would. Returns `undefined` when the string is not a datetime pydantic would
 * accept, so that callers can report the field.
 */
export function formatPythonDatetime(value: string | Date): string | undefined {
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) return undefined;
    const ms = value.getUTCMilliseconds();
    const fraction = ms === 0 ? "" : `.${pad(ms, 3)}000`;
    return (
      `${pad(value.getUTCFullYear(), 4)}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}` +
      `T${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}${fraction}Z`
    );
  }
  const m = DATETIME_PATTERN.exec(value);
  if (!m) return undefined;
  const [, year, month, day, hour = "00", minute = "00", second = "00", rawFraction, rawOffset] = m;
  if (
    Number(month) < 1 ||
    Number(month) > 12 ||
    Number(day) < 1 ||
    Number(day) > daysInMonth(Number(year), Number(month)) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    return undefined;
  }
  // Python keeps microseconds: extra digits are cut, not rounded.
  const micro = (rawFraction ?? "").slice(0, 6).padEnd(6, "0");
  const fraction = /^0*$/.test(micro) ? "" : `.${micro}`;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${formatOffset(rawOffset)}`;
}

function formatOffset(raw: string | undefined): string {
  if (raw === undefined) return "";
  if (raw === "Z" || raw === "z") return "Z";
  const digits = raw.slice(1).replace(":", "");
  const hours = digits.slice(0, 2);
  const minutes = digits.slice(2, 4) || "00";
  if (Number(hours) === 0 && Number(minutes) === 0) return "Z";
  return `${raw[0]}${hours}:${minutes}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
