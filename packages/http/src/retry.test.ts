import { describe, expect, it } from "vitest";
import {
  baseRetryDelayMs,
  decideRetry,
  isEmptyBodyRejection,
  isRetryableOuterStatus,
  isRetryableResponse,
  outerBackoffMs,
  parseRetryAfterMs,
} from "./retry.js";

const NOW = Date.UTC(2026, 0, 1, 0, 0, 0);

describe("isRetryableResponse (§1.5)", () => {
  it.each([
    [200, {}, false],
    [400, {}, false],
    [401, {}, false],
    [402, {}, false],
    [404, {}, false],
    [408, {}, true],
    [409, {}, true],
    [410, {}, false],
    [422, {}, false],
    [429, {}, true],
    [500, {}, true],
    [503, {}, true],
    [599, {}, true],
    [400, { "x-should-retry": "true" }, true],
    [503, { "x-should-retry": "false" }, false],
    [429, { "x-should-retry": "false" }, false],
    [503, { "x-should-retry": "maybe" }, true],
    [400, { "x-should-retry": "TRUE" }, false],
  ] as const)("status %i with %j -> %s", (status, headers, expected) => {
    expect(isRetryableResponse(status, headers)).toBe(expected);
  });
});

describe("parseRetryAfterMs", () => {
  it.each([
    [{ "retry-after-ms": "100" }, 100],
    [{ "retry-after-ms": "2.5" }, 2.5],
    [{ "retry-after-ms": "x", "retry-after": "3" }, 3000],
    [{ "retry-after": "1" }, 1000],
    [{ "retry-after": " 1.5 " }, 1500],
    [{ "retry-after": "1e1" }, 10_000],
    [{ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, 30_000],
    [{ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }, -60_000],
    [{ "retry-after": "soon" }, undefined],
    [{}, undefined],
  ] as const)("%j -> %s", (headers, expected) => {
    expect(parseRetryAfterMs(headers, NOW)).toBe(expected);
  });

  it("reads inf like Python's float()", () => {
    expect(parseRetryAfterMs({ "retry-after": "inf" }, NOW)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("baseRetryDelayMs", () => {
  it("honours a server delay only inside (0, 60] s", () => {
    expect(baseRetryDelayMs(0, { "retry-after-ms": "100" }, NOW, 0)).toBe(100);
    expect(baseRetryDelayMs(3, { "retry-after": "60" }, NOW, 0)).toBe(60_000);
    // Outside the window the exponential backoff applies.
    expect(baseRetryDelayMs(0, { "retry-after": "61" }, NOW, 0)).toBe(500);
    expect(baseRetryDelayMs(0, { "retry-after": "0" }, NOW, 0)).toBe(500);
    expect(baseRetryDelayMs(1, { "retry-after-ms": "-5" }, NOW, 0)).toBe(1000);
    expect(baseRetryDelayMs(0, { "retry-after": "inf" }, NOW, 0)).toBe(500);
  });

  it("backs off min(0.5·2^n, 10) s with up to 25 % negative jitter", () => {
    const noJitter = [0, 1, 2, 3, 4, 5, 6, 50].map((n) => baseRetryDelayMs(n, undefined, NOW, 0));
    expect(noJitter).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(baseRetryDelayMs(0, undefined, NOW, 0.999999)).toBeCloseTo(375, 3);
    expect(baseRetryDelayMs(4, undefined, NOW, 0.5)).toBe(7000);
    expect(baseRetryDelayMs(2000, undefined, NOW, 0)).toBe(10_000);
  });
});

describe("decideRetry", () => {
  const response = (status: number, headers: Record<string, string> = {}) =>
    ({ kind: "response", status, headers }) as const;

  it("stops once maxRetries retries were taken", () => {
    expect(decideRetry(response(503), 2, 2, NOW, 0)).toEqual({ retry: false });
    expect(decideRetry({ kind: "connection" }, 0, 0, NOW, 0)).toEqual({ retry: false });
  });

  it("retries network errors and timeouts with pure backoff", () => {
    expect(decideRetry({ kind: "connection" }, 0, 10, NOW, 0)).toEqual({ retry: true, delayMs: 500 });
    expect(decideRetry({ kind: "timeout" }, 3, 10, NOW, 0)).toEqual({ retry: true, delayMs: 4000 });
  });

  it("uses the server's delay for retryable statuses and never retries others", () => {
    expect(decideRetry(response(429, { "retry-after-ms": "100" }), 0, 10, NOW, 0)).toEqual({
      retry: true,
      delayMs: 100,
    });
    expect(decideRetry(response(400), 0, 10, NOW, 0)).toEqual({ retry: false });
    expect(decideRetry(response(400, { "x-should-retry": "true" }), 0, 10, NOW, 0)).toEqual({
      retry: true,
      delayMs: 500,
    });
  });
});

describe("isEmptyBodyRejection (§2.5)", () => {
  it.each([
    [400, {}, true],
    [400, { "content-length": "0" }, true],
    [400, { "content-length": "12" }, false],
    [401, {}, false],
    [500, { "content-length": "0" }, false],
  ] as const)("status %i %j -> %s", (status, headers, expected) => {
    expect(isEmptyBodyRejection(status, headers)).toBe(expected);
  });
});

describe("outer retry (§7.2)", () => {
  it("retries 408/409/429/5xx only", () => {
    expect([400, 402, 404, 408, 409, 410, 429, 500, 599, 600].map(isRetryableOuterStatus)).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it("backs off min(2^n, 30) s clipped to the remaining budget", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => outerBackoffMs(n, 0, 300_000))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(outerBackoffMs(5, 295_000, 300_000)).toBe(5000);
    expect(outerBackoffMs(5, 301_000, 300_000)).toBe(0);
  });
});
