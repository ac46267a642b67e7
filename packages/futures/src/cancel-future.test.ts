import { APIStatusError } from "@tinker-ts/http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sendCancelFuture } from "./cancel-future.js";
import { startEnv, type TestEnv } from "./futures.test-helpers.js";

const CANCEL_PATH = "/api/v1/cancel_future";

let env: TestEnv;

beforeEach(async () => {
  env = await startEnv();
});

afterEach(async () => {
  await env.close();
});

describe("sendCancelFuture (Python SDK 0.38 enqueue_cancel)", () => {
  it("posts the request id with a 30 s timeout and no base-client retries", async () => {
    env.server.enqueue("POST", CANCEL_PATH, { json: null });
    await sendCancelFuture(env.http, "req-9");
    const [request] = env.server.requestsTo(CANCEL_PATH);
    expect(request?.text()).toBe('{"request_id":"req-9"}');
    expect(request?.headers["x-stainless-read-timeout"]).toBe("30");
    expect(request?.headers["x-stainless-retry-count"]).toBe("0");
  });

  it("retries a 5xx through executeWithRetries, then raises a non-retryable status", async () => {
    env.server.enqueue("POST", CANCEL_PATH, { status: 503, json: {} }, { json: null });
    await sendCancelFuture(env.http, "req-9");
    expect(env.server.requestsTo(CANCEL_PATH)).toHaveLength(2);
    expect(env.clock.sleeps).toEqual([1000]);

    env.server.enqueue("POST", CANCEL_PATH, { status: 410, json: { detail: "unknown" } });
    const error = await sendCancelFuture(env.http, "gone").catch((e: unknown) => e);
    expect(APIStatusError.isInstance(error) && error.status).toBe(410);
  });

  it("stops when aborted", async () => {
    const reason = new Error("closing");
    await expect(sendCancelFuture(env.http, "req-9", { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(env.server.requestsTo(CANCEL_PATH)).toHaveLength(0);
  });
});
