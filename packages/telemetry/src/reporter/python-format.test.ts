import { describe, expect, it } from "vitest";
import { formatPythonTimedelta, formatPythonUtcTimestamp } from "./python-format.js";

// Expected strings were produced by CPython 3.11: str(timedelta(milliseconds=ms)), and pydantic 2
// model_dump(mode="json") of datetime(1970,1,1,tzinfo=utc) + timedelta(milliseconds=ms).
describe("formatPythonTimedelta", () => {
  it.each([
    [0, "0:00:00"],
    [1, "0:00:00.001000"],
    [0.001, "0:00:00.000001"],
    [999.9995, "0:00:01"],
    [312345.678, "0:05:12.345678"],
    [93784000, "1 day, 2:03:04"],
    [86400000, "1 day, 0:00:00"],
    [172800000.5, "2 days, 0:00:00.000500"],
    [-1000, "-1 day, 23:59:59"],
    [-0.001, "-1 day, 23:59:59.999999"],
    [-86400000, "-1 day, 0:00:00"],
    [-86400001, "-2 days, 23:59:59.999000"],
    [-259199999.995, "-3 days, 0:00:00.000005"],
    [36000000, "10:00:00"],
    [3599999.999, "0:59:59.999999"],
    [1e12, "11574 days, 1:46:40"],
  ])("formats %s ms as Python does: %s", (ms, expected) => {
    expect(formatPythonTimedelta(ms)).toBe(expected);
  });
});

describe("formatPythonUtcTimestamp", () => {
  it.each([
    [0, "1970-01-01T00:00:00Z"],
    [1735787045000, "2025-01-02T03:04:05Z"],
    [1735787045123, "2025-01-02T03:04:05.123000Z"],
    [1735787045123.456, "2025-01-02T03:04:05.123456Z"],
    [1735787045000.001, "2025-01-02T03:04:05.000001Z"],
    [1735787045999.999, "2025-01-02T03:04:05.999999Z"],
    [951782400000, "2000-02-29T00:00:00Z"],
  ])("formats %s as pydantic does: %s", (ms, expected) => {
    expect(formatPythonUtcTimestamp(ms)).toBe(expected);
  });

  it("carries a fraction that rounds up to a whole second into the seconds", () => {
    expect(formatPythonUtcTimestamp(1735787045000 + 999.9996)).toBe("2025-01-02T03:04:06Z");
  });
});
