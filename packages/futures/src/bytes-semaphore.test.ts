import { InvalidInputError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { BytesSemaphore } from "./bytes-semaphore.js";

/** Resolves after queued microtasks and one macrotask have run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { settled: () => settled, promise };
}

describe("BytesSemaphore (tinker-wire-spec.md §9.3)", () => {
  it("grants at once within the budget and gives the bytes back on release", async () => {
    const sem = new BytesSemaphore(100);
    const a = await sem.acquire(60);
    const b = await sem.acquire(30);
    expect(sem.available).toBe(10);
    a.release();
    expect(sem.available).toBe(70);
    b.release();
    expect(sem.available).toBe(100);
  });

  it("lets the balance go negative: an acquisition larger than the whole budget still proceeds", async () => {
    const sem = new BytesSemaphore(10);
    const big = await sem.acquire(25);
    expect(big.bytes).toBe(25);
    expect(sem.available).toBe(-15);
    big.release();
    expect(sem.available).toBe(10);
  });

  it("grants while the balance is non-negative even if the request exceeds what is left", async () => {
    const sem = new BytesSemaphore(10);
    await sem.acquire(8);
    const second = await sem.acquire(8); // available is 2 ≥ 0, so it proceeds and goes to -6
    expect(sem.available).toBe(-6);
    second.release();
  });

  it("makes acquisitions wait while the balance is negative, including zero-byte ones", async () => {
    const sem = new BytesSemaphore(10);
    const big = await sem.acquire(25);
    const zero = track(sem.acquire(0));
    const small = track(sem.acquire(1));
    await tick();
    expect(zero.settled()).toBe(false);
    expect(small.settled()).toBe(false);
    expect(sem.waiting).toBe(2);
    big.release();
    await tick();
    expect(zero.settled()).toBe(true);
    expect(small.settled()).toBe(true);
    expect(sem.available).toBe(9);
  });

  it("serves waiters in arrival order and stops when the balance turns negative again", async () => {
    const sem = new BytesSemaphore(10);
    const first = await sem.acquire(20);
    const order: string[] = [];
    const a = sem.acquire(15).then((p) => {
      order.push("a");
      return p;
    });
    const b = sem.acquire(1).then((p) => {
      order.push("b");
      return p;
    });
    await tick();
    first.release(); // balance 10 → a takes 15 → -5, b keeps waiting
    await tick();
    expect(order).toEqual(["a"]);
    expect(sem.available).toBe(-5);
    (await a).release();
    await tick();
    expect(order).toEqual(["a", "b"]);
    (await b).release();
    expect(sem.available).toBe(10);
  });

  it("grants a waiter when a release brings the balance back to exactly zero", async () => {
    const sem = new BytesSemaphore(0);
    const hold = await sem.acquire(5); // 0 ≥ 0, granted → -5
    const waiter = track(sem.acquire(1));
    hold.release(); // balance 0 → waiter granted → -1
    await tick();
    expect(waiter.settled()).toBe(true);
    expect(sem.available).toBe(-1);
  });

  it("releases only once per permit", async () => {
    const sem = new BytesSemaphore(10);
    const permit = await sem.acquire(4);
    permit.release();
    permit.release();
    expect(sem.available).toBe(10);
  });

  it("rejects with the abort reason and takes nothing when aborted while waiting", async () => {
    const sem = new BytesSemaphore(1);
    const hold = await sem.acquire(5);
    const controller = new AbortController();
    const waiting = sem.acquire(3, controller.signal);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(sem.waiting).toBe(0);
    hold.release();
    expect(sem.available).toBe(1);
  });

  it("rejects at once for an already aborted signal", async () => {
    const sem = new BytesSemaphore(1);
    const reason = new Error("already");
    await expect(sem.acquire(1, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(sem.available).toBe(1);
  });

  it("rejects invalid sizes", async () => {
    const sem = new BytesSemaphore(1);
    await expect(sem.acquire(-1)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(sem.acquire(Number.NaN)).rejects.toBeInstanceOf(InvalidInputError);
    expect(() => new BytesSemaphore(-1)).toThrow(InvalidInputError);
    expect(() => new BytesSemaphore(Number.POSITIVE_INFINITY)).toThrow(InvalidInputError);
  });
});
