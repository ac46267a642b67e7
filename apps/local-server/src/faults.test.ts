import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { FaultInjector, parseFaultConfig } from "./faults.js";

describe("parseFaultConfig", () => {
  it("accepts rules, seed, retry-after and a queue pause", () => {
    const config = parseFaultConfig({
      seed: 3,
      retry_after_seconds: 2,
      rules: [{ endpoint: "*", server_error: 0.1, rate_limit: 0.1, latency_ms: 5 }],
      pause_queue: { state: "paused_capacity", reason: "maintenance", duration_ms: 100 },
    });
    expect(config.rules[0]).toEqual({ endpoint: "*", server_error: 0.1, rate_limit: 0.1, latency_ms: 5 });
  });

  it.each([
    [[], "JSON object"],
    [{ rules: {} }, "'rules' must be an array"],
    [{ rules: [{}] }, "endpoint must be a string"],
    [{ rules: [{ endpoint: "*", explode: 0.1 }] }, "not a fault kind"],
    [{ rules: [{ endpoint: "*", drop: 2 }] }, "probability"],
    [{ rules: [{ endpoint: "*", drop: 0.6, gone: 0.6 }] }, "add up to"],
    [{ rules: [{ endpoint: "*", drop: "x" }] }, "must be a number"],
    [{ rules: [], pause_queue: { state: "paused", duration_ms: 1 } }, "pause state"],
    [{ rules: [], pause_queue: { state: "paused_capacity", duration_ms: 1, reason: 3 } }, "reason"],
  ])("rejects %j", (value, message) => {
    expect(() => parseFaultConfig(value)).toThrow(message);
  });
});

describe("FaultInjector", () => {
  it("injects reproducibly for a seed and counts what it injects", () => {
    const decide = () => {
      const injector = new FaultInjector(new ManualClock(), {
        seed: 42,
        rules: [{ endpoint: "/api/v1/asample", server_error: 0.2, rate_limit: 0.2, timeout: 0.2 }],
      });
      const faults = Array.from({ length: 1000 }, () => injector.decide("/api/v1/asample").fault);
      return { faults, counters: injector.counters() };
    };
    const a = decide();
    const b = decide();
    expect(a.faults).toEqual(b.faults);
    const injected = a.faults.filter((f) => f !== undefined).length;
    expect(a.counters.total).toBe(injected);
    expect(injected).toBeGreaterThan(500);
    expect(injected).toBeLessThan(700);
    expect(a.counters.by_endpoint["/api/v1/asample"]?.["server_error"]).toBe(
      a.counters.by_kind["server_error"],
    );
  });

  it("leaves unmatched endpoints alone, adds latency, and resets counters", () => {
    const injector = new FaultInjector(new ManualClock(), {
      rules: [{ endpoint: "/api/v1/optim_step", drop: 1, latency_ms: 7 }],
    });
    expect(injector.decide("/api/v1/asample")).toEqual({ fault: undefined, latencyMs: 0 });
    expect(injector.decide("/api/v1/optim_step")).toEqual({ fault: "drop", latencyMs: 7 });
    expect(injector.counters().latency_injections).toBe(1);
    injector.resetCounters();
    expect(injector.counters().total).toBe(0);
  });

  it("keeps a queue pause until its deadline", () => {
    const clock = new ManualClock();
    const injector = new FaultInjector(clock);
    injector.pauseQueue({ state: "paused_rate_limit", duration_ms: 50 });
    expect(injector.activePause()?.state).toBe("paused_rate_limit");
    clock.advance(50);
    expect(injector.activePause()).toBeUndefined();
  });
});
