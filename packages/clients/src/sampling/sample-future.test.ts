import { FakeClock, settle } from "@tinker-ts/test-server";
import { InvalidInputError } from "@tinker-ts/types";
import { afterEach, describe, expect, it } from "vitest";
import { SampleCancelQueue } from "./cancel-queue.js";
import { SampleFuture } from "./sample-future.js";
import { type SamplingHarness, startSamplingHarness } from "./sampling.test-helpers.js";

function gate<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("SampleFuture", () => {
  it("resolves with the run's value and reports the first request id", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const done = gate<string>();
    const future = new SampleFuture(
      async ({ onRequestId }) => {
        onRequestId("first");
        onRequestId("second");
        return done.promise;
      },
      { clock },
    );
    expect(await future.requestId).toBe("first");
    expect(future.done).toBe(false);
    done.resolve("value");
    expect(await future).toBe("value");
    expect(await future.result()).toBe("value");
    expect(await future.result({ timeoutMs: 10 })).toBe("value");
    expect(future.done).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it("rejects requestId and the future when the run fails, without unhandled rejections", async () => {
    const future = new SampleFuture(
      async () => {
        throw new Error("failed early");
      },
      { clock: new FakeClock() },
    );
    await settle();
    await expect(future.requestId).rejects.toThrow("failed early");
    await expect(future).rejects.toThrow("failed early");
  });

  it("bounds a wait by timeoutMs or a signal without stopping the run", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const done = gate<number>();
    const future = new SampleFuture(() => done.promise, { clock });
    const timed = future.result({ timeoutMs: 100 });
    await clock.advance(100);
    await expect(timed).rejects.toMatchObject({
      name: "FutureTimeoutError",
      timeoutMs: 100,
      requestId: undefined,
    });
    const controller = new AbortController();
    const waiting = future.result({ signal: controller.signal, timeoutMs: 1_000 });
    controller.abort(new Error("enough"));
    await expect(waiting).rejects.toThrow("enough");
    await expect(future.result({ signal: controller.signal })).rejects.toThrow("enough");
    await expect(future.result({ timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    done.resolve(7);
    expect(await future).toBe(7);
    expect(clock.pending).toBe(0);
  });

  it("is cancelled by cancel() or by any of its signals", async () => {
    const hang = ({ signal }: { signal: AbortSignal }) =>
      new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    const cancelled = new SampleFuture(hang, { clock: new FakeClock() });
    cancelled.cancel(new Error("stop"));
    await expect(cancelled).rejects.toThrow("stop");
    const outer = new AbortController();
    const bySignal = new SampleFuture(hang, { clock: new FakeClock(), signals: [undefined, outer.signal] });
    outer.abort(new Error("closed"));
    await expect(bySignal).rejects.toThrow("closed");
  });
});

describe("SampleCancelQueue against tinker-local", () => {
  let harness: SamplingHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("sends cancel_future in batches and logs failures", async () => {
    harness = await startSamplingHarness();
    const h = harness;
    const queue = new SampleCancelQueue({
      http: h.http,
      logger: h.http.logger,
      settings: () => ({ sample_cancel_enabled: true, sample_cancel_max_batch_size: 2 }),
    });
    for (const id of ["a", "b", "c", "d", "e"]) queue.enqueue(id);
    expect(queue.pending).toBe(5);
    await queue.idle();
    expect(queue.pending).toBe(0);
    expect(h.requestsTo("/api/v1/cancel_future").map((line) => line.status)).toEqual([
      410, 410, 410, 410, 410,
    ]);
    expect(
      h.logs.filter((line) => line.level === "error" && line.message.startsWith("Failed to cancel")),
    ).toHaveLength(5);
  });

  it("sends nothing when the dynamic config disables cancellation", async () => {
    harness = await startSamplingHarness();
    const h = harness;
    const disabled = new SampleCancelQueue({
      http: h.http,
      logger: h.http.logger,
      settings: () => ({ sample_cancel_enabled: false, sample_cancel_max_batch_size: 64 }),
    });
    disabled.enqueue("x");
    await disabled.idle();
    expect(disabled.pending).toBe(0);
    expect(h.requestsTo("/api/v1/cancel_future")).toHaveLength(0);
  });

  it("stays quiet about failures caused by the ServiceClient closing", async () => {
    harness = await startSamplingHarness();
    const h = harness;
    const closing = new AbortController();
    closing.abort();
    const queue = new SampleCancelQueue({
      http: h.http,
      logger: h.http.logger,
      signal: closing.signal,
      settings: () => ({ sample_cancel_enabled: true, sample_cancel_max_batch_size: 64 }),
    });
    queue.enqueue("z");
    await queue.idle();
    expect(h.logs.filter((line) => line.level === "error")).toHaveLength(0);
  });
});
