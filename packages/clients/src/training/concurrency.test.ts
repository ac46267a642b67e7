import { afterEach, describe, expect, it } from "vitest";
import {
  acceleratedClock,
  BASE_MODEL,
  ceDatum,
  type Harness,
  startHarness,
} from "../clients.test-helpers.js";
import { ClientClosedError } from "../errors.js";

/** Phase Q4: no deadlock, no lost reply and no duplicate execution under concurrency and faults. */

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface FaultCounters {
  readonly total: number;
  readonly by_kind: Record<string, number>;
}

describe("TrainingClient under faults and concurrency", () => {
  it("executes every seq_id of a 200-step loop exactly once and in order under 15% injected faults", async () => {
    harness = await startHarness({
      server: {
        faults: {
          seed: 42,
          rules: [
            // Polls may also expire (410): the client resends the request with its seq_id.
            {
              endpoint: "/api/v1/retrieve_future",
              server_error: 0.04,
              rate_limit: 0.04,
              timeout: 0.04,
              gone: 0.03,
            },
            { endpoint: "*", server_error: 0.05, rate_limit: 0.05, timeout: 0.05 },
          ],
        },
      },
      client: { clock: acceleratedClock(200) },
    });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const futures = Array.from({ length: 200 }, (_, step) => [
      training.forwardBackward([ceDatum(10 * (step + 1))], "cross_entropy"),
      training.optimStep({ learning_rate: step + 1 }),
    ]).flat();
    const results = await Promise.all(futures);
    expect(results).toHaveLength(400);

    const calls = harness.backendCalls.filter((c) => c.op === "forwardBackward" || c.op === "optimStep");
    const expected = Array.from({ length: 200 }, (_, step) => [
      { op: "forwardBackward", tags: [10 * (step + 1)] },
      { op: "optimStep", tags: [step + 1] },
    ]).flat();
    expect(calls.map(({ op, tags }) => ({ op, tags }))).toEqual(expected);

    // Expired polls (410) were recovered by resending with the same seq_id.
    expect(harness.logs.some((l) => l.message.includes("sending it again with the same seq_id"))).toBe(true);
    const { counters } = (await harness.admin("GET", "/_admin/faults")) as { counters: FaultCounters };
    expect(counters.total).toBeGreaterThan(50);
    for (const kind of ["server_error", "rate_limit", "timeout", "gone"]) {
      expect(counters.by_kind[kind], kind).toBeGreaterThan(0);
    }
  });

  it("close() during in-flight work settles every pending promise with ClientClosedError", async () => {
    harness = await startHarness({ client: { clock: acceleratedClock(100) } });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    await harness.admin("POST", "/_admin/pause", { state: "paused_capacity", duration_ms: 600_000 });
    const pending = [
      training.forwardBackward([ceDatum(1)], "cross_entropy"),
      training.optimStep({}),
      training.saveState("never"),
      training.forward([ceDatum(2)], "cross_entropy"),
    ];
    await pending[0]!.requestId;
    await harness.service.close();
    const settled = await Promise.allSettled(pending);
    for (const outcome of settled) {
      expect(outcome.status).toBe("rejected");
      expect(ClientClosedError.isInstance((outcome as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(() => training.optimStep({})).toThrow(ClientClosedError);
    await expect(harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL })).rejects.toThrow(
      ClientClosedError,
    );
  });
});
