import { describe, expect, it } from "vitest";
import { mapSettled } from "./concurrency.js";

describe("mapSettled", () => {
  it("runs at most `limit` tasks at once and keeps input order, recording failures", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapSettled([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (n === 4) throw new Error("four");
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(results.map((r) => (r?.status === "fulfilled" ? r.value : (r?.reason as Error).message))).toEqual([
      10,
      20,
      30,
      "four",
      50,
      60,
      70,
    ]);
  });

  it("starts nothing new once aborted", async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const results = await mapSettled(
      [1, 2, 3, 4],
      1,
      async (n) => {
        started.push(n);
        if (n === 2) controller.abort();
        return n;
      },
      controller.signal,
    );
    expect(started).toEqual([1, 2]);
    expect(results[2]).toBeUndefined();
  });
});
