// The client side of the reporter tests: a fetch transport to the shared loopback test server
// (@tinker-ts/test-server) that counts its sends, so tests can wait until the reporter has seen
// an outcome, and can tell a send the reporter aborted from one that failed.
import { settle } from "@tinker-ts/test-server";
import type { TelemetryTransport } from "./reporter.js";

/** A transport that POSTs JSON with fetch and counts its sends; settles follow the reporter's view. */
export interface CountingTransport {
  readonly send: TelemetryTransport;
  /** Sends started. */
  readonly started: number;
  /** Sends finished (resolved or rejected). */
  readonly settled: number;
  /** Sends that rejected because the reporter aborted their signal. */
  readonly aborted: number;
  /** Resolves once `count` sends have finished and the reporter has seen the outcome. */
  waitForSettled(count: number): Promise<void>;
}

export function fetchTransport(baseUrl: string): CountingTransport {
  let started = 0;
  let settled = 0;
  let aborted = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const send: TelemetryTransport = async (body, signal) => {
    started += 1;
    try {
      const response = await fetch(`${baseUrl}/api/v1/telemetry`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`telemetry POST failed with status ${response.status}: ${text}`);
      return JSON.parse(text) as unknown;
    } catch (error) {
      if (signal.aborted) aborted += 1;
      throw error;
    } finally {
      settled += 1;
      // The reporter handles the outcome in the promise callbacks after this one.
      void settle().then(() => {
        for (const waiter of waiters.filter((w) => settled >= w.count)) waiter.resolve();
      });
    }
  };
  return {
    send,
    get started() {
      return started;
    },
    get settled() {
      return settled;
    },
    get aborted() {
      return aborted;
    },
    waitForSettled(count) {
      if (settled >= count) return settle();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

/**
 * Waits, in 1 ms real-time steps, until `predicate` holds: for conditions that depend on real
 * loopback I/O finishing. Throws after `maxSteps` steps so a broken test fails instead of hanging.
 */
export async function waitUntil(predicate: () => boolean, what: string, maxSteps = 10_000): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`gave up waiting until ${what}`);
}
