import { readFileSync } from "node:fs";
import { APIStatusError, type AuthProvider, RequestFailedError } from "@tinker-ts/http";
import { TinkerError } from "@tinker-ts/types";
import { decodeSampleResponse } from "@tinker-ts/types/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BytesSemaphore } from "./bytes-semaphore.js";
import { FutureRetrieveError, FutureTimeoutError, PromiseExpiredError, RetryableError } from "./errors.js";
import {
  deferred,
  POLL_PATH,
  pollBody,
  RecordingInstrumentation,
  RecordingObserver,
  RecordingTelemetry,
  startEnv,
  type TestEnv,
} from "./futures.test-helpers.js";
import { PollingFuture, type PollingFutureOptions } from "./polling-future.js";
import { PAUSE_GRACE_PERIOD_MS, QueueStateLogger, SamplingQueueStateLogger } from "./queue-state.js";
import { jsonResult, protobufResult } from "./result-decoder.js";

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/wire/${path}`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;

interface OptimStepResult {
  metrics: Record<string, number>;
}

/** A JSON result parser that validates like a schema would. */
function parseOptimStep(value: Readonly<Record<string, unknown>>): OptimStepResult {
  const metrics = value["metrics"];
  if (typeof metrics !== "object" || metrics === null) throw new TypeError("metrics: expected an object");
  return { metrics: metrics as Record<string, number> };
}

const optimStep = jsonResult("OptimStepResponse", parseOptimStep);
const rawBytes = protobufResult("SampleResponse", (bytes) => Buffer.from(bytes).toString("utf8"));

let env: TestEnv;
let telemetry: RecordingTelemetry;
let instrumentation: RecordingInstrumentation;
let observer: RecordingObserver;

beforeEach(async () => {
  env = await startEnv();
  telemetry = new RecordingTelemetry();
  instrumentation = new RecordingInstrumentation();
  observer = new RecordingObserver();
});

afterEach(async () => {
  await env.close();
});

function future<T = OptimStepResult>(options: Partial<PollingFutureOptions<T>> = {}): PollingFuture<T> {
  return new PollingFuture<T>({
    http: env.http,
    submission: "req-1",
    requestType: "OptimStep",
    result: optimStep as unknown as PollingFutureOptions<T>["result"],
    queueStateObserver: observer,
    telemetry,
    instrumentation,
    ...options,
  });
}

const reply = (...responses: Parameters<TestEnv["server"]["enqueue"]>[2][]) =>
  env.server.enqueue("POST", POLL_PATH, ...responses);

const header = (index: number, name: string) => env.polls()[index]?.headers[name.toLowerCase()];

describe("one poll (tinker-wire-spec.md §6.2)", () => {
  it("sends the Python SDK's body, headers, pool limits and create-promise round-trip time", async () => {
    reply({ json: { metrics: { "loss:sum": 1.5 } } });
    const start = env.clock.now() - 1500;
    const result = await future({ requestStartMs: start });
    expect(result).toEqual({ metrics: { "loss:sum": 1.5 } });

    const [poll] = env.polls();
    expect(poll?.method).toBe("POST");
    // Byte-identical to the body the Python SDK 0.38 sends (fixtures/wire).
    const golden = fixture("json/requests/FutureRetrieveRequest/first-poll.json");
    expect(poll?.text()).toBe(golden["bytes"]);
    expect(header(0, "X-Tinker-Request-Iteration")).toBe("0");
    expect(header(0, "X-Tinker-Request-Type")).toBe("OptimStep");
    expect(header(0, "X-Tinker-Create-Promise-Roundtrip-Time")).toBe("1.5");
    expect(header(0, "X-Stainless-Raw-Response")).toBe("raw");
    expect(header(0, "accept")).toBe("application/json");
    expect(header(0, "x-stainless-read-timeout")).toBe("45");
    expect(header(0, "x-stainless-retry-count")).toBe("0");
    expect(header(0, "x-api-key")).toBe("tml-test-key-0123456789");
    expect(poll?.rawHeaders).toContain("X-Tinker-Request-Iteration");
  });

  it("sends x-sdk-method and x-sdk-version on every poll when given the public method, and neither otherwise", async () => {
    reply(
      { json: { type: "try_again", request_id: "req-1", queue_state: "active" } },
      { json: { metrics: {} } },
      { json: { metrics: {} } },
    );
    await future({ sdkMethod: "TrainingClient.optim_step" });
    await future();
    expect(env.polls()).toHaveLength(3);
    for (const index of [0, 1]) {
      expect(header(index, "x-sdk-method")).toBe("TrainingClient.optim_step");
      expect(header(index, "x-sdk-version")).toBe(env.http.config.sdkVersion);
    }
    expect(header(2, "x-sdk-method")).toBeUndefined();
    expect(header(2, "x-sdk-version")).toBeUndefined();
  });

  it("formats the round-trip time as a Python float and sends it on the first poll only", async () => {
    reply(
      { json: { type: "try_again", request_id: "req-1", queue_state: "active" } },
      { json: { metrics: {} } },
    );
    await future();
    expect(header(0, "X-Tinker-Create-Promise-Roundtrip-Time")).toBe("0.0");
    expect(header(1, "X-Tinker-Create-Promise-Roundtrip-Time")).toBeUndefined();
    expect(header(1, "X-Tinker-Request-Iteration")).toBe("1");
  });

  it("asks for protobuf for protobuf result types and decodes the reply with the given decoder", async () => {
    const vector = fixture("proto/spec-5.5-sample-response.json");
    reply({
      body: Buffer.from(vector["hex"] as string, "hex"),
      headers: { "Content-Type": "application/x-protobuf" },
    });
    const sample = await future({
      requestType: "Sample",
      result: protobufResult("SampleResponse", decodeSampleResponse),
    });
    expect(header(0, "accept")).toBe("application/x-protobuf");
    expect(header(0, "X-Tinker-Request-Type")).toBe("Sample");
    expect(sample.prompt_cache_hit_tokens).toBe(1);
    expect(sample.sequences[0]?.stop_reason).toBe("length");
    expect(Array.from(sample.sequences[0]?.tokens ?? [])).toEqual([5, 6]);
    expect(observer.calls).toEqual([["active", undefined]]);
  });
});

describe("outcomes of a 2xx poll (§6.3)", () => {
  it("try_again(paused_rate_limit) → try_again(active) → result: re-polls at once and tells the observer", async () => {
    const sampling = new SamplingQueueStateLogger("sampler-1", { logger: env.logger, clock: env.clock });
    const training = new QueueStateLogger("model-1", "Training", { logger: env.logger, clock: env.clock });
    const both = {
      onQueueStateChange: (
        state: Parameters<RecordingObserver["onQueueStateChange"]>[0],
        reason?: string,
      ) => {
        observer.onQueueStateChange(state, reason);
        sampling.onQueueStateChange(state, reason);
        training.onQueueStateChange(state, reason);
      },
    };
    reply(
      { json: { type: "try_again", request_id: "req-1", queue_state: "paused_rate_limit" } },
      { json: { type: "try_again", request_id: "req-1", queue_state: "active" } },
      { json: { metrics: { "loss:mean": 0.25 } } },
    );
    const result = await future({ queueStateObserver: both });
    expect(result.metrics).toEqual({ "loss:mean": 0.25 });
    expect(env.polls().map((p) => header(env.polls().indexOf(p), "X-Tinker-Request-Iteration"))).toEqual([
      "0",
      "1",
      "2",
    ]);
    expect(env.polls().map((p) => pollBody(p).allow_metadata_only)).toEqual([true, true, true]);
    expect(env.clock.sleeps).toEqual([]);
    // One paused notification; active while running and again when the result arrived (0.38).
    expect(observer.calls).toEqual([
      ["paused_rate_limit", undefined],
      ["active", undefined],
      ["active", undefined],
    ]);
    // The sampling logger reports the pause once; the training logger waits for its grace period.
    expect(env.warnings()).toEqual([
      "Sampling is paused for sampler sampler-1. Reason: concurrent sampler weights limit hit",
    ]);
    const [span] = instrumentation.futures;
    expect(span?.info).toEqual({ requestType: "OptimStep", requestId: "req-1" });
    expect(span?.polls).toBe(3);
    expect(span?.runs).toBe(1);
    expect(span?.tryAgain).toEqual([
      ["paused_rate_limit", undefined],
      ["active", undefined],
    ]);
    expect(span?.ended?.outcome).toBe("success");
  });

  it("reports a training pause once it has lasted the grace period", async () => {
    const training = new QueueStateLogger("model-1", "Training", { logger: env.logger, clock: env.clock });
    const paused = { type: "try_again", request_id: "req-1", queue_state: "paused_capacity" };
    reply({ json: paused });
    // The second paused reply comes 15 minutes later.
    env.server.route("POST", POLL_PATH, async () => {
      await env.clock.advance(PAUSE_GRACE_PERIOD_MS);
      env.server.route("POST", POLL_PATH, { json: { metrics: {} } });
      return { json: { ...paused, queue_state_reason: "GPUs are busy" } };
    });
    await future({ queueStateObserver: training });
    expect(env.polls()).toHaveLength(3);
    expect(env.warnings()).toEqual(["Training for model-1 is paused. Reason: GPUs are busy."]);
  });

  it("does not tell the observer about an unknown state without a reason", async () => {
    reply(
      { json: { type: "try_again", request_id: "req-1" } },
      { json: { type: "try_again", request_id: "req-1", queue_state: "odd" } },
      { json: { type: "try_again", request_id: "req-1", queue_state: "odd", queue_state_reason: "why" } },
      { json: { metrics: {} } },
    );
    await future();
    expect(observer.calls).toEqual([
      ["unknown", "why"],
      ["active", undefined],
    ]);
    expect(instrumentation.futures[0]?.tryAgain).toEqual([
      ["unknown", undefined],
      ["unknown", undefined],
      ["unknown", "why"],
    ]);
  });

  it("complete_metadata: acquires the payload size from the response budget, re-polls without metadata, releases at the end", async () => {
    const budget = new BytesSemaphore(4096);
    const seen: number[] = [];
    reply({ json: { status: "complete_metadata", response_payload_size: 1000 } });
    env.server.route("POST", POLL_PATH, () => {
      seen.push(budget.available);
      return { json: { metrics: { big: 1 } } };
    });
    const result = await future({ responseBudget: budget });
    expect(result.metrics).toEqual({ big: 1 });
    expect(env.polls().map((p) => pollBody(p).allow_metadata_only)).toEqual([true, false]);
    expect(seen).toEqual([3096]);
    expect(budget.available).toBe(4096);
    expect(env.clock.sleeps).toEqual([]);
  });

  it("complete_metadata without a size acquires 0 bytes, and waits while the budget is overdrawn", async () => {
    const budget = new BytesSemaphore(10);
    const hog = await budget.acquire(100);
    reply({ json: { status: "complete_metadata" } }, { json: { metrics: {} } });
    const f = future({ responseBudget: budget });
    await waitFor(() => env.polls().length === 1 && budget.waiting === 1);
    expect(f.done).toBe(false);
    hog.release();
    await f;
    expect(env.polls()).toHaveLength(2);
    expect(budget.available).toBe(10);
  });

  it("a second complete_metadata is a protocol error, and the budget is still released", async () => {
    const budget = new BytesSemaphore(100);
    reply(
      { json: { status: "complete_metadata", response_payload_size: 60 } },
      { json: { status: "complete_metadata", response_payload_size: 60 } },
    );
    const error = await future({ responseBudget: budget }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(FutureRetrieveError.isInstance(error)).toBe(true);
    expect((error as FutureRetrieveError).kind).toBe("protocol");
    expect(budget.available).toBe(100);
    expect(instrumentation.futures[0]?.ended?.outcome).toBe("error");
  });

  it("an error reply fails the future with RequestFailedError and its lower-case category", async () => {
    const failed = fixture("json/responses/RequestFailedResponse/user.json");
    reply({ body: failed["body"] as string, headers: { "Content-Type": "application/json" } });
    const error = await future().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(RequestFailedError.isInstance(error)).toBe(true);
    const failure = error as RequestFailedError;
    expect(failure.category).toBe("user");
    expect(failure.requestId).toBe("req-1");
    expect(failure.message).toContain("req-1");
    expect(observer.calls).toEqual([["active", undefined]]);
    expect(instrumentation.futures[0]?.ended?.outcome).toBe("failed");
    const [event] = telemetry.named("APIFuture.result_async.application_error");
    expect(event?.severity).toBe("WARNING");
    expect(event?.data).toMatchObject({
      request_id: "req-1",
      request_type: "OptimStep",
      error_category: "User",
      is_user_error: true,
      iteration: 0,
      elapsed_time: 0,
    });
  });

  it("maps an unknown error category to unknown and logs it at ERROR", async () => {
    reply({ json: { error: "boom", category: "cosmic" } });
    await expect(future()).rejects.toMatchObject({ category: "unknown" });
    expect(telemetry.named("APIFuture.result_async.application_error")[0]).toMatchObject({
      severity: "ERROR",
      data: { error: "boom", error_category: "Unknown", is_user_error: false },
    });
  });

  it("rejects a JSON success for a protobuf result type", async () => {
    reply({ json: { sequences: [], type: "sample" } });
    const error = await future({ requestType: "Sample", result: rawBytes }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FutureRetrieveError);
    expect((error as FutureRetrieveError).kind).toBe("unexpected_json");
    expect((error as Error).message).toContain("SampleResponse");
    expect(observer.calls).toEqual([]);
  });

  it("rejects a JSON result that does not validate, with a validation_error event", async () => {
    reply({ json: { metrics: "nope" } });
    const error = await future().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as FutureRetrieveError).kind).toBe("decode");
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    const [event] = telemetry.named("APIFuture.result_async.validation_error");
    expect(event?.severity).toBe("ERROR");
    expect(event?.data).toMatchObject({
      exception: "metrics: expected an object",
      exception_type: "TypeError",
      model_cls: "OptimStepResponse",
    });
    expect(String(event?.data["exception_stack"])).toContain("TypeError");
  });

  it("rejects protobuf that does not decode, with a proto_deserialization_error event", async () => {
    reply({ body: Buffer.from([0xff, 0xff, 0xff]), headers: { "Content-Type": "application/x-protobuf" } });
    const error = await future({
      requestType: "Sample",
      result: protobufResult("SampleResponse", decodeSampleResponse),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as FutureRetrieveError).kind).toBe("decode");
    expect(telemetry.named("APIFuture.result_async.proto_deserialization_error")[0]?.data).toMatchObject({
      proto_bytes_len: 3,
      model_cls: "SampleResponse",
    });
  });

  it("rejects a protobuf reply for a JSON result type", async () => {
    reply({ body: Buffer.from([8, 1]), headers: { "Content-Type": "application/x-protobuf" } });
    await expect(future()).rejects.toMatchObject({ kind: "decode" });
    expect(telemetry.named("APIFuture.result_async.proto_deserialization_error")).toHaveLength(1);
  });

  it.each([
    ["text that is not JSON", { body: "<html>oops</html>", headers: { "Content-Type": "text/html" } }],
    ["a JSON array", { json: [1, 2] }],
  ])("rejects %s as a protocol error", async (_name, response) => {
    reply(response);
    await expect(future()).rejects.toMatchObject({ kind: "protocol", requestId: "req-1" });
  });
});

describe("transport errors on a poll (§6.4)", () => {
  it("re-polls at once after 5xx and a 408, telling the observer the 408's queue state", async () => {
    reply(
      { status: 500, json: { detail: "boom" } },
      { status: 503, body: "unavailable" },
      { status: 408, json: { queue_state: "paused_capacity", queue_state_reason: "GPUs are busy" } },
      { json: { metrics: {} } },
    );
    await future();
    expect(env.polls()).toHaveLength(4);
    expect(env.clock.sleeps).toEqual([]);
    expect(observer.calls).toEqual([
      ["paused_capacity", "GPUs are busy"],
      ["active", undefined],
    ]);
    expect(instrumentation.futures[0]?.queueStates).toEqual([["paused_capacity", "GPUs are busy"]]);
    expect(instrumentation.retries).toEqual([
      ["future_poll", "status_500"],
      ["future_poll", "status_503"],
      ["future_poll", "status_408"],
    ]);
    const events = telemetry.named("APIFuture.result_async.api_status_error");
    expect(events.map((e) => [e.data["status_code"], e.data["kind"], e.severity])).toEqual([
      [500, "retry", "WARNING"],
      [503, "retry", "WARNING"],
      [408, "retry", "WARNING"],
    ]);
    expect(events[2]?.data).toMatchObject({ is_user_error: false, should_retry: true });
    expect(events[0]?.data).not.toHaveProperty("response_headers");
  });

  it("ignores a 408 body without a queue state", async () => {
    reply(
      { status: 408, json: {} },
      { status: 408, json: ["x"] },
      { status: 408, body: "slow" },
      { json: { metrics: {} } },
    );
    await future();
    expect(observer.calls).toEqual([["active", undefined]]);
  });

  it("backs off min(2^n, 30) s on connection errors and 429s; any other HTTP response resets n", async () => {
    reply(
      { action: "reset" },
      { action: "reset" },
      { status: 429, json: { detail: "slow down" } },
      { status: 500, json: {} },
      { action: "reset" },
      { json: { metrics: {} } },
    );
    await future();
    expect(env.clock.sleeps).toEqual([1000, 2000, 4000, 1000]);
    expect(telemetry.events.map((e) => e.name.split(".").pop())).toEqual([
      "connection_error",
      "connection_error",
      "api_status_error",
      "api_status_error",
      "connection_error",
    ]);
    expect(telemetry.events[1]?.data).toMatchObject({
      status_code: 0,
      kind: "retry_with_backoff",
      exception_type: "APIConnectionError",
      connection_error_retries: 1,
      elapsed_time: 1,
    });
    expect(instrumentation.retries.map(([, reason]) => reason)).toEqual([
      "connection_error",
      "connection_error",
      "status_429",
      "status_500",
      "connection_error",
    ]);
  });

  it("caps the backoff at 30 s, and a 2xx reply resets it", async () => {
    reply(
      ...Array.from({ length: 7 }, () => ({ action: "reset" as const })),
      { json: { type: "try_again", request_id: "req-1", queue_state: "active" } },
      { action: "reset" },
      { json: { metrics: {} } },
    );
    await future();
    expect(env.clock.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 1000]);
  });

  it("retries a 400 three times, then gives up with the headers and body in telemetry", async () => {
    reply(
      ...Array.from({ length: 4 }, () => ({
        status: 400,
        json: { detail: "bad" },
        headers: { "x-proxy": "edge-7" },
      })),
    );
    const error = await future().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(env.polls()).toHaveLength(4);
    expect(env.clock.sleeps).toEqual([]);
    expect(error).toBeInstanceOf(FutureRetrieveError);
    expect(error).toMatchObject({ kind: "bad_request_budget", status: 400, requestId: "req-1" });
    expect((error as Error).message).toContain("exceeded 3 retries");
    const events = telemetry.named("APIFuture.result_async.api_status_error");
    expect(events.map((e) => [e.data["kind"], e.data["bad_request_retries"], e.severity])).toEqual([
      ["retry_if_budget", 0, "ERROR"],
      ["retry_if_budget", 1, "ERROR"],
      ["retry_if_budget", 2, "ERROR"],
      ["retry_if_budget", 3, "ERROR"],
    ]);
    const last = events[3]?.data ?? {};
    expect(last["response_headers"]).toMatchObject({ "x-proxy": "edge-7" });
    expect(last["response_body"]).toEqual({ detail: "bad" });
    expect(last["request_headers"]).toMatchObject({ "X-Tinker-Request-Iteration": "3" });
    expect(JSON.stringify(last)).not.toContain("tml-test-key");
    expect(last["is_user_error"]).toBe(true);
  });

  it("a 408 with a JSON body resets the 400 budget; one without does not", async () => {
    const bad = { status: 400, json: { detail: "bad" } };
    reply(bad, bad, bad, { status: 408, json: { queue_state: "active" } }, bad, bad, bad, {
      json: { metrics: {} },
    });
    await future();
    expect(env.polls()).toHaveLength(8);

    reply(bad, bad, bad, { status: 408, body: "timeout" }, bad);
    await expect(future()).rejects.toMatchObject({ kind: "bad_request_budget" });
  });

  it("a 410 fails with PromiseExpiredError, a RetryableError the sampling retry handler resends on", async () => {
    reply({ status: 410, json: { detail: "gone" } });
    const error = await future().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(PromiseExpiredError.isInstance(error)).toBe(true);
    expect(RetryableError.isInstance(error)).toBe(true);
    expect(TinkerError.isInstance(error)).toBe(true);
    expect((error as PromiseExpiredError).requestId).toBe("req-1");
    expect(APIStatusError.isInstance((error as Error).cause)).toBe(true);
    expect(((error as Error).cause as APIStatusError).status).toBe(410);
    expect(env.polls()).toHaveLength(1);
    expect(telemetry.named("APIFuture.result_async.api_status_error")[0]?.data).toMatchObject({
      kind: "retryable_exception",
      should_retry: true,
    });
  });

  it("pauses 5 s on a 402 inside the billing window and then gets the result, without telemetry", async () => {
    reply(
      { status: 402, json: { detail: "billing" } },
      { status: 402, json: { detail: "billing" } },
      { json: { metrics: {} } },
    );
    await future();
    expect(env.clock.sleeps).toEqual([5000, 5000]);
    expect(env.polls().map((p) => p.headers["x-tinker-request-iteration"])).toEqual(["0", "1", "2"]);
    expect(telemetry.events).toEqual([]);
    expect(env.warnings()).toEqual([
      'The job is paused due to billing status. Error: Error code: 402 - {"detail":"billing"}',
    ]);
    expect(instrumentation.retries).toEqual([
      ["future_poll", "billing_pause"],
      ["future_poll", "billing_pause"],
    ]);
  });

  it("fails on a 402 once the billing window is over", async () => {
    env.http.billing.setMaxPauseMs(10_000);
    reply(...Array.from({ length: 5 }, () => ({ status: 402, json: { detail: "billing" } })));
    const error = await future().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: "status", status: 402 });
    expect(env.clock.sleeps).toEqual([5000, 5000, 5000]);
    expect(env.polls()).toHaveLength(4);
  });

  it.each([401, 403, 404, 409, 422])("gives up at once on a %i", async (status) => {
    reply({ status, json: { detail: "no" } }, { json: { metrics: {} } });
    const error = await future().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FutureRetrieveError);
    expect(error).toMatchObject({ kind: "status", status, requestType: "OptimStep" });
    expect((error as Error).message).toContain(`with status ${status}`);
    expect(((error as Error).cause as APIStatusError).status).toBe(status);
    expect(env.polls()).toHaveLength(1);
    expect(telemetry.named("APIFuture.result_async.api_status_error")[0]).toMatchObject({
      severity: "ERROR",
      data: { kind: "fatal", should_retry: false, is_user_error: true, status_code: status },
    });
    expect(instrumentation.futures[0]?.ended?.outcome).toBe("error");
  });

  it("passes on errors that are not transport failures (a credential provider failing)", async () => {
    const broken: AuthProvider = {
      getToken: () => Promise.reject(new TinkerError("no credential")),
    };
    const http = env.http.withAuth(broken);
    await expect(future({ http })).rejects.toThrow("no credential");
    expect(env.polls()).toHaveLength(0);
  });
});

describe("submission, caching and waiting (§6.1, §6.5)", () => {
  it("waits for a pending submission, then polls with its request id", async () => {
    const manual = await startEnv({ clockMode: "manual" });
    try {
      const submit = deferred<{ request_id: string }>();
      manual.server.enqueue("POST", POLL_PATH, { json: { metrics: {} } });
      const f = new PollingFuture({
        http: manual.http,
        submission: submit.promise,
        requestType: "ForwardBackward",
        result: optimStep,
        requestStartMs: manual.clock.now(),
      });
      await manual.clock.advance(250);
      expect(manual.polls()).toHaveLength(0);
      submit.resolve({ request_id: "req-queued" });
      expect(await f.requestId).toBe("req-queued");
      await f;
      expect(pollBody(manual.polls()[0]!).request_id).toBe("req-queued");
      expect(manual.polls()[0]?.headers["x-tinker-create-promise-roundtrip-time"]).toBe("0.25");
    } finally {
      await manual.close();
    }
  });

  it("fails with the submission's error and never polls", async () => {
    const submitError = new TinkerError("submit failed");
    const f = future({ submission: Promise.reject(submitError) });
    await expect(f.requestId).rejects.toBe(submitError);
    await expect(f).rejects.toBe(submitError);
    expect(env.polls()).toHaveLength(0);
    expect(instrumentation.futures).toHaveLength(0);
  });

  it("rejects a submission without a request id", async () => {
    await expect(future({ submission: { request_id: "" } })).rejects.toThrow(/instead of a request id/);
    await expect(future({ submission: {} as { request_id: string } })).rejects.toBeInstanceOf(TinkerError);
  });

  it("keeps a failure nobody awaited until later (no unhandled rejection) and caches the result", async () => {
    reply({ status: 404, json: { detail: "missing" } });
    const failing = future();
    await waitFor(() => failing.done);
    await expect(failing).rejects.toBeInstanceOf(FutureRetrieveError);
    await expect(failing.result()).rejects.toBeInstanceOf(FutureRetrieveError);

    reply({ json: { metrics: { a: 1 } } });
    const ok = future();
    const first = await ok;
    expect(await ok.result()).toBe(first);
    expect(await ok.result({ timeoutMs: 1000 })).toBe(first);
    expect(env.polls()).toHaveLength(2);
  });

  it("result({ timeoutMs }) gives up waiting on the injected clock, logs a timeout event, and leaves polling running", async () => {
    const manual = await startEnv({ clockMode: "manual" });
    try {
      const arrived = deferred();
      const release = deferred<void>();
      manual.server.route("POST", POLL_PATH, async () => {
        arrived.resolve();
        await release.promise;
        return { json: { metrics: { late: 1 } } };
      });
      const f = new PollingFuture({
        http: manual.http,
        submission: "req-slow",
        requestType: "OptimStep",
        result: optimStep,
        telemetry,
      });
      await arrived.promise;
      const waiting = f.result({ timeoutMs: 30_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await manual.clock.advance(30_000);
      const error = await waiting;
      expect(error).toBeInstanceOf(FutureTimeoutError);
      expect(error).toMatchObject({ timeoutMs: 30_000, requestId: "req-slow" });
      expect(telemetry.named("APIFuture.result_async.timeout")[0]).toMatchObject({
        severity: "ERROR",
        data: {
          request_id: "req-slow",
          request_type: "OptimStep",
          timeout: 30,
          iteration: 1,
          elapsed_time: 30,
        },
      });
      expect(f.done).toBe(false);
      release.resolve();
      expect((await f).metrics).toEqual({ late: 1 });
    } finally {
      await manual.close();
    }
  });

  it("result({ signal }) stops waiting without cancelling the future", async () => {
    const release = deferred<void>();
    env.server.route("POST", POLL_PATH, async () => {
      await release.promise;
      return { json: { metrics: {} } };
    });
    const f = future();
    const controller = new AbortController();
    const waiting = f.result({ signal: controller.signal });
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(f.result({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    release.resolve();
    await expect(f).resolves.toEqual({ metrics: {} });
  });

  it("result rejects an invalid timeout", async () => {
    reply({ json: { metrics: {} } });
    const f = future();
    await expect(f.result({ timeoutMs: -1 })).rejects.toMatchObject({ path: "timeoutMs" });
    await f;
  });
});

describe("cancellation", () => {
  it("aborting the signal stops polling: the server sees no further polls", async () => {
    const secondPoll = deferred();
    reply({ json: { type: "try_again", request_id: "req-1", queue_state: "active" } });
    env.server.route("POST", POLL_PATH, () => {
      secondPoll.resolve();
      return { action: "hang" };
    });
    const controller = new AbortController();
    const cancelled: string[] = [];
    const f = future({
      requestType: "Sample",
      result: rawBytes,
      signal: controller.signal,
      onCancel: (id) => cancelled.push(id),
    });
    await secondPoll.promise;
    const reason = new Error("user pressed ctrl-c");
    controller.abort(reason);
    await expect(f).rejects.toBe(reason);
    expect(f.done).toBe(true);
    await settleIo();
    expect(env.polls()).toHaveLength(2);
    expect(cancelled).toEqual(["req-1"]);
    expect(instrumentation.futures[0]?.ended?.outcome).toBe("cancelled");
  });

  it("cancel() during a backoff sleep stops polling with an AbortError", async () => {
    const manual = await startEnv({ clockMode: "manual" });
    try {
      manual.server.enqueue("POST", POLL_PATH, { status: 429, json: {} });
      const f = new PollingFuture({
        http: manual.http,
        submission: "req-2",
        requestType: "OptimStep",
        result: optimStep,
      });
      await waitFor(() => manual.clock.pending === 1);
      f.cancel();
      await expect(f).rejects.toMatchObject({ name: "AbortError" });
      await manual.clock.advance(60_000);
      expect(manual.polls()).toHaveLength(1);
    } finally {
      await manual.close();
    }
  });

  it("runs on a controller it is given: aborting it cancels, cancel() aborts it, the signal is not used", async () => {
    env.server.route("POST", POLL_PATH, { action: "hang" });
    const controller = new AbortController();
    const ignored = new AbortController();
    const cancelled: string[] = [];
    const f = future({
      controller,
      signal: ignored.signal,
      onCancel: (id) => cancelled.push(id),
    });
    await waitFor(() => env.polls().length === 1);
    ignored.abort(new Error("not linked"));
    await settleIo();
    expect(f.done).toBe(false);
    const reason = new Error("operation over");
    controller.abort(reason);
    await expect(f).rejects.toBe(reason);
    expect(cancelled).toEqual(["req-1"]);

    const second = new AbortController();
    const g = future({ controller: second });
    await waitFor(() => env.polls().length === 2);
    g.cancel(new Error("from cancel"));
    expect(second.signal.reason).toEqual(new Error("from cancel"));
    await expect(g).rejects.toThrow("from cancel");
  });

  it("with a known request id and an aborted signal, makes no poll and reports the cancel", async () => {
    const cancelled: string[] = [];
    const f = future({
      submission: { request_id: "req-known" },
      signal: AbortSignal.abort(new Error("too late")),
      onCancel: (id) => cancelled.push(id),
    });
    await expect(f).rejects.toThrow("too late");
    await settleIo();
    expect(cancelled).toEqual(["req-known"]);
    expect(env.polls()).toHaveLength(0);
    expect(instrumentation.futures).toHaveLength(0);
  });

  it("cancelling before the submission returned rejects at once and reports the id when it arrives", async () => {
    const submit = deferred<string>();
    const cancelled: string[] = [];
    const f = future({ submission: submit.promise, onCancel: (id) => cancelled.push(id) });
    f.cancel(new Error("never mind"));
    await expect(f).rejects.toThrow("never mind");
    expect(cancelled).toEqual([]);
    submit.resolve("req-late");
    await settleIo();
    expect(cancelled).toEqual(["req-late"]);
    expect(env.polls()).toHaveLength(0);
  });

  it("has no effect once the future is done, and an onCancel that throws is logged", async () => {
    reply({ json: { metrics: {} } });
    const f = future({
      onCancel: () => {
        throw new Error("queue closed");
      },
    });
    await f;
    f.cancel();
    await expect(f).resolves.toEqual({ metrics: {} });

    const hanging = future({
      onCancel: () => {
        throw new Error("queue closed");
      },
    });
    env.server.route("POST", POLL_PATH, { action: "hang" });
    await waitFor(() => env.polls().length === 2);
    hanging.cancel();
    await expect(hanging).rejects.toMatchObject({ name: "AbortError" });
    expect(env.warnings().some((line) => line.includes("queue closed"))).toBe(true);
  });

  it("an observer that throws is logged and does not break polling", async () => {
    reply(
      { json: { type: "try_again", request_id: "req-1", queue_state: "paused_capacity" } },
      { json: { metrics: {} } },
    );
    const throwing = {
      onQueueStateChange: () => {
        throw new Error("observer bug");
      },
    };
    await expect(future({ queueStateObserver: throwing })).resolves.toEqual({ metrics: {} });
    expect(env.warnings()).toEqual([
      "A queue-state observer threw: observer bug",
      "A queue-state observer threw: observer bug",
    ]);
  });
});

/** Lets I/O and timers of the loopback server run a few turns. */
async function settleIo(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits (by I/O turns, not by time) until `condition` holds. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}
