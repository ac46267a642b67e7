import { FutureRetrieveError, PromiseExpiredError } from "@tinker-ts/futures";
import {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  RateLimitError,
  RequestFailedError,
} from "@tinker-ts/http";
import { FakeClock, settle } from "@tinker-ts/test-server";
import { InvalidInputError } from "@tinker-ts/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_CONFIG,
  isRetryableSampleError,
  RetryHandler,
  resolveRetryConfig,
  StuckRequestsError,
  sampleRetryDelayMs,
} from "./retry-handler.js";

const request = { method: "POST", url: "http://127.0.0.1/api/v1/asample" };
const status = (code: number) => new APIStatusError(`status ${code}`, { request, status: code, headers: {} });

/** Collects telemetry events (stands in for a TelemetryReporter, whose own tests cover sending). */
class RecordingTelemetry {
  readonly events: Array<{ name: string; data: Record<string, unknown>; severity: string | undefined }> = [];

  log(
    name: string,
    data: Readonly<Record<string, unknown>> = {},
    severity?: "INFO" | "WARNING" | "ERROR" | "DEBUG" | "CRITICAL",
  ): boolean {
    this.events.push({ name, data: { ...data }, severity });
    return true;
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("sampleRetryDelayMs (tinker-wire-spec.md §7.3)", () => {
  it("doubles from 0.5 s up to 10 s without jitter at the midpoint", () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 60, 5000].map((i) =>
      sampleRetryDelayMs(i, DEFAULT_RETRY_CONFIG, 0.5),
    );
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
  });

  it("adds at most ±25 % and never leaves [0, 10 s]", () => {
    expect(sampleRetryDelayMs(0, DEFAULT_RETRY_CONFIG, 0)).toBe(375);
    expect(sampleRetryDelayMs(2, DEFAULT_RETRY_CONFIG, 0.999_999)).toBeCloseTo(2500, 2);
    expect(sampleRetryDelayMs(9, DEFAULT_RETRY_CONFIG, 0.999)).toBe(10_000);
    fc.assert(
      fc.property(
        fc.nat(80),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const delay = sampleRetryDelayMs(attempt, DEFAULT_RETRY_CONFIG, random);
          const base = Math.min(500 * 2 ** attempt, 10_000);
          expect(delay).toBeGreaterThanOrEqual(Math.max(0, base * 0.75) - 1e-9);
          expect(delay).toBeLessThanOrEqual(Math.min(10_000, base * 1.25) + 1e-9);
        },
      ),
    );
  });
});

describe("isRetryableSampleError", () => {
  it.each([
    [new APIConnectionError({ request }), true],
    [new APITimeoutError({ request }), true],
    [new PromiseExpiredError("r-1"), true],
    [status(408), true],
    [new ConflictError("409", { request, status: 409, headers: {} }), true],
    [new RateLimitError("429", { request, status: 429, headers: {} }), true],
    [new InternalServerError("503", { request, status: 503, headers: {} }), true],
    [status(410), false],
    [new BadRequestError("400", { request, status: 400, headers: {} }), false],
    [status(600), false],
    [new RequestFailedError("failed", "r-1", "server"), false],
    [new FutureRetrieveError("status", "bad", { requestId: "r", requestType: "Sample", status: 404 }), false],
    [new Error("boom"), false],
  ])("%s → %s", (error, expected) => {
    expect(isRetryableSampleError(error)).toBe(expected);
  });
});

describe("resolveRetryConfig", () => {
  it("fills defaults and ignores undefined overrides", () => {
    expect(resolveRetryConfig({ maxConnections: undefined, retryDelayMaxMs: 5 } as never)).toEqual({
      ...DEFAULT_RETRY_CONFIG,
      retryDelayMaxMs: 5,
    });
  });

  it.each([
    [{ maxConnections: 0 }, "retryConfig.maxConnections"],
    [{ maxConnections: 1.5 }, "retryConfig.maxConnections"],
    [{ progressTimeoutMs: 0 }, "retryConfig.progressTimeoutMs"],
    [{ retryDelayBaseMs: -1 }, "retryConfig.retryDelayBaseMs"],
    [{ retryDelayMaxMs: Number.NaN }, "retryConfig.retryDelayMaxMs"],
    [{ jitterFactor: 1.5 }, "retryConfig.jitterFactor"],
  ])("rejects %o", (config, path) => {
    expect(() => resolveRetryConfig(config)).toThrow(expect.objectContaining({ path }));
    expect(() => resolveRetryConfig(config)).toThrow(InvalidInputError);
  });
});

describe("RetryHandler", () => {
  it("retries retryable failures without an attempt limit, with the backoff schedule", async () => {
    const clock = new FakeClock();
    const telemetry = new RecordingTelemetry();
    const retries: string[] = [];
    const handler = new RetryHandler({
      clock,
      telemetry,
      logger: silent,
      random: () => 0.5,
      instrumentation: { recordRetry: (_layer, reason) => retries.push(reason) },
      config: { enableStuckDetection: false },
    });
    const failures = [
      status(503),
      new PromiseExpiredError("r"),
      new APIConnectionError({ request }),
      status(429),
    ];
    for (let i = 0; i < 8; i++) failures.push(status(500));
    const attempts: number[] = [];
    const result = await handler.execute(async (_signal, attempt) => {
      attempts.push(attempt);
      const failure = failures.shift();
      if (failure) throw failure;
      return "ok";
    });
    expect(result).toBe("ok");
    expect(attempts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(clock.sleeps).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000,
    ]);
    expect(retries.slice(0, 4)).toEqual(["status_503", "promise_expired", "connection_error", "status_429"]);
    expect(handler.stats).toEqual({ waiting: 0, inProgress: 0, completed: 1, retries: 12 });
    expect(telemetry.events).toHaveLength(12);
    expect(telemetry.events[0]).toMatchObject({
      name: "RetryHandler.execute.exception",
      severity: "WARNING",
      data: { func: "sample", status_code: 503, should_retry: true, is_user_error: false, attempt_count: 1 },
    });
    expect(telemetry.events[1]!.data).toMatchObject({
      status_code: null,
      exception_type: "PromiseExpiredError",
    });
  });

  it("raises a final error at once and reports it as an error", async () => {
    const telemetry = new RecordingTelemetry();
    const handler = new RetryHandler({ clock: new FakeClock(), telemetry, logger: silent });
    const failure = new RequestFailedError("model crashed", "r-9", "server");
    await expect(handler.execute(() => Promise.reject(failure), { name: "compute_logprobs" })).rejects.toBe(
      failure,
    );
    expect(telemetry.events).toEqual([
      expect.objectContaining({
        severity: "ERROR",
        data: expect.objectContaining({
          func: "compute_logprobs",
          should_retry: false,
          is_user_error: false,
        }),
      }),
    ]);
    await expect(handler.execute(() => Promise.reject("plain"))).rejects.toBe("plain");
    expect(telemetry.events[1]!.data).toMatchObject({
      exception: "plain",
      exception_type: "string",
      exception_stack: null,
    });
  });

  it("does not retry when retry logic is off", async () => {
    const handler = new RetryHandler({
      clock: new FakeClock(),
      logger: silent,
      config: { enableRetryLogic: false },
    });
    let calls = 0;
    await expect(
      handler.execute(async () => {
        calls++;
        throw status(503);
      }),
    ).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
  });

  it("holds a concurrency slot through every retry of a call", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const handler = new RetryHandler({
      clock,
      logger: silent,
      config: { maxConnections: 2, enableStuckDetection: false },
    });
    let running = 0;
    let peak = 0;
    const calls = Array.from({ length: 5 }, () =>
      handler.execute(async (_signal, attempt) => {
        running++;
        peak = Math.max(peak, running);
        await settle(1);
        running--;
        if (attempt === 0) throw status(500);
        return attempt;
      }),
    );
    await settle(5);
    expect(handler.stats).toMatchObject({ waiting: 3, inProgress: 2 });
    for (let i = 0; i < 10 && handler.stats.completed < 5; i++) await clock.advance(1000);
    expect(await Promise.all(calls)).toEqual([1, 1, 1, 1, 1]);
    expect(peak).toBe(2);
  });

  it("stops at the caller's abort, during an attempt or a retry sleep", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const handler = new RetryHandler({ clock, logger: silent });
    const controller = new AbortController();
    const call = handler.execute(
      async () => {
        throw status(503);
      },
      { signal: controller.signal },
    );
    await settle(3);
    expect(clock.pending).toBeGreaterThanOrEqual(1);
    const reason = new Error("caller stopped");
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    await expect(handler.execute(async () => 1, { signal: controller.signal })).rejects.toBe(reason);

    const inAttempt = new AbortController();
    const running = handler.execute(
      (signal) =>
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("torn down")))),
      { signal: inAttempt.signal },
    );
    await settle(2);
    inAttempt.abort(new Error("stop now"));
    await expect(running).rejects.toThrow("torn down");
    expect(handler.stats.inProgress).toBe(0);
  });

  it("fails every running call when nothing succeeded for progressTimeoutMs", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const logs: string[] = [];
    const handler = new RetryHandler({
      clock,
      logger: { ...silent, error: (message: string) => logs.push(message) },
      config: { progressTimeoutMs: 60_000 },
      request,
    });
    const never = (signal: AbortSignal) =>
      new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
    // Outcomes are captured at once: the calls fail while the clock advances.
    const outcome = (call: Promise<unknown>) =>
      call.then(
        () => undefined,
        (e: unknown) => e,
      );
    const first = outcome(handler.execute(never));
    await clock.advance(30_000);
    const second = outcome(handler.execute(never));
    // A success restarts the progress clock.
    expect(await handler.execute(async () => "quick")).toBe("quick");
    await clock.advance(59_999);
    expect(handler.stats.inProgress).toBe(2);
    await clock.advance(1);
    for (const call of [first, second]) {
      const error = await call;
      expect(error).toBeInstanceOf(StuckRequestsError);
      expect(error).toBeInstanceOf(APIConnectionError);
      expect((error as Error).message).toContain("No progress made in 60s. Requests appear to be stuck.");
    }
    expect(logs).toHaveLength(1);
    expect(clock.pending).toBe(0);

    // Idle again: a new call starts a fresh progress period.
    const third = outcome(handler.execute(never));
    await clock.advance(59_999);
    expect(handler.stats.inProgress).toBe(1);
    await clock.advance(1);
    expect(await third).toBeInstanceOf(StuckRequestsError);
  });

  it("runs on a controller the caller gives: fn gets its signal and the watchdog aborts it", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const handler = new RetryHandler({ clock, logger: silent, config: { progressTimeoutMs: 60_000 } });
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = handler
      .execute(
        (signal) => {
          seen = signal;
          return new Promise<never>((_, reject) =>
            signal.addEventListener("abort", () => reject(new Error("aborted"))),
          );
        },
        { controller },
      )
      .catch((error: unknown) => error);
    await settle();
    expect(seen).toBe(controller.signal);
    await clock.advance(60_000);
    const error = await call;
    expect(error).toBeInstanceOf(StuckRequestsError);
    expect(controller.signal.reason).toBe(error);
    expect(handler.stats.inProgress).toBe(0);
  });

  it("rejects with the reason the caller aborts its given controller with", async () => {
    const handler = new RetryHandler({ clock: new FakeClock({ mode: "manual" }), logger: silent });
    const controller = new AbortController();
    const call = handler.execute(
      (signal) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("attempt saw the abort"))),
        ),
      { controller },
    );
    await settle();
    const reason = new Error("caller cancelled");
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(handler.stats.inProgress).toBe(0);
  });

  it("stops its watchdog once it stays idle past the current turn of the event loop", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const handler = new RetryHandler({ clock, logger: silent });
    await handler.execute(async () => 1);
    // Calls that follow one another at once share one watchdog.
    await handler.execute(async () => 2);
    expect(clock.sleeps).toEqual([DEFAULT_RETRY_CONFIG.progressTimeoutMs]);
    expect(clock.pending).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending).toBe(0);
  });

  it("reports nothing stuck when the progress timeout passes while it is idle", async () => {
    // A clock whose sleep the test ends by hand, within one turn of the event loop.
    let now = 0;
    let wake: (() => void) | undefined;
    const clock = {
      now: () => now,
      sleep: (_ms: number, signal?: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          wake = resolve;
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    };
    const logs: string[] = [];
    const handler = new RetryHandler({
      clock,
      logger: { ...silent, error: (message: string) => logs.push(message) },
      config: { progressTimeoutMs: 60_000 },
    });
    await handler.execute(async () => 1);
    // The timeout passes before the idle check runs (a clock jump, a blocked event loop).
    now += 60_000;
    wake?.();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(logs).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await handler.execute(async () => "fresh")).toBe("fresh");
  });
});
