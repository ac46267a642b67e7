import { FakeClock } from "@tinker-ts/test-server";
import { InvalidInputError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { waitForResult } from "./api-future.js";
import { deferred } from "./futures.test-helpers.js";

class TimedOut extends Error {}

describe("waitForResult", () => {
  it("returns the promise itself when there is neither a timeout nor a signal", () => {
    const promise = Promise.resolve(1);
    expect(waitForResult(promise, {}, new FakeClock(), () => new TimedOut())).toBe(promise);
  });

  it("settles like the promise when it wins, and then never calls onTimeout", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const work = deferred<string>();
    const timeouts: number[] = [];
    const waiting = waitForResult(work.promise, { timeoutMs: 1_000 }, clock, (ms) => {
      timeouts.push(ms);
      return new TimedOut();
    });
    work.resolve("done");
    await expect(waiting).resolves.toBe("done");
    await clock.advance(5_000);
    expect(timeouts).toEqual([]);

    const failing = deferred<string>();
    const failure = new Error("request failed");
    const waitingForFailure = waitForResult(
      failing.promise,
      { timeoutMs: 1_000 },
      clock,
      () => new TimedOut(),
    );
    failing.reject(failure);
    await expect(waitingForFailure).rejects.toBe(failure);
  });

  it("rejects with onTimeout's error once timeoutMs passes on the clock, leaving the work running", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const work = deferred<string>();
    const timeouts: number[] = [];
    const waiting = waitForResult(work.promise, { timeoutMs: 2_000 }, clock, (ms) => {
      timeouts.push(ms);
      return new TimedOut(`after ${ms} ms`);
    });
    const settled = waiting.then(
      () => "resolved",
      (e: unknown) => e,
    );
    await clock.advance(1_999);
    await clock.advance(1);
    const error = await settled;
    expect(error).toBeInstanceOf(TimedOut);
    expect((error as Error).message).toBe("after 2000 ms");
    expect(timeouts).toEqual([2_000]);
    work.resolve("late");
    await expect(work.promise).resolves.toBe("late");
  });

  it("keeps a rejection until the caller awaits it: no unhandled rejection in between", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const work = deferred<number>();
      const timedOut = waitForResult(work.promise, { timeoutMs: 10 }, clock, () => new TimedOut());
      const aborted = waitForResult(
        work.promise,
        { signal: AbortSignal.abort("gone") },
        clock,
        () => new TimedOut(),
      );
      const invalid = waitForResult(work.promise, { timeoutMs: -5 }, clock, () => new TimedOut());
      await clock.advance(10);
      // Unhandled rejections are reported after a macrotask turn.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      await expect(timedOut).rejects.toBeInstanceOf(TimedOut);
      await expect(aborted).rejects.toBe("gone");
      await expect(invalid).rejects.toBeInstanceOf(InvalidInputError);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("rejects with the signal's reason when it aborts first, or has already", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const work = deferred<number>();
    const controller = new AbortController();
    const waiting = waitForResult(work.promise, { signal: controller.signal }, clock, () => new TimedOut());
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(
      waitForResult(work.promise, { signal: AbortSignal.abort(reason) }, clock, () => new TimedOut()),
    ).rejects.toBe(reason);
  });

  it("rejects a negative or NaN timeout with an InvalidInputError naming timeoutMs", async () => {
    const clock = new FakeClock();
    for (const timeoutMs of [-1, Number.NaN]) {
      const error = await waitForResult(Promise.resolve(1), { timeoutMs }, clock, () => new TimedOut()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ path: "timeoutMs" });
    }
  });
});
