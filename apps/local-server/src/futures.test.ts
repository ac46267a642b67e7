import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { FutureRegistry } from "./futures.js";

const ok = { kind: "success" as const, result: { json: () => ({ ok: true }) } };

describe("FutureRegistry", () => {
  it("wakes a long poll when the future settles", async () => {
    const clock = new ManualClock();
    const registry = new FutureRegistry(clock, 10_000);
    const entry = registry.create("Sample", "s1");
    const waiting = registry.wait(entry.requestId, 30_000);
    registry.settle(entry.requestId, ok);
    await expect(waiting).resolves.toBe(true);
    expect(registry.get(entry.requestId)?.outcome).toBe(ok);
  });

  it("times out a long poll on the clock, and aborts it on signal", async () => {
    const clock = new ManualClock();
    const registry = new FutureRegistry(clock, 10_000);
    const entry = registry.create("Sample");
    const waiting = registry.wait(entry.requestId, 30_000);
    clock.advance(30_000);
    await expect(waiting).resolves.toBe(false);
    const controller = new AbortController();
    const aborted = registry.wait(entry.requestId, 30_000, controller.signal);
    controller.abort();
    await expect(aborted).resolves.toBe(false);
    await expect(registry.wait("unknown", 10)).resolves.toBe(false);
  });

  it("forgets settled futures after the result TTL, and settles only once", () => {
    const clock = new ManualClock();
    const registry = new FutureRegistry(clock, 1000);
    const entry = registry.create("OptimStep");
    registry.settle(entry.requestId, ok);
    registry.settle(entry.requestId, { kind: "failed", error: "late", category: "server" });
    expect(registry.get(entry.requestId)?.outcome).toBe(ok);
    clock.advance(1000);
    expect(registry.get(entry.requestId)).toBeUndefined();
  });

  it("fails the pending futures of an owner", () => {
    const registry = new FutureRegistry(new ManualClock(), 1000);
    const mine = registry.create("ForwardBackward", "m1");
    const other = registry.create("ForwardBackward", "m2");
    expect(registry.pendingCount()).toBe(2);
    registry.failOwned("m1", "session expired", "user");
    expect(registry.get(mine.requestId)?.outcome).toEqual({
      kind: "failed",
      error: "session expired",
      category: "user",
    });
    expect(registry.get(other.requestId)?.outcome).toBeUndefined();
    registry.clear();
    expect(registry.pendingCount()).toBe(0);
  });
});
