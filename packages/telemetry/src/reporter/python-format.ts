const US_PER_SECOND = 1_000_000;
const US_PER_DAY = 86_400 * US_PER_SECOND;

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Formats a duration exactly as Python's `str(datetime.timedelta)`, which is what the Python SDK
 * sends as SESSION_END `duration` (tinker-wire-spec.md §11): `"0:05:12.345678"`,
 * `"1 day, 2:03:04"`, `"-1 day, 23:59:59"` (days carry the sign; hours, minutes and seconds are
 * never negative), microseconds only when non-zero.
 *
 * @param durationMs duration in milliseconds; fractions are kept to the microsecond (rounded).
 *   Exact for durations up to about 285 years, the range of whole microseconds in a double.
 */
export function formatPythonTimedelta(durationMs: number): string {
  const totalUs = Math.round(durationMs * 1000);
  const days = Math.floor(totalUs / US_PER_DAY);
  let rest = totalUs - days * US_PER_DAY;
  const hours = Math.floor(rest / (3600 * US_PER_SECOND));
  rest -= hours * 3600 * US_PER_SECOND;
  const minutes = Math.floor(rest / (60 * US_PER_SECOND));
  rest -= minutes * 60 * US_PER_SECOND;
  const seconds = Math.floor(rest / US_PER_SECOND);
  const micros = rest - seconds * US_PER_SECOND;
  let text = `${hours}:${pad2(minutes)}:${pad2(seconds)}`;
  if (micros !== 0) text += `.${String(micros).padStart(6, "0")}`;
  if (days !== 0) text = `${days} day${Math.abs(days) === 1 ? "" : "s"}, ${text}`;
  return text;
}

/**
 * Formats a UTC instant the way pydantic serialises the Python SDK's event timestamps
 * (`datetime.now(timezone.utc)` through `model_dump(mode="json")`, tinker-wire-spec.md §11):
 * `"2025-01-02T03:04:05.123456Z"`, with six fraction digits when the microseconds are non-zero
 * and none otherwise (`"2025-01-02T03:04:05Z"`).
 *
 * @param epochMs Unix time in milliseconds; fractions are kept to the microsecond (rounded).
 */
export function formatPythonUtcTimestamp(epochMs: number): string {
  const totalUs = Math.round(epochMs * 1000);
  const seconds = Math.floor(totalUs / US_PER_SECOND);
  const micros = totalUs - seconds * US_PER_SECOND;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micros === 0 ? `${base}Z` : `${base}.${String(micros).padStart(6, "0")}Z`;
}
