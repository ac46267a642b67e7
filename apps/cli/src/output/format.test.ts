import { describe, expect, it } from "vitest";
import {
  formatBool,
  formatOptional,
  formatSize,
  formatTimestamp,
  isoDatetime,
  parseDatetime,
} from "./format.js";

describe("formatSize (format_size)", () => {
  it("matches the Python CLI's outputs", () => {
    expect(formatSize(-1)).toBe("N/A");
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(1023)).toBe("1023 B");
    expect(formatSize(1024)).toBe("1.0 KB");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(10 * 1024 ** 2)).toBe("10.0 MB");
    expect(formatSize(3.25 * 1024 ** 3)).toBe("3.2 GB");
    expect(formatSize(1024 ** 4)).toBe("1.0 TB");
    expect(formatSize(1024 ** 5 * 2)).toBe("2.0 PB");
    expect(formatSize(1024 ** 6 * 3)).toBe("3.0 EB");
  });

  it("rounds halves to even on the exact binary value, as Python's %.1f does", () => {
    // 1280 / 1024 = 1.25 exactly: Python prints 1.2, Number#toFixed would print 1.3.
    expect(formatSize(1280)).toBe("1.2 KB");
    expect(formatSize(1792)).toBe("1.8 KB"); // 1.75 → 1.8 (8 is even)
    expect(formatSize(1126)).toBe("1.1 KB"); // 1.0996… is not a tie
  });
});

describe("formatTimestamp (format_timestamp)", () => {
  const now = Date.UTC(2026, 5, 15, 12, 0, 0);
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

  it("gives N/A for nothing and passes non-datetimes through", () => {
    expect(formatTimestamp(undefined, now)).toBe("N/A");
    expect(formatTimestamp(null, now)).toBe("N/A");
    expect(formatTimestamp("", now)).toBe("N/A");
    expect(formatTimestamp("yesterday-ish", now)).toBe("yesterday-ish");
  });

  it("words past times by their largest unit, singular for one", () => {
    expect(formatTimestamp(ago(30), now)).toBe("just now");
    expect(formatTimestamp(ago(60), now)).toBe("just now");
    expect(formatTimestamp(ago(61), now)).toBe("1 minute ago");
    expect(formatTimestamp(ago(3599), now)).toBe("59 minutes ago");
    expect(formatTimestamp(ago(3600), now)).toBe("60 minutes ago");
    expect(formatTimestamp(ago(3601), now)).toBe("1 hour ago");
    expect(formatTimestamp(ago(86_399), now)).toBe("23 hours ago");
    expect(formatTimestamp(ago(86_400), now)).toBe("1 day ago");
    expect(formatTimestamp(ago(7 * 86_400), now)).toBe("7 days ago");
    expect(formatTimestamp(ago(8 * 86_400), now)).toBe("1 week ago");
    expect(formatTimestamp(ago(30 * 86_400), now)).toBe("4 weeks ago");
    expect(formatTimestamp(ago(31 * 86_400), now)).toBe("2026-05-15");
  });

  it("words future times with 'in'", () => {
    const ahead = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    expect(formatTimestamp(ahead(10), now)).toBe("in less than a minute");
    expect(formatTimestamp(ahead(7200), now)).toBe("in 2 hours");
    expect(formatTimestamp(ahead(2 * 86_400 + 5), now)).toBe("in 2 days");
    expect(formatTimestamp(ahead(40 * 86_400), now)).toBe("2026-07-25");
  });

  it("reads Python's datetime spellings, naive ones as UTC", () => {
    expect(formatTimestamp("2026-06-15 10:59:00", now)).toBe("1 hour ago");
    expect(formatTimestamp("2026-06-15T12:59:00+02:00", now)).toBe("1 hour ago");
    expect(formatTimestamp("2026-06-15T13:00:00+02:00", now)).toBe("60 minutes ago");
    // 3600.88 s: Python truncates to 3600, which is not over an hour.
    expect(formatTimestamp("2026-06-15T10:59:59.123456Z", now)).toBe("60 minutes ago");
    expect(formatTimestamp("2026-01-01", now)).toBe("2026-01-01");
  });
});

describe("datetime helpers", () => {
  it("write every datetime as RFC 3339 with an offset", () => {
    expect(isoDatetime("2024-01-15 10:30:00+00:00")).toBe("2024-01-15T10:30:00Z");
    expect(isoDatetime("2024-01-15T10:30:00.5")).toBe("2024-01-15T10:30:00.500000Z");
    expect(isoDatetime("2024-01-15T10:30:00-05:00")).toBe("2024-01-15T10:30:00-05:00");
    expect(isoDatetime("2024-01-15")).toBe("2024-01-15T00:00:00Z");
    expect(isoDatetime("2024-02-30")).toBeUndefined();
    expect(parseDatetime("not a date")).toBeUndefined();
    expect(parseDatetime("2024-01-15T10:30:00Z")).toBe(Date.UTC(2024, 0, 15, 10, 30));
  });

  it("format booleans and optional values", () => {
    expect(formatBool(true)).toBe("Yes");
    expect(formatBool(false)).toBe("No");
    expect(formatOptional(null)).toBe("N/A");
    expect(formatOptional(undefined)).toBe("N/A");
    expect(formatOptional(0)).toBe("0");
    expect(formatOptional(5, (n) => `${n} s`)).toBe("5 s");
  });
});
