import { modelInputFromInts, type SampleResponse } from "@tinker-ts/types";
import { afterEach, describe, expect, it } from "vitest";
import {
  acceleratedClock,
  BASE_MODEL,
  maxConcurrency,
  type SamplingHarness,
  startSamplingHarness,
} from "./sampling.test-helpers.js";
import { SamplingClient } from "./sampling-client.js";

const ASAMPLE = "/api/v1/asample";
const POLL = "/api/v1/retrieve_future";
const CALLS = 1000;
/** sample_max_concurrent_requests: samples in flight (submit, polls and retry sleeps). */
const MAX_CONCURRENT_SAMPLES = 30;
/** A 10-token prompt is estimated at 100 bytes, so a 1 900-byte budget lets 20 submit at once. */
const DISPATCH_BUDGET_BYTES = 1900;
const MAX_CONCURRENT_SUBMITS = 20;

let harness: SamplingHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("SamplingClient under load and injected faults", () => {
  it("settles 1,000 concurrent samples exactly once each, within the concurrency and dispatch caps", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      harness = await startSamplingHarness({
        // Client time runs 100× faster: a 1 s backoff takes 10 ms, the 10 s throttle window 100 ms.
        clock: acceleratedClock(100),
        server: {
          clientConfig: {
            sample_max_concurrent_requests: MAX_CONCURRENT_SAMPLES,
            sample_dispatch_bytes_semaphore_size: DISPATCH_BUDGET_BYTES,
          },
          faults: {
            seed: 11,
            rules: [
              // 15 % of submits and polls fail; 410 only on polls, where it means "resend".
              {
                endpoint: ASAMPLE,
                rate_limit: 0.05,
                server_error: 0.05,
                timeout: 0.05,
                latency_ms: 25,
                latency_probability: 1,
              },
              {
                endpoint: POLL,
                gone: 0.05,
                server_error: 0.04,
                timeout: 0.03,
                rate_limit: 0.03,
                latency_ms: 25,
                latency_probability: 1,
              },
            ],
          },
        },
      });
      const h = harness;
      const sampler = new SamplingClient({
        context: h.context,
        samplingSessionId: await h.newSamplingSession(),
        baseModel: BASE_MODEL,
      });

      const settlements = new Array<number>(CALLS).fill(0);
      const outcomes = await Promise.allSettled(
        Array.from({ length: CALLS }, (_, i) => {
          const prompt = modelInputFromInts(Array.from({ length: 10 }, (_, j) => (i * 10 + j) % 1000));
          return sampler.sample(prompt, { samplingParams: { max_tokens: 2, seed: i } }).then(
            (response: SampleResponse) => {
              settlements[i]! += 1;
              return response;
            },
            (error: unknown) => {
              settlements[i]! += 1;
              throw error;
            },
          );
        }),
      );

      const failures = outcomes.filter((o) => o.status === "rejected");
      expect(failures).toEqual([]);
      expect(settlements.every((count) => count === 1)).toBe(true);
      for (const outcome of outcomes) {
        if (outcome.status === "fulfilled") expect(outcome.value.sequences[0]!.tokens).toHaveLength(2);
      }

      const faults = (await h.admin("GET", "/_admin/faults")) as {
        counters: { total: number; requests_seen: number; by_kind: Record<string, number> };
      };
      const { counters } = faults;
      for (const kind of ["rate_limit", "server_error", "timeout", "gone"]) {
        expect(counters.by_kind[kind], kind).toBeGreaterThan(0);
      }
      expect(counters.total / counters.requests_seen).toBeGreaterThan(0.1);
      expect(counters.total / counters.requests_seen).toBeLessThan(0.2);
      // Resends after a 410 took new seq_ids: more submits were accepted than calls made.
      expect(h.requestsTo(ASAMPLE).filter((line) => line.status === 200).length).toBeGreaterThan(CALLS);

      const inFlight = maxConcurrency(h.serverLog, [ASAMPLE, POLL]);
      const submitting = maxConcurrency(h.serverLog, [ASAMPLE]);
      expect(inFlight).toBeLessThanOrEqual(MAX_CONCURRENT_SAMPLES);
      expect(submitting).toBeLessThanOrEqual(MAX_CONCURRENT_SUBMITS);
      // The caps were reached, not merely unchallenged.
      expect(inFlight).toBeGreaterThan(MAX_CONCURRENT_SUBMITS);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
