import {
  context,
  createTraceState,
  metrics,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { Histogram } from "@opentelemetry/sdk-metrics";
import { AlwaysOffSampler } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createInstrumentation, type Instrumentation, noopInstrumentation } from "./instrumentation.js";
import { AttributeNames, INSTRUMENTATION_SCOPE, MetricNames, SpanEventNames } from "./names.js";
import { type OtelHarness, otelHarness, pointWith } from "./otel-sdk.test-helpers.js";

const BASE = "http://127.0.0.1:8765";

class InternalServerError extends Error {
  override readonly name = "InternalServerError";
  readonly status = 503;
}

class APIConnectionError extends Error {
  override readonly name = "APIConnectionError";
}

/** A monotonic clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

let otel: OtelHarness;
let clock: ReturnType<typeof manualClock>;
let instrumentation: Instrumentation;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterAll(() => {
  context.disable();
});

beforeEach(() => {
  otel = otelHarness();
  clock = manualClock();
  instrumentation = createInstrumentation({
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    now: clock.now,
  });
});

afterEach(async () => {
  await otel.shutdown();
});

describe("a retried request inside an operation", () => {
  async function forwardBackwardWithOneRetry(): Promise<string> {
    return instrumentation.operation(
      "forward_backward",
      {
        modelId: "model-1",
        datumCount: 8,
        chunkCount: 2,
        requestBytes: 4096,
        lossFn: "cross_entropy",
        seqId: 3,
      },
      async (op) => {
        const url = `${BASE}/api/v1/forward_backward`;
        const first = instrumentation.httpAttempt({ method: "POST", url, pool: "train", requestBytes: 2048 });
        clock.advance(120);
        first.end({ statusCode: 503, error: new InternalServerError("busy"), retryReason: "status_503" });
        await Promise.resolve();
        const second = instrumentation.httpAttempt({
          method: "POST",
          url,
          pool: "train",
          requestBytes: 2048,
          resendCount: 1,
        });
        clock.advance(80);
        second.end({ statusCode: 200, requestId: "req-1" });
        op.setAttributes({ checkpointPath: "tinker://model-1/weights/step-3" });
        return "req-1";
      },
    );
  }

  it("records both attempts as CLIENT spans under the operation span, with semconv attributes", async () => {
    await expect(forwardBackwardWithOneRetry()).resolves.toBe("req-1");
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(["POST", "POST", "tinker.forward_backward"]);
    const [first, second, op] = spans as [(typeof spans)[0], (typeof spans)[0], (typeof spans)[0]];

    expect(op.kind).toBe(SpanKind.INTERNAL);
    expect(op.parentSpanContext).toBeUndefined();
    expect(op.instrumentationScope.name).toBe(INSTRUMENTATION_SCOPE);
    expect(op.attributes).toEqual({
      "tinker.operation": "forward_backward",
      "tinker.model_id": "model-1",
      "tinker.datum_count": 8,
      "tinker.chunk_count": 2,
      "tinker.request.body.size": 4096,
      "tinker.loss_fn": "cross_entropy",
      "tinker.seq_id": 3,
      "tinker.checkpoint.path": "tinker://model-1/weights/step-3",
    });
    expect(op.status.code).toBe(SpanStatusCode.UNSET);

    for (const attempt of [first, second]) {
      expect(attempt.kind).toBe(SpanKind.CLIENT);
      expect(attempt.parentSpanContext?.spanId).toBe(op.spanContext().spanId);
      expect(attempt.spanContext().traceId).toBe(op.spanContext().traceId);
    }
    expect(first.attributes).toEqual({
      "http.request.method": "POST",
      "server.address": "127.0.0.1",
      "server.port": 8765,
      "url.scheme": "http",
      "url.path": "/api/v1/forward_backward",
      "tinker.pool": "train",
      "http.request.body.size": 2048,
      "http.response.status_code": 503,
      "tinker.retry.reason": "status_503",
      "error.type": "503",
    });
    expect(first.status).toEqual({ code: SpanStatusCode.ERROR, message: "busy" });
    expect(first.events.map((e) => e.name)).toEqual(["exception"]);
    expect(second.attributes).toMatchObject({
      "http.request.resend_count": 1,
      "http.response.status_code": 200,
      "tinker.request_id": "req-1",
    });
    expect(second.attributes).not.toHaveProperty("error.type");
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("records durations, body sizes and the retry in metrics", async () => {
    await forwardBackwardWithOneRetry();
    const byName = await otel.metrics();
    const duration = byName.get(MetricNames.httpClientRequestDuration);
    expect(duration?.descriptor.unit).toBe("s");
    const common = { "http.request.method": "POST", "server.address": "127.0.0.1", "tinker.pool": "train" };
    const failed = pointWith<Histogram>(duration, { ...common, "http.response.status_code": 503 });
    const ok = pointWith<Histogram>(duration, { ...common, "http.response.status_code": 200 });
    expect(failed?.value).toMatchObject({ count: 1, sum: 0.12 });
    expect(failed?.attributes["error.type"]).toBe("503");
    expect(ok?.value).toMatchObject({ count: 1, sum: 0.08 });
    expect(ok?.attributes).not.toHaveProperty("url.path");

    const bodySize = byName.get(MetricNames.httpClientRequestBodySize);
    expect(bodySize?.descriptor.unit).toBe("By");
    expect(pointWith<Histogram>(bodySize, { "http.response.status_code": 200 })?.value.sum).toBe(2048);

    const retries = byName.get(MetricNames.retries);
    expect(retries?.dataPoints).toEqual([
      expect.objectContaining({
        attributes: { "tinker.retry.layer": "http", "tinker.retry.reason": "status_503" },
        value: 1,
      }),
    ]);
  });
});

describe("a future answered with try_again", () => {
  it("nests polls under the future span and records queue-state changes as span events", async () => {
    await instrumentation.operation("optim_step", { modelId: "model-1", learningRate: 1e-4 }, async () => {
      const future = instrumentation.future({ requestType: "OptimStep", requestId: "req-9" });
      const replies: [string, string | undefined][] = [
        ["active", undefined],
        ["active", undefined],
        ["paused_capacity", "Tinker backend is running short on capacity, please wait"],
        ["paused_capacity", "Tinker backend is running short on capacity, please wait"],
      ];
      await future.run(async () => {
        for (const [state, reason] of replies) {
          future.poll();
          const poll = instrumentation.httpAttempt({
            method: "POST",
            url: `${BASE}/api/v1/retrieve_future`,
            pool: "retrieve_promise",
          });
          await Promise.resolve();
          clock.advance(2_500);
          poll.end({ statusCode: 200 });
          future.tryAgain(state, reason);
        }
        // A 408 poll whose body carries a queue state (tinker-wire-spec.md §6.4).
        future.poll();
        instrumentation
          .httpAttempt({ method: "POST", url: `${BASE}/api/v1/retrieve_future` })
          .end({ statusCode: 408 });
        future.queueState("paused_rate_limit");
        clock.advance(4_000);
        future.poll();
        instrumentation
          .httpAttempt({ method: "POST", url: `${BASE}/api/v1/retrieve_future` })
          .end({ statusCode: 200 });
        future.tryAgain("active");
        future.poll();
        instrumentation
          .httpAttempt({ method: "POST", url: `${BASE}/api/v1/retrieve_future` })
          .end({ statusCode: 200 });
      });
      future.end("success");
      future.end("error", new Error("ignored: the future already ended"));
    });

    const op = otel.span("tinker.optim_step");
    const future = otel.span("tinker.future.OptimStep");
    expect(op.attributes).toEqual({
      "tinker.operation": "optim_step",
      "tinker.model_id": "model-1",
      "tinker.optim.learning_rate": 1e-4,
    });
    expect(future.parentSpanContext?.spanId).toBe(op.spanContext().spanId);
    const polls = otel.spans().filter((s) => s.name === "POST");
    expect(polls).toHaveLength(7);
    for (const poll of polls) expect(poll.parentSpanContext?.spanId).toBe(future.spanContext().spanId);

    expect(future.attributes).toEqual({
      "tinker.request_type": "OptimStep",
      "tinker.request_id": "req-9",
      "tinker.future.outcome": "success",
      "tinker.future.poll_count": 7,
      // paused from the third reply (t = 7.5 s) to the active one (t = 14 s)
      "tinker.future.queue_time_s": 6.5,
    });
    expect(future.status.code).toBe(SpanStatusCode.UNSET);
    expect(future.events.map((e) => [e.name, e.attributes])).toEqual([
      [SpanEventNames.queueStateChange, { "tinker.queue_state": "active" }],
      [
        SpanEventNames.queueStateChange,
        {
          "tinker.queue_state": "paused_capacity",
          "tinker.queue_state_reason": "Tinker backend is running short on capacity, please wait",
        },
      ],
      [SpanEventNames.queueStateChange, { "tinker.queue_state": "paused_rate_limit" }],
      [SpanEventNames.queueStateChange, { "tinker.queue_state": "active" }],
    ]);

    const tryAgain = (await otel.metrics()).get(MetricNames.tryAgain);
    expect(tryAgain?.descriptor.unit).toBe("{reply}");
    const count = (queueState: string) =>
      pointWith<number>(tryAgain, { "tinker.request_type": "OptimStep", "tinker.queue_state": queueState })
        ?.value;
    expect(count("active")).toBe(3);
    expect(count("paused_capacity")).toBe(2);
    expect(count("paused_rate_limit")).toBeUndefined();
  });

  it("counts time still paused at the end, and marks a failed future as an error", () => {
    const future = instrumentation.future({ requestType: "Sample", requestId: "req-2" });
    future.tryAgain("paused_rate_limit", "concurrent sampler weights limit hit");
    clock.advance(1_500);
    const failure = Object.assign(new Error("Request failed: bad prompt"), { name: "RequestFailedError" });
    future.end("failed", failure);
    future.queueState("active");
    const span = otel.span("tinker.future.Sample");
    expect(span.attributes).toMatchObject({
      "tinker.future.outcome": "failed",
      "tinker.future.poll_count": 0,
      "tinker.future.queue_time_s": 1.5,
      "error.type": "RequestFailedError",
    });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "Request failed: bad prompt" });
    expect(span.events.map((e) => e.name)).toEqual([SpanEventNames.queueStateChange, "exception"]);
  });

  it("uses the outcome as error.type when a future ends without an error object", () => {
    instrumentation.future({ requestType: "Forward", requestId: "req-3" }).end("cancelled");
    const span = otel.span("tinker.future.Forward");
    expect(span.attributes["error.type"]).toBe("cancelled");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR });
  });
});

describe("operations", () => {
  it("marks a rejected operation as an error and passes the same rejection through", async () => {
    const error = new APIConnectionError("Connection error.");
    await expect(
      instrumentation.operation("save_state", { checkpointName: "ckpt" }, () => Promise.reject(error)),
    ).rejects.toBe(error);
    const span = otel.span("tinker.save_state");
    expect(span.attributes).toMatchObject({
      "tinker.checkpoint.name": "ckpt",
      "error.type": "APIConnectionError",
    });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "Connection error." });
  });

  it("turns a synchronous throw into a rejection and still ends the span", async () => {
    const error = new TypeError("not a function");
    const result = instrumentation.operation("load_state", {}, () => {
      throw error;
    });
    await expect(result).rejects.toBe(error);
    expect(otel.span("tinker.load_state").attributes["error.type"]).toBe("TypeError");
  });

  it("counts sample operations in flight", async () => {
    const inFlight = async () =>
      pointWith<number>((await otel.metrics()).get(MetricNames.samplesInFlight), {
        "tinker.operation": "sample",
      })?.value;
    let during: number | undefined;
    await instrumentation.operation("sample", { numSamples: 4, promptTokens: 12 }, async (op) => {
      during = await inFlight();
      op.setAttributes({ sampledTokens: 64 });
    });
    expect(during).toBe(1);
    expect(await inFlight()).toBe(0);
    expect(otel.span("tinker.sample").attributes).toMatchObject({
      "tinker.sample.num_samples": 4,
      "tinker.sample.prompt_tokens": 12,
      "tinker.sample.sampled_tokens": 64,
    });
    await instrumentation.operation("forward", {}, async () => {});
    expect(
      pointWith((await otel.metrics()).get(MetricNames.samplesInFlight), { "tinker.operation": "forward" }),
    ).toBe(undefined);
  });

  it("records retries of upper layers as a counter and an event on the active span", async () => {
    await instrumentation.operation("get_info", {}, async () => {
      instrumentation.recordRetry("execute_with_retries", "status_409");
    });
    instrumentation.recordRetry("sample", "connection_error");
    expect(otel.span("tinker.get_info").events.map((e) => [e.name, e.attributes])).toEqual([
      [
        SpanEventNames.retry,
        { "tinker.retry.layer": "execute_with_retries", "tinker.retry.reason": "status_409" },
      ],
    ]);
    const retries = (await otel.metrics()).get(MetricNames.retries);
    expect(pointWith(retries, { "tinker.retry.layer": "execute_with_retries" })?.value).toBe(1);
    expect(
      pointWith(retries, { "tinker.retry.layer": "sample", "tinker.retry.reason": "connection_error" })
        ?.value,
    ).toBe(1);
  });
});

describe("HTTP attempt details", () => {
  it("names the span by the URL template and derives default ports", () => {
    instrumentation
      .httpAttempt({
        method: "GET",
        url: new URL("https://tinker.example/api/v1/training_runs/run-7?limit=5"),
        urlTemplate: "/api/v1/training_runs/{run_id}",
      })
      .end({ statusCode: 200 });
    instrumentation.httpAttempt({ method: "GET", url: "http://localhost/healthz" }).end({ statusCode: 200 });
    const [templated, plain] = otel.spans() as [
      ReturnType<OtelHarness["span"]>,
      ReturnType<OtelHarness["span"]>,
    ];
    expect(templated.name).toBe("GET /api/v1/training_runs/{run_id}");
    expect(templated.attributes).toMatchObject({
      "url.template": "/api/v1/training_runs/{run_id}",
      "url.path": "/api/v1/training_runs/run-7",
      "url.scheme": "https",
      "server.address": "tinker.example",
      "server.port": 443,
    });
    expect(JSON.stringify(templated.attributes)).not.toContain("limit=5");
    expect(plain.name).toBe("GET");
    expect(plain.attributes["server.port"]).toBe(80);
  });

  it("uses the error's name as error.type when no response arrived, and ends only once", () => {
    const attempt = instrumentation.httpAttempt({ method: "POST", url: `${BASE}/api/v1/asample` });
    attempt.end({ error: new APIConnectionError("Connection error."), retryReason: "connection_error" });
    attempt.end({ statusCode: 200 });
    const [span] = otel.spans();
    expect(otel.spans()).toHaveLength(1);
    expect(span?.attributes).not.toHaveProperty(AttributeNames.httpResponseStatusCode);
    expect(span?.attributes).toMatchObject({
      "error.type": "APIConnectionError",
      "tinker.retry.reason": "connection_error",
    });
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("records an unparsable URL without URL attributes instead of throwing", () => {
    instrumentation.httpAttempt({ method: "POST", url: "not a url" }).end({ statusCode: 200 });
    expect(otel.span("POST").attributes).toEqual({
      "http.request.method": "POST",
      "http.response.status_code": 200,
    });
  });

  it("marks a 4xx response without an error object as an error with the status as error.type", () => {
    instrumentation
      .httpAttempt({ method: "POST", url: `${BASE}/api/v1/create_model` })
      .end({ statusCode: 404 });
    const [span] = otel.spans();
    expect(span?.attributes["error.type"]).toBe("404");
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(span?.events).toEqual([]);
  });
});

describe("W3C trace-context propagation", () => {
  it("writes the attempt span's traceparent when opted in", () => {
    const propagating = createInstrumentation({
      tracerProvider: otel.tracerProvider,
      propagateTraceContext: true,
    });
    const attempt = propagating.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` });
    const headers: Record<string, string> = { "content-type": "application/json" };
    attempt.injectTraceContext(headers);
    attempt.end({ statusCode: 200 });
    const span = otel.span("POST");
    expect(headers).toEqual({
      "content-type": "application/json",
      traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    });
  });

  it("carries the parent's tracestate and an unsampled flag", () => {
    const unsampled = otelHarness({ sampler: new AlwaysOffSampler() });
    const propagating = createInstrumentation({
      tracerProvider: unsampled.tracerProvider,
      propagateTraceContext: true,
    });
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.NONE,
      isRemote: true,
      traceState: createTraceState("vendor=abc"),
    });
    const headers: Record<string, string> = {};
    context.with(parent, () => {
      const attempt = propagating.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` });
      attempt.injectTraceContext(headers);
      attempt.end({ statusCode: 200 });
    });
    expect(headers["traceparent"]).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(headers["traceparent"]).not.toContain("b7ad6b7169203331");
    expect(headers["tracestate"]).toBe("vendor=abc");
    return unsampled.shutdown();
  });

  it("writes nothing unless opted in", () => {
    const attempt = instrumentation.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` });
    const headers: Record<string, string> = {};
    attempt.injectTraceContext(headers);
    attempt.end({ statusCode: 200 });
    expect(headers).toEqual({});
  });
});

describe("providers", () => {
  it("does nothing, through shared no-op objects, when no provider is registered", async () => {
    const instr = createInstrumentation({ propagateTraceContext: true });
    const info = { method: "POST", url: `${BASE}/api/v1/forward` };
    const attempt = instr.httpAttempt(info);
    expect(instr.httpAttempt(info)).toBe(attempt);
    const headers: Record<string, string> = {};
    attempt.injectTraceContext(headers);
    attempt.end({ statusCode: 200 });
    expect(headers).toEqual({});
    const future = instr.future({ requestType: "Forward", requestId: "r" });
    expect(instr.future({ requestType: "Forward", requestId: "r" })).toBe(future);
    expect(future.run(() => 5)).toBe(5);
    future.poll();
    future.tryAgain("paused_capacity");
    future.queueState("active");
    future.end("success");
    instr.recordRetry("http", "status_429");
    await expect(
      instr.operation("sample", {}, async (op) => {
        op.setAttributes({ numSamples: 1 });
        return 3;
      }),
    ).resolves.toBe(3);
    await expect(
      instr.operation("sample", {}, () => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(otel.spans()).toEqual([]);
  });

  it("picks up global providers registered after the instrumentation was created", async () => {
    const instr = createInstrumentation({ now: clock.now });
    instr.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` }).end({ statusCode: 200 });
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    try {
      instr.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` }).end({ statusCode: 201 });
      expect(otel.spans().map((s) => s.attributes["http.response.status_code"])).toEqual([201]);
      const duration = (await otel.metrics()).get(MetricNames.httpClientRequestDuration);
      expect(duration?.dataPoints.map((p) => p.attributes["http.response.status_code"])).toEqual([201]);
      noopInstrumentation
        .httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` })
        .end({ statusCode: 202 });
      expect(otel.spans()).toHaveLength(1);
    } finally {
      trace.disable();
      metrics.disable();
    }
    instr.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` }).end({ statusCode: 203 });
    expect(otel.spans()).toHaveLength(1);
  });

  it("records metrics without spans when only a meter provider is given", async () => {
    const metricsOnly = createInstrumentation({ meterProvider: otel.meterProvider, now: clock.now });
    const attempt = metricsOnly.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward` });
    const headers: Record<string, string> = {};
    attempt.injectTraceContext(headers);
    clock.advance(250);
    attempt.end({ statusCode: 200 });
    const future = metricsOnly.future({ requestType: "Forward", requestId: "r" });
    expect(future.run(() => "ran")).toBe("ran");
    future.tryAgain("active");
    future.end("success");
    await metricsOnly.operation("compute_logprobs", {}, async (op) => op.setAttributes({ promptTokens: 3 }));
    await expect(metricsOnly.operation("sample", {}, () => Promise.reject(new Error("x")))).rejects.toThrow(
      "x",
    );
    metricsOnly.recordRetry("future_poll", "connection_error");
    expect(otel.spans()).toEqual([]);
    expect(headers).toEqual({});
    const byName = await otel.metrics();
    expect(pointWith<Histogram>(byName.get(MetricNames.httpClientRequestDuration), {})?.value.sum).toBe(0.25);
    expect(pointWith(byName.get(MetricNames.tryAgain), { "tinker.queue_state": "active" })?.value).toBe(1);
    expect(
      pointWith(byName.get(MetricNames.samplesInFlight), { "tinker.operation": "compute_logprobs" })?.value,
    ).toBe(0);
    expect(pointWith(byName.get(MetricNames.samplesInFlight), { "tinker.operation": "sample" })?.value).toBe(
      0,
    );
    expect(pointWith(byName.get(MetricNames.retries), { "tinker.retry.layer": "future_poll" })?.value).toBe(
      1,
    );
  });

  it("records spans without metrics when only a tracer provider is given", async () => {
    const tracingOnly = createInstrumentation({ tracerProvider: otel.tracerProvider });
    tracingOnly.httpAttempt({ method: "POST", url: `${BASE}/api/v1/forward`, requestBytes: 10 }).end({
      statusCode: 429,
      retryReason: "status_429",
    });
    tracingOnly.future({ requestType: "Forward", requestId: "r" }).tryAgain("active");
    expect(otel.spans().map((s) => s.name)).toEqual(["POST"]);
    expect((await otel.metrics()).size).toBe(0);
  });
});
