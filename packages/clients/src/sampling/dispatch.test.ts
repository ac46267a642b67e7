import { TinkerHttp } from "@tinker-ts/http";
import { FakeClock, settle } from "@tinker-ts/test-server";
import { InvalidInputError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import {
  BACKOFF_CHECK_INTERVAL_MS,
  dispatcherKey,
  SAMPLE_THROTTLE_WINDOW_MS,
  SampleDispatcher,
  sharedSampleDispatcher,
} from "./dispatch.js";
import { Semaphore } from "./semaphore.js";

function tracked<T>(promise: Promise<T>): { readonly settled: boolean; readonly value: T | undefined } {
  const state = { settled: false, value: undefined as T | undefined };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

describe("Semaphore", () => {
  it("admits up to its permits and serves waiters in order", async () => {
    const semaphore = new Semaphore(2);
    const a = await semaphore.acquire();
    await semaphore.acquire();
    const third = tracked(semaphore.acquire());
    const fourth = tracked(semaphore.acquire());
    await settle(1);
    expect([third.settled, fourth.settled, semaphore.waiting]).toEqual([false, false, 2]);
    a.release();
    a.release(); // idempotent
    await settle(1);
    expect([third.settled, fourth.settled, semaphore.held]).toEqual([true, false, 2]);
  });

  it("drops an aborted waiter and rejects invalid permits", async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(semaphore.waiting).toBe(0);
    await expect(semaphore.acquire(controller.signal)).rejects.toThrow("stop");
    held.release();
    expect(semaphore.held).toBe(0);
    expect(semaphore.permits).toBe(1);
    expect(() => new Semaphore(0)).toThrow(InvalidInputError);
  });
});

describe("SampleDispatcher (tinker-wire-spec.md §9.3)", () => {
  it("caps samples submitting at once", async () => {
    const dispatcher = new SampleDispatcher(new FakeClock({ mode: "manual" }), {
      maxInFlight: 2,
      budgetBytes: 1e9,
    });
    const first = await dispatcher.acquire(10);
    await dispatcher.acquire(10);
    const third = tracked(dispatcher.acquire(10));
    await settle(2);
    expect(third.settled).toBe(false);
    expect(dispatcher.inFlight).toBe(2);
    first.release();
    await settle(2);
    expect(third.settled).toBe(true);
  });

  it("charges the estimate, lets one oversized prompt go alone, and waits while the balance is negative", async () => {
    const dispatcher = new SampleDispatcher(new FakeClock({ mode: "manual" }), { budgetBytes: 1000 });
    const big = await dispatcher.acquire(5000);
    expect(big).toMatchObject({ chargedBytes: 5000, throttled: false });
    expect(dispatcher.availableBytes).toBe(-4000);
    const small = tracked(dispatcher.acquire(1));
    await settle(2);
    expect(small.settled).toBe(false);
    big.release();
    await settle(2);
    expect(small.settled).toBe(true);
    expect(dispatcher.availableBytes).toBe(999);
  });

  it("backs off 1 s for prompts up to 128 KiB and 5 s above, shared by every waiter", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const dispatcher = new SampleDispatcher(clock, { budgetBytes: 1e9 });
    expect(dispatcher.backoffUntil).toBeUndefined();
    expect(dispatcher.isThrottled()).toBe(false);
    await dispatcher.waitOutBackoff(); // nothing to wait for
    expect(dispatcher.backOff(131_072)).toBe(1000);
    expect(dispatcher.backoffUntil).toBe(clock.now() + 1000);
    expect(dispatcher.backOff(131_073)).toBe(5000);
    const start = clock.now();
    const waiters = [tracked(dispatcher.waitOutBackoff()), tracked(dispatcher.waitOutBackoff())];
    await clock.advance(4 * BACKOFF_CHECK_INTERVAL_MS);
    expect(waiters.some((w) => w.settled)).toBe(false);
    await clock.advance(BACKOFF_CHECK_INTERVAL_MS);
    expect(waiters.every((w) => w.settled)).toBe(true);
    expect(clock.now() - start).toBe(5000);
  });

  it("throttles to a separate cap with a ×20 byte charge until 10 s after the deadline", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const dispatcher = new SampleDispatcher(clock, { throttledMaxInFlight: 1, budgetBytes: 10_000 });
    dispatcher.backOff(100);
    const throttled = await dispatcher.acquire(100);
    expect(throttled).toMatchObject({ chargedBytes: 2000, throttled: true });
    expect(dispatcher.throttledInFlight).toBe(1);
    const second = tracked(dispatcher.acquire(100));
    await settle(2);
    expect(second.settled).toBe(false);
    throttled.release();
    await settle(2);
    expect(second.settled).toBe(true);
    second.value?.release();

    await clock.advance(1000 + SAMPLE_THROTTLE_WINDOW_MS - 1);
    expect(dispatcher.isThrottled()).toBe(true);
    await clock.advance(1);
    expect(dispatcher.isThrottled()).toBe(false);
    expect(await dispatcher.acquire(100)).toMatchObject({ chargedBytes: 100, throttled: false });
  });

  it("releases what it holds when aborted while waiting", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const dispatcher = new SampleDispatcher(clock, { throttledMaxInFlight: 1, budgetBytes: 1e9 });
    dispatcher.backOff(1);
    const holder = await dispatcher.acquire(1);
    const controller = new AbortController();
    const waiting = dispatcher.acquire(1, controller.signal);
    await settle(2);
    expect(dispatcher.inFlight).toBe(2); // the second holds its count slot while waiting to throttle
    controller.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(dispatcher.inFlight).toBe(1);
    holder.release();
    holder.release();
    expect(dispatcher.inFlight).toBe(0);
    await expect(dispatcher.waitOutBackoff(controller.signal)).rejects.toThrow("gone");
  });
});

describe("sharedSampleDispatcher", () => {
  const http = (apiKey: string, baseUrl = "http://127.0.0.1:1") =>
    new TinkerHttp({ apiKey, baseUrl, env: {}, credentialsFile: false, clock: new FakeClock() });
  const config = { sample_dispatch_bytes_semaphore_size: 1024 };

  it("is one per base URL and credential in the process", () => {
    const a = sharedSampleDispatcher(http("tml-aaa"), config);
    expect(sharedSampleDispatcher(http("tml-aaa"), config)).toBe(a);
    expect(sharedSampleDispatcher(http("tml-bbb"), config)).not.toBe(a);
    expect(sharedSampleDispatcher(http("tml-aaa", "http://127.0.0.1:2"), config)).not.toBe(a);
    expect(a.availableBytes).toBe(1024);
  });

  it("is one per server however its base URL is spelled (default ports, case, trailing slash)", () => {
    const a = sharedSampleDispatcher(http("tml-aaa", "https://tinker.example"), config);
    for (const spelling of [
      "https://tinker.example:443",
      "HTTPS://Tinker.Example/",
      "https://tinker.example:443/",
    ]) {
      expect(sharedSampleDispatcher(http("tml-aaa", spelling), config), spelling).toBe(a);
    }
    expect(sharedSampleDispatcher(http("tml-aaa", "https://tinker.example:8443"), config)).not.toBe(a);
    const plain = sharedSampleDispatcher(http("tml-aaa", "http://tinker.example"), config);
    expect(sharedSampleDispatcher(http("tml-aaa", "http://tinker.example:80"), config)).toBe(plain);
    expect(plain).not.toBe(a);
  });

  it("never keys the registry by the credential in clear", () => {
    const key = dispatcherKey(http("tml-secret-key-123"));
    expect(key).not.toContain("secret-key");
    const [url, digest] = key.split("\u0000");
    expect(url).toBe("http://127.0.0.1:1");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const viaCommand = new TinkerHttp({
      credentialCmd: "print-key",
      baseUrl: "http://127.0.0.1:1",
      env: {},
      credentialsFile: false,
    });
    expect(dispatcherKey(viaCommand)).not.toBe(key);
    expect(dispatcherKey(viaCommand)).not.toContain("print-key");
  });
});
