import { describe, expect, it, vi } from "vitest";
import { raceAbort, systemClock } from "./clock.js";
import { consoleLogger } from "./logger.js";

describe("systemClock", () => {
  it("sleeps and can be aborted before or during the sleep", async () => {
    expect(typeof systemClock.now()).toBe("number");
    await expect(systemClock.sleep(1)).resolves.toBeUndefined();
    await expect(systemClock.sleep(1, new AbortController().signal)).resolves.toBeUndefined();
    await expect(systemClock.sleep(10, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
    const controller = new AbortController();
    const pending = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error("woken"));
    await expect(pending).rejects.toThrow("woken");
  });
});

describe("raceAbort", () => {
  it("settles like the promise unless the signal aborts first", async () => {
    await expect(raceAbort(Promise.resolve(1), undefined)).resolves.toBe(1);
    await expect(raceAbort(Promise.resolve(2), new AbortController().signal)).resolves.toBe(2);
    await expect(raceAbort(Promise.reject(new Error("e")), new AbortController().signal)).rejects.toThrow(
      "e",
    );
    await expect(raceAbort(Promise.resolve(3), AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
  });
});

describe("consoleLogger", () => {
  it("writes prefixed lines through console", () => {
    const spies = (["debug", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => {}),
    );
    consoleLogger.debug("d");
    consoleLogger.info("i", { a: 1 });
    consoleLogger.warn("w");
    consoleLogger.error("e", { b: 2 });
    expect(spies.map((s) => s.mock.calls[0])).toEqual([
      ["[tinker] DEBUG d"],
      ["[tinker] INFO i", { a: 1 }],
      ["[tinker] WARN w"],
      ["[tinker] ERROR e", { b: 2 }],
    ]);
    for (const spy of spies) spy.mockRestore();
  });
});
