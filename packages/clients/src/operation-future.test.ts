import { FutureTimeoutError } from "@tinker-ts/futures";
import { FakeClock } from "@tinker-ts/test-server";
import { InvalidInputError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { OperationFuture } from "./operation-future.js";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("OperationFuture", () => {
  it("resolves with the operation's result and exposes its request id", async () => {
    const future = new OperationFuture(new FakeClock(), () => ({
      requestId: Promise.resolve("req-1"),
      result: Promise.resolve(42),
    }));
    await expect(future.requestId).resolves.toBe("req-1");
    expect(await future).toBe(42);
    expect(await future.result()).toBe(42);
    expect(future.done).toBe(true);
    future.cancel();
    expect(await future).toBe(42);
  });

  it("bounds a wait with timeoutMs on its clock and keeps running", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const result = deferred<string>();
    const future = new OperationFuture(clock, () => ({
      requestId: Promise.resolve("req-2"),
      result: result.promise,
    }));
    await future.requestId;
    const waiting = future.result({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    await clock.advance(5_000);
    const error = await waiting;
    expect(FutureTimeoutError.isInstance(error)).toBe(true);
    expect((error as FutureTimeoutError).requestId).toBe("req-2");
    result.resolve("late");
    await expect(future.result({ timeoutMs: 1 })).resolves.toBe("late");
  });

  it("stops waiting when the caller's signal aborts, and rejects a negative timeout", async () => {
    const result = deferred<number>();
    const future = new OperationFuture(new FakeClock(), () => ({
      requestId: Promise.resolve("r"),
      result: result.promise,
    }));
    const controller = new AbortController();
    const waiting = future.result({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await expect(waiting).rejects.toThrow("stop waiting");
    await expect(future.result({ signal: controller.signal })).rejects.toThrow("stop waiting");
    await expect(future.result({ timeoutMs: -1 })).rejects.toThrow(InvalidInputError);
    result.reject(new Error("failed later"));
    await expect(future.result({ timeoutMs: 10_000 })).rejects.toThrow("failed later");
  });

  it("aborts the operation's signal on cancel, and turns a synchronous throw into a rejection", async () => {
    let seen: AbortSignal | undefined;
    const future = new OperationFuture(new FakeClock(), (signal) => {
      seen = signal;
      return {
        requestId: Promise.resolve("r"),
        result: new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
      };
    });
    future.cancel(new Error("cancelled"));
    expect(seen?.aborted).toBe(true);
    await expect(future).rejects.toThrow("cancelled");

    const broken = new OperationFuture(new FakeClock(), () => {
      throw new Error("could not start");
    });
    await expect(broken).rejects.toThrow("could not start");
    await expect(broken.requestId).rejects.toThrow("could not start");
  });
});
