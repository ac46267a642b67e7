import { InvalidInputError } from "@tinker-ts/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { combine } from "./combine.js";
import { FutureTimeoutError } from "./errors.js";
import { deferred, POLL_PATH, pollBody, startEnv, type TestEnv } from "./futures.test-helpers.js";
import { PollingFuture } from "./polling-future.js";
import { jsonResult } from "./result-decoder.js";

const chunk = jsonResult("ForwardBackwardOutput", (value) => value["loss"] as number);

let env: TestEnv;

beforeEach(async () => {
  env = await startEnv();
});

afterEach(async () => {
  await env.close();
});

function chunkFuture(requestId: string): PollingFuture<number> {
  return new PollingFuture({
    http: env.http,
    submission: requestId,
    requestType: "ForwardBackward",
    result: chunk,
  });
}

describe("combine (tinker-wire-spec.md §6.5)", () => {
  it("applies the transform to the member results in member order", async () => {
    const release = deferred<void>();
    env.server.route("POST", POLL_PATH, async (request) => {
      const id = pollBody(request).request_id;
      // The first chunk answers last.
      if (id === "chunk-0") await release.promise;
      else if (id === "chunk-1") release.resolve();
      return { json: { loss: Number(id.slice(-1)) + 1 } };
    });
    const members = [chunkFuture("chunk-0"), chunkFuture("chunk-1")];
    const combined = combine(members, (losses) => losses.join("+"));
    expect(await combined.requestId).toBe("chunk-0");
    expect(await combined).toBe("1+2");
    expect(await combined.result()).toBe("1+2");
    expect(combined.done).toBe(true);
  });

  it("rejects with a member's failure", async () => {
    env.server.route("POST", POLL_PATH, (request) =>
      pollBody(request).request_id === "bad"
        ? { json: { error: "chunk failed", category: "server" } }
        : { json: { loss: 1 } },
    );
    const combined = combine([chunkFuture("good"), chunkFuture("bad")], (losses) => losses.length);
    await expect(combined).rejects.toMatchObject({ category: "server", requestId: "bad" });
  });

  it("rejects when the transform throws", async () => {
    env.server.route("POST", POLL_PATH, { json: { loss: 1 } });
    const combined = combine([chunkFuture("a")], () => {
      throw new RangeError("metrics do not combine");
    });
    await expect(combined).rejects.toBeInstanceOf(RangeError);
  });

  it("cancel() cancels every member, and stops no one once done", async () => {
    env.server.route("POST", POLL_PATH, { action: "hang" });
    const members = [chunkFuture("a"), chunkFuture("b")];
    const combined = combine(members, (losses) => losses);
    const reason = new Error("stop");
    combined.cancel(reason);
    await expect(combined).rejects.toBe(reason);
    await expect(members[0]).rejects.toBe(reason);
    await expect(members[1]).rejects.toBe(reason);

    env.server.route("POST", POLL_PATH, { json: { loss: 3 } });
    const finished = combine([chunkFuture("c")], ([loss]) => loss);
    await finished;
    finished.cancel();
    expect(await finished).toBe(3);
  });

  it("result({ timeoutMs }) waits on the given clock", async () => {
    const manual = await startEnv({ clockMode: "manual" });
    try {
      manual.server.route("POST", POLL_PATH, { action: "hang" });
      const member = new PollingFuture({
        http: manual.http,
        submission: "slow",
        requestType: "Forward",
        result: chunk,
      });
      const combined = combine([member], ([loss]) => loss, { clock: manual.clock });
      const waiting = combined.result({ timeoutMs: 5_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await manual.clock.advance(5_000);
      const error = await waiting;
      expect(error).toBeInstanceOf(FutureTimeoutError);
      expect(error).toMatchObject({ timeoutMs: 5_000, requestId: undefined });
      combined.cancel();
      await expect(member).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      await manual.close();
    }
  });

  it("needs at least one future", () => {
    expect(() => combine([], () => 0)).toThrow(InvalidInputError);
  });
});
