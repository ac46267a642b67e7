import { FakeClock } from "@tinker-ts/test-server";
import { describe, expect, it } from "vitest";
import { BillingPause } from "./billing.js";
import {
  APIConnectionError,
  APITimeoutError,
  BillingError,
  ConflictError,
  makeStatusError,
  NotFoundError,
} from "./errors.js";
import { executeWithRetries, isRetryableOuterError, type OuterRetryEvent } from "./execute-with-retries.js";
import type { Logger } from "./logger.js";

const request = { method: "POST", url: "http://127.0.0.1/x" };
const status = (code: number, body = '{"detail":"x"}') => makeStatusError(request, code, {}, body);

function setup() {
  const clock = new FakeClock({ startMs: 0 });
  const lines: { level: string; message: string }[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message) => lines.push({ level: "warn", message }),
    error: (message) => lines.push({ level: "error", message }),
  };
  return { clock, lines, billing: new BillingPause(clock, logger) };
}

describe("executeWithRetries (§7.2)", () => {
  it("retries retryable errors with 1, 2, 4 … 30 s waits until the 300 s budget is spent", async () => {
    const { clock, billing } = setup();
    const events: OuterRetryEvent[] = [];
    let calls = 0;
    const error = await executeWithRetries(
      async () => {
        calls++;
        throw new APIConnectionError({ request });
      },
      { clock, billing, onError: (e) => events.push(e), name: "create_thing" },
    ).catch((e: unknown) => e);
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 16_000, ...Array(8).fill(30_000), 29_000]);
    expect(clock.now()).toBe(300_000);
    expect(calls).toBe(15);
    expect(events.at(-1)).toMatchObject({
      name: "create_thing",
      isRetryable: true,
      attemptCount: 14,
      elapsedMs: 300_000,
    });
  });

  it("treats 409 as retryable and returns the first success", async () => {
    const { clock, billing } = setup();
    const errors = [status(409), status(503), new APITimeoutError({ request })];
    const result = await executeWithRetries(
      async (attempt) => {
        const e = errors.shift();
        if (e) throw e;
        return `done after ${attempt}`;
      },
      { clock, billing },
    );
    expect(result).toBe("done after 3");
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
  });

  it("raises non-retryable errors at once", async () => {
    const { clock, billing } = setup();
    const notFound = status(404);
    await expect(executeWithRetries(() => Promise.reject(notFound), { clock, billing })).rejects.toBe(
      notFound,
    );
    await expect(
      executeWithRetries(() => Promise.reject(new Error("bug")), { clock, billing }),
    ).rejects.toThrow("bug");
    expect(clock.sleeps).toEqual([]);
  });

  it("honours a shorter budget", async () => {
    const { clock, billing } = setup();
    await expect(
      executeWithRetries(() => Promise.reject(status(500)), { clock, billing, budgetMs: 5_000 }),
    ).rejects.toThrow("Error code: 500");
    expect(clock.sleeps).toEqual([1000, 2000, 2000]);
  });

  it("stops waiting when the signal aborts", async () => {
    const { billing } = setup();
    const clock = new FakeClock({ mode: "manual" });
    const controller = new AbortController();
    const pending = executeWithRetries(() => Promise.reject(status(500)), {
      clock,
      billing,
      signal: controller.signal,
    });
    await new Promise((r) => setImmediate(r));
    controller.abort(new Error("user cancelled"));
    await expect(pending).rejects.toThrow("user cancelled");
  });

  it("classifies errors", () => {
    expect(isRetryableOuterError(new APITimeoutError({ request }))).toBe(true);
    expect(isRetryableOuterError(status(429))).toBe(true);
    expect(isRetryableOuterError(status(400))).toBe(false);
    expect(isRetryableOuterError(new Error("x"))).toBe(false);
  });
});

describe("billing pause (§7.4)", () => {
  it("sleeps 5 s per 402 without counting attempts, warning at most once a minute", async () => {
    const { clock, billing, lines } = setup();
    let calls = 0;
    const result = await executeWithRetries(
      async () => {
        calls++;
        if (calls <= 30) throw status(402, '{"detail":"payment required"}');
        return "resumed";
      },
      { clock, billing },
    );
    expect(result).toBe("resumed");
    expect(clock.sleeps).toEqual(Array(30).fill(5000));
    // Warnings at 0 s, 65 s and 130 s (each more than 60 s after the previous).
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(3);
    expect(lines[0]?.message).toBe(
      'The job is paused due to billing status. Error: Error code: 402 - {"detail":"payment required"}',
    );
    expect(BillingError.isInstance(status(402))).toBe(true);
  });

  it("raises the 402 once the window (from the client config) has passed", async () => {
    const { clock, billing, lines } = setup();
    billing.setMaxPauseMs(60_000);
    const error = await executeWithRetries(() => Promise.reject(status(402)), { clock, billing }).catch(
      (e: unknown) => e,
    );
    expect(BillingError.isInstance(error)).toBe(true);
    expect(clock.sleeps).toEqual(Array(13).fill(5000));
    expect(lines.at(-1)).toMatchObject({ level: "error" });
    expect(lines.at(-1)?.message).toContain("This has been happening for too long. Aborting.");
  });

  it("starts a new incident after five quiet minutes", () => {
    const { clock, billing } = setup();
    billing.setMaxPauseMs(10_000);
    expect(billing.shouldPause(402, "a")).toBe(true);
    clock.sleep(11_000);
    expect(billing.shouldPause(402, "a")).toBe(false);
    clock.sleep(300_001);
    expect(billing.shouldPause(402, "a")).toBe(true);
    expect(billing.shouldPause(500, "a")).toBe(false);
    expect(ConflictError.isInstance(status(409))).toBe(true);
    expect(NotFoundError.isInstance(status(404))).toBe(true);
  });
});
