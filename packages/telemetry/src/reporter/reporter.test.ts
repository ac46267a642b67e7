import { FakeClock, type ScriptedResponse, startTestServer, type TestServer } from "@tinker-ts/test-server";
import {
  encodeRequestBody,
  type GenericEvent,
  type TelemetryEvent,
  type TelemetrySendRequest,
  type UnhandledExceptionEvent,
} from "@tinker-ts/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pythonPlatformSystem } from "./environment.js";
import { type CountingTransport, fetchTransport, waitUntil } from "./fetch-transport.test-helpers.js";
import {
  createTelemetryReporter,
  TelemetryReporter,
  type TelemetryReporterOptions,
  type TelemetryTransport,
} from "./reporter.js";

const START_MS = 1735787045000; // 2025-01-02T03:04:05Z
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

class BadRequestError extends Error {
  override readonly name = "BadRequestError";
  readonly status = 400;
  readonly body = { detail: "bad" };
}

class TimeoutStatusError extends Error {
  override readonly name = "APIStatusError";
  readonly status = 408;
}

interface Warnings {
  readonly messages: string[];
}

const TELEMETRY_PATH = "/api/v1/telemetry";

let server: TestServer;
let transport: CountingTransport;
let clock: FakeClock;
let warnings: Warnings;
const reporters: TelemetryReporter[] = [];

/** Options to override; `undefined` removes the default (for example `sessionId` → sessionless). */
type Overrides = { [K in keyof TelemetryReporterOptions]?: TelemetryReporterOptions[K] | undefined };

function reporter(overrides: Overrides = {}): TelemetryReporter {
  const messages: string[] = [];
  warnings = { messages };
  const merged: Overrides = {
    send: transport.send,
    sessionId: "sess-1",
    platform: "Linux",
    processUuid: "proc-1",
    clock,
    logger: { warn: (message) => messages.push(message) },
    ...overrides,
  };
  const options = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
  const created = new TelemetryReporter(options as unknown as TelemetryReporterOptions);
  reporters.push(created);
  return created;
}

/** How the telemetry endpoint answers from now on. */
function answerWith(response: ScriptedResponse): void {
  server.route("POST", TELEMETRY_PATH, response);
}

/** The telemetry POSTs received so far: the body as received, and parsed. */
function received(): { raw: string; body: TelemetrySendRequest }[] {
  return server.requestsTo(TELEMETRY_PATH).map((request) => ({
    raw: request.text(),
    body: request.json() as TelemetrySendRequest,
  }));
}

function allEvents(): TelemetryEvent[] {
  return received().flatMap((request) => request.body.events);
}

beforeEach(async () => {
  server = await startTestServer();
  answerWith({ json: { status: "accepted" } });
  transport = fetchTransport(server.url);
  clock = new FakeClock({ mode: "manual", startMs: START_MS });
});

afterEach(async () => {
  // Close every reporter for good (past the drain bound) before the next test's server starts.
  const closing = reporters.splice(0).map((r) => r.close());
  await clock.advance(60_000);
  await Promise.all(closing);
  await server.close();
});

describe("batch body (tinker-wire-spec.md §11)", () => {
  it("matches the Python SDK 0.38.0 body key for key and value for value", async () => {
    const r = reporter();
    await clock.advance(1.5);
    r.log("demo", { k: 1, n: null });
    await clock.advance(0.5);
    r.logException(new BadRequestError("bad datum"));
    await transport.waitForSettled(1);
    await clock.advance(312345.678 - 2);
    await r.logFatalException(new TypeError("boom"));

    // Golden produced by Python SDK 0.38.0 models (TelemetrySendRequest → model_dump(mode="json",
    // exclude_none=True) → json.dumps(separators=(",", ":"))) with the same ids, times and errors.
    const golden =
      '{"events":[{"event":"SESSION_START","event_id":"E0","event_session_index":0,"severity":"INFO","timestamp":"2025-01-02T03:04:05Z"},{"event":"GENERIC_EVENT","event_id":"E1","event_name":"demo","event_session_index":1,"severity":"INFO","timestamp":"2025-01-02T03:04:05.001500Z","event_data":{"k":1,"n":null}},{"event":"GENERIC_EVENT","event_id":"E2","event_name":"user_error","event_session_index":2,"severity":"WARNING","timestamp":"2025-01-02T03:04:05.002000Z","event_data":{"error_type":"BadRequestError","message":"bad datum","status_code":400,"body":{"detail":"bad"}}},{"error_message":"boom","error_type":"TypeError","event":"UNHANDLED_EXCEPTION","event_id":"E3","event_session_index":3,"severity":"ERROR","timestamp":"2025-01-02T03:09:17.345678Z","traceback":"TB"},{"duration":"0:05:12.345678","event":"SESSION_END","event_id":"E4","event_session_index":4,"severity":"INFO","timestamp":"2025-01-02T03:09:17.345678Z"}],"platform":"Linux","sdk_version":"0.38.0","session_id":"sess-1","process_uuid":"proc-1"}';

    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      "POST /api/v1/telemetry",
      "POST /api/v1/telemetry",
    ]);
    for (const request of received()) {
      // The body satisfies the wire schema of @tinker-ts/types, and its Python-exact encoder
      // writes the same bytes as JSON.stringify of the reporter's object.
      expect(encodeRequestBody("TelemetrySendRequest", request.body)).toBe(request.raw);
      const { events: _events, ...envelope } = request.body;
      expect(JSON.stringify(envelope)).toBe(
        '{"platform":"Linux","sdk_version":"0.38.0","session_id":"sess-1","process_uuid":"proc-1"}',
      );
      expect(Object.keys(request.body)).toEqual([
        "events",
        "platform",
        "sdk_version",
        "session_id",
        "process_uuid",
      ]);
    }
    const events = allEvents().map((event, index) => {
      expect(event.event_id).toMatch(UUID);
      const normalised: Record<string, unknown> = { ...event, event_id: `E${index}` };
      if ("traceback" in event) {
        expect(event.traceback).toContain("TypeError: boom");
        normalised["traceback"] = "TB";
      }
      return normalised;
    });
    const combined = { ...received()[1]!.body, events };
    expect(JSON.stringify(combined)).toBe(golden);
  });

  it("uses sessionless-<uuid4> and sends neither SESSION_START nor SESSION_END without a session", async () => {
    const r = reporter({ sessionId: undefined });
    expect(r.sessionId).toMatch(/^sessionless-[0-9a-f-]{36}$/);
    expect(r.sessionId.slice("sessionless-".length)).toMatch(UUID);
    r.log("rest_call");
    await r.logFatalException(new Error("no session"));
    const events = allEvents();
    expect(events.map((e) => e.event)).toEqual(["GENERIC_EVENT", "UNHANDLED_EXCEPTION"]);
    expect(received().every((request) => request.body.session_id === r.sessionId)).toBe(true);
  });

  it("defaults platform and process_uuid to this process", async () => {
    const r = reporter({ platform: undefined, processUuid: undefined });
    r.logException(new Error("x"));
    await transport.waitForSettled(1);
    expect(received()[0]!.body.platform).toBe(pythonPlatformSystem(process.platform));
    expect(received()[0]!.body.process_uuid).toMatch(UUID);
    expect(r.stats.sentEvents).toBe(2);
  });
});

describe("batching and flush timing", () => {
  it("flushes every 10 s of the clock and not before", async () => {
    const r = reporter();
    r.log("a");
    await clock.advance(9_999);
    expect(transport.started).toBe(0);
    await clock.advance(1);
    await transport.waitForSettled(1);
    expect(allEvents().map((e) => e.event_session_index)).toEqual([0, 1]);

    r.log("b");
    await clock.advance(9_999);
    expect(transport.started).toBe(1);
    await clock.advance(1);
    await transport.waitForSettled(2);
    expect(received()[1]!.body.events.map((e) => (e as GenericEvent).event_name)).toEqual(["b"]);
    expect(r.stats).toEqual({
      queued: 0,
      inFlight: 0,
      sentEvents: 3,
      droppedEvents: 0,
      failedEvents: 0,
      failedSends: 0,
    });
  });

  it("sends nothing when the queue is empty", async () => {
    reporter({ sessionId: undefined });
    await clock.advance(60_000);
    expect(transport.started).toBe(0);
  });

  it("splits the queue into batches of at most 100 events, in order", async () => {
    const r = reporter();
    for (let i = 0; i < 250; i++) r.log("step", { i });
    await clock.advance(10_000);
    await transport.waitForSettled(3);
    expect(received().map((request) => request.body.events.length)).toEqual([100, 100, 51]);
    expect(allEvents().map((e) => e.event_session_index)).toEqual(Array.from({ length: 251 }, (_, i) => i));
    expect(r.stats.sentEvents).toBe(251);
  });

  it("honours a smaller batch size", async () => {
    const r = reporter({ maxBatchSize: 2, sessionId: undefined });
    for (let i = 0; i < 5; i++) r.log("step");
    await clock.advance(10_000);
    await transport.waitForSettled(3);
    expect(received().map((request) => request.body.events.length)).toEqual([2, 2, 1]);
  });

  it("flushes at once, without the clock moving, when an exception is logged", async () => {
    const r = reporter();
    r.log("before");
    expect(r.logException(new Error("kaput"))).toBe(true);
    await transport.waitForSettled(1);
    expect(clock.now()).toBe(START_MS);
    expect(allEvents().map((e) => e.event)).toEqual([
      "SESSION_START",
      "GENERIC_EVENT",
      "UNHANDLED_EXCEPTION",
    ]);
  });

  it("picks up events logged while a batch is in flight in the same flush", async () => {
    const gates: (() => void)[] = [];
    const gated: TelemetryTransport = async (body, signal) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return transport.send(body, signal);
    };
    const r = reporter({ sessionId: undefined, send: gated });
    r.logException(new Error("first"));
    await waitUntil(() => gates.length === 1, "the first batch is in flight");
    r.log("meanwhile");
    expect(r.stats).toMatchObject({ inFlight: 1, queued: 1 });
    gates[0]!();
    await waitUntil(() => gates.length === 2, "the second batch is in flight");
    gates[1]!();
    await transport.waitForSettled(2);
    expect(clock.now()).toBe(START_MS);
    expect(received().map((request) => request.body.events.length)).toEqual([1, 1]);
    expect(r.stats).toMatchObject({ sentEvents: 2, queued: 0, inFlight: 0 });
  });
});

describe("exception classification (tinker-wire-spec.md §11)", () => {
  async function eventFor(error: unknown): Promise<TelemetryEvent> {
    const r = reporter({ sessionId: undefined });
    r.logException(error);
    await transport.waitForSettled(1);
    return allEvents()[0]!;
  }

  it("sends a 4xx status error as user_error with its status and body", async () => {
    const event = (await eventFor(new BadRequestError("bad datum"))) as GenericEvent;
    expect(event.event).toBe("GENERIC_EVENT");
    expect(event.event_name).toBe("user_error");
    expect(event.severity).toBe("WARNING");
    expect(event.event_data).toEqual({
      error_type: "BadRequestError",
      message: "bad datum",
      status_code: 400,
      body: { detail: "bad" },
    });
  });

  it("sends a 408 as UNHANDLED_EXCEPTION with message, type and traceback", async () => {
    const event = (await eventFor(new TimeoutStatusError("timed out"))) as UnhandledExceptionEvent;
    expect(event.event).toBe("UNHANDLED_EXCEPTION");
    expect(event.severity).toBe("ERROR");
    expect(event.error_type).toBe("APIStatusError");
    expect(event.error_message).toBe("timed out");
    expect(event.traceback).toMatch(/^APIStatusError: timed out\n\s+at /);
  });

  it("sends a user-category request failure as user_error without status_code", async () => {
    const failure = Object.assign(new Error("Request failed: invalid loss_fn_inputs"), {
      name: "RequestFailedError",
      category: "user",
    });
    const event = (await eventFor(failure)) as GenericEvent;
    expect(event.event_name).toBe("user_error");
    expect(event.event_data).toEqual({
      error_type: "RequestFailedError",
      message: "Request failed: invalid loss_fn_inputs",
    });
  });

  it("finds the user error through cause and reports the outer error with the inner status", async () => {
    const inner = Object.assign(new Error("not found"), { name: "NotFoundError", status: 404, body: "" });
    const event = (await eventFor(new Error("loading checkpoint failed", { cause: inner }))) as GenericEvent;
    expect(event.event_name).toBe("user_error");
    expect(event.event_data).toEqual({
      error_type: "Error",
      message: "loading checkpoint failed",
      status_code: 404,
    });
  });

  it("includes the cause chain in the traceback of an unhandled exception", async () => {
    const event = (await eventFor(
      new Error("outer", { cause: new RangeError("inner") }),
    )) as UnhandledExceptionEvent;
    expect(event.traceback).toMatch(/^Error: outer\n[\s\S]*\nCaused by: RangeError: inner\n/);
  });

  it("omits traceback for a thrown non-Error and an empty message from user_error", async () => {
    const event = (await eventFor("just a string")) as UnhandledExceptionEvent;
    expect(event).not.toHaveProperty("traceback");
    expect(event.error_type).toBe("string");
    expect(event.error_message).toBe("just a string");
  });

  it("omits an empty message from user_error", async () => {
    const event = (await eventFor(Object.assign(new Error(""), { status: 403, body: [] }))) as GenericEvent;
    expect(event.event_data).toEqual({ error_type: "Error", status_code: 403 });
  });

  it("applies redact to messages, tracebacks and string bodies", async () => {
    const r = reporter({ sessionId: undefined, redact: (text) => text.replaceAll("tml-secret", "tml-***") });
    r.logException(new Error("key tml-secret rejected"));
    r.logException(Object.assign(new Error("denied tml-secret"), { status: 401, body: "key tml-secret" }));
    await transport.waitForSettled(1);
    const raw = received()[0]!.raw;
    expect(raw).not.toContain("tml-secret");
    const [unhandled, user] = allEvents() as [UnhandledExceptionEvent, GenericEvent];
    expect(unhandled.error_message).toBe("key tml-*** rejected");
    expect(unhandled.traceback).toContain("Error: key tml-*** rejected");
    expect(user.event_data).toEqual({
      error_type: "Error",
      message: "denied tml-***",
      status_code: 401,
      body: "key tml-***",
    });
  });

  it("uses the caller's severity for unhandled exceptions but WARNING for user errors", async () => {
    const r = reporter({ sessionId: undefined });
    r.logException(new Error("x"), "CRITICAL");
    r.logException(new BadRequestError("y"), "CRITICAL");
    await transport.waitForSettled(1);
    expect(allEvents().map((e) => e.severity)).toEqual(["CRITICAL", "WARNING"]);
  });
});

describe("fatal exceptions and capture", () => {
  it("adds SESSION_END with the Python timedelta duration and waits until the batch is accepted", async () => {
    const r = reporter();
    await clock.advance(93_784_000); // 1 day, 2:03:04
    await transport.waitForSettled(1); // the periodic flushes sent SESSION_START meanwhile
    const logged = await r.logFatalException(new Error("fatal"));
    expect(logged).toBe(true);
    expect(r.stats.sentEvents).toBe(3);
    const end = allEvents().at(-1)!;
    expect(end).toMatchObject({
      event: "SESSION_END",
      duration: "1 day, 2:03:04",
      timestamp: "2025-01-03T05:07:09Z",
    });
  });

  it("capture re-throws the same error after reporting it, and passes results through", async () => {
    const r = reporter({ sessionId: undefined });
    await expect(r.capture(async () => 7)).resolves.toBe(7);
    const error = new BadRequestError("bad input");
    await expect(r.capture(() => Promise.reject(error), { fatal: true })).rejects.toBe(error);
    // fatal: the event was sent before capture re-threw
    expect(received()).toHaveLength(1);
    expect((allEvents()[0] as GenericEvent).event_name).toBe("user_error");

    const syncError = new Error("sync");
    await expect(
      r.capture(() => {
        throw syncError;
      }),
    ).rejects.toBe(syncError);
    await transport.waitForSettled(2);
    expect(allEvents().map((e) => e.event)).toEqual(["GENERIC_EVENT", "UNHANDLED_EXCEPTION"]);
  });

  it("gives up waiting for a fatal flush after the bound while the endpoint hangs", async () => {
    answerWith({ action: "hang" });
    const r = reporter({ drainTimeoutMs: 5_000 });
    let done = false;
    const fatal = r.logFatalException(new Error("fatal")).then((logged) => {
      done = true;
      return logged;
    });
    await waitUntil(() => server.requests.length === 1, "the endpoint received the batch");
    await clock.advance(4_999);
    expect(done).toBe(false);
    await clock.advance(1);
    await expect(fatal).resolves.toBe(true);
    expect(r.stats.inFlight).toBe(3);
  });
});

describe("bounded memory", () => {
  it("drops events beyond 10,000 queued, counts them and warns at most once a minute", async () => {
    const r = reporter();
    let accepted = 0;
    for (let i = 0; i < 10_050; i++) if (r.log("spam", { i })) accepted += 1;
    expect(accepted).toBe(9_999); // plus SESSION_START
    expect(r.stats).toMatchObject({ queued: 10_000, droppedEvents: 51 });
    const queueFull = () => warnings.messages.filter((m) => m.includes("queue full"));
    expect(queueFull()).toHaveLength(1);

    await clock.advance(10_000);
    await transport.waitForSettled(100);
    expect(r.stats).toMatchObject({ queued: 0, sentEvents: 10_000 });
    for (let i = 0; i < 10_001; i++) r.log("again");
    expect(r.stats.droppedEvents).toBe(52);
    expect(queueFull()).toHaveLength(1); // 10 s after the last warning
    await clock.advance(50_000);
    await transport.waitForSettled(200);
    for (let i = 0; i < 10_001; i++) r.log("later");
    expect(queueFull()).toHaveLength(2);
  });

  it("drops failed batches (Python 0.38.0) and keeps memory bounded while the endpoint is down for a quarter hour", async () => {
    answerWith({ status: 503, body: '{"detail":"down"}' });
    const r = reporter({ maxQueueSize: 500 });
    // A quarter of an hour of 10 s flush periods; 800 events arrive per period, more than the
    // queue holds.
    for (let period = 1; period <= 90; period++) {
      for (let i = 0; i < 800; i++) r.log("step");
      expect(r.stats.queued).toBe(500);
      await clock.advance(10_000);
      await transport.waitForSettled(period * 5); // 500 queued events, batches of 100
      expect(r.stats).toMatchObject({ queued: 0, inFlight: 0 });
    }
    expect(r.stats).toEqual({
      queued: 0,
      inFlight: 0,
      sentEvents: 0,
      failedEvents: 90 * 500,
      droppedEvents: 90 * 300 + 1, // SESSION_START took one place in the first period
      failedSends: 90 * 5,
    });
    // One warning of each kind per minute, not one per drop or per failed send.
    expect(warnings.messages.filter((m) => m.includes("failed to send"))).toHaveLength(15);
    expect(warnings.messages.filter((m) => m.includes("queue full"))).toHaveLength(15);
    expect(warnings.messages.find((m) => m.includes("failed to send"))).toContain("status 503");
  });

  it("with retries on, resends the same batch every second, queue capped, until the endpoint recovers", async () => {
    answerWith({ status: 500, body: "{}" });
    const r = reporter({ maxQueueSize: 300, retryFailedBatchAfterMs: 1_000 });
    for (let i = 0; i < 120; i++) r.log("step");
    r.logException(new Error("trigger"));
    await transport.waitForSettled(1);
    const firstBatchIds = received()[0]!.body.events.map((e) => e.event_id);
    expect(firstBatchIds).toHaveLength(100);

    let produced = 122; // SESSION_START, 120 steps, the exception
    // 400 s down: a resend every second while one event per second keeps arriving; the queue
    // reaches its cap after 278 s.
    for (let second = 1; second <= 400; second++) {
      r.log("tick");
      produced += 1;
      await clock.advance(1_000);
      await transport.waitForSettled(second + 1);
      expect(r.stats.queued).toBeLessThanOrEqual(300);
    }
    expect(received()).toHaveLength(401);
    expect(
      received().every(
        (request) => request.body.events.map((e) => e.event_id).join() === firstBatchIds.join(),
      ),
    ).toBe(true);
    expect(r.stats).toEqual({
      queued: 300,
      inFlight: 100,
      sentEvents: 0,
      failedEvents: 0,
      droppedEvents: produced - 300 - 100,
      failedSends: 401,
    });

    answerWith({ json: { status: "accepted" } });
    await clock.advance(1_000);
    await transport.waitForSettled(405); // the held batch, then 300 queued in three batches
    expect(r.stats).toMatchObject({ queued: 0, inFlight: 0, sentEvents: 400, failedEvents: 0 });
  });

  it("treats any response other than {status: accepted} as a failure", async () => {
    answerWith({ status: 200, body: '{"status":"rejected"}' });
    const r = reporter({ sessionId: undefined });
    r.logException(new Error("x"));
    await transport.waitForSettled(1);
    expect(r.stats).toMatchObject({ sentEvents: 0, failedEvents: 1, failedSends: 1 });
    expect(warnings.messages[0]).toContain('unexpected response {"status":"rejected"}');
  });

  it("survives a transport that throws synchronously or resolves with nothing", async () => {
    let calls = 0;
    const r = reporter({
      sessionId: undefined,
      send: () => {
        calls += 1;
        if (calls === 1) throw new Error("no credentials");
        return Promise.resolve(undefined);
      },
    });
    r.logException(new Error("a"));
    await clock.advance(0);
    r.logException(new Error("b"));
    await clock.advance(0);
    expect(calls).toBe(2);
    expect(r.stats).toMatchObject({ failedEvents: 2, failedSends: 2 });
    expect(warnings.messages[0]).toContain("Error: no credentials");
  });
});

describe("robustness", () => {
  it("never throws from log calls, even when redact throws", () => {
    const r = reporter({
      sessionId: undefined,
      redact: () => {
        throw new Error("redactor broke");
      },
    });
    expect(r.logException(new Error("x"))).toBe(false);
    expect(r.log("still fine")).toBe(true);
    expect(warnings.messages).toEqual(["Telemetry event could not be recorded: redactor broke"]);
  });

  it("reports an unprintable response as a failure", async () => {
    const r = reporter({ sessionId: undefined, send: () => Promise.resolve({ status: 1n }) });
    r.log("x");
    r.logException(new Error("flush"));
    await clock.advance(0);
    expect(r.stats).toMatchObject({ failedEvents: 2, failedSends: 1 });
    expect(warnings.messages[0]).toContain("unexpected response [object Object]");
  });

  it("works on the real clock: an exception is sent at once and close resolves", async () => {
    const r = new TelemetryReporter({ send: transport.send, sdkVersion: "0.25.0", logger: { warn() {} } });
    r.logException(new Error("real time"));
    await transport.waitForSettled(1);
    await r.close();
    expect(r.stats).toMatchObject({ sentEvents: 1, queued: 0 });
    const [request] = received();
    expect(request?.body.sdk_version).toBe("0.25.0");
    expect(request?.body.events[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
  });
});

describe("close", () => {
  it("flushes everything queued before resolving, and drops what is logged afterwards", async () => {
    const r = reporter();
    for (let i = 0; i < 150; i++) r.log("step");
    await r.close();
    expect(r.stats).toMatchObject({ queued: 0, sentEvents: 151, failedEvents: 0 });
    expect(received()).toHaveLength(2);
    expect(clock.now()).toBe(START_MS);
    expect(r.log("late")).toBe(false);
    expect(r.logException(new Error("late"))).toBe(false);
    expect(r.stats.droppedEvents).toBe(2);
    await expect(r.logFatalException(new Error("late"))).resolves.toBe(false);
    expect(r.close()).toBe(r.close());
    expect(clock.pending).toBe(0);
  });

  it("returns after the bound when the endpoint never answers, aborting the send in flight", async () => {
    answerWith({ action: "hang" });
    const r = reporter({ sessionId: undefined });
    for (let i = 0; i < 130; i++) r.log("step");
    let closed = false;
    const closing = r.close().then(() => {
      closed = true;
    });
    await waitUntil(() => server.requests.length === 1, "the endpoint received the batch");
    await clock.advance(29_999);
    expect(closed).toBe(false);
    await clock.advance(1);
    await closing;
    await transport.waitForSettled(1);
    expect(r.stats).toMatchObject({ queued: 0, inFlight: 0, sentEvents: 0, failedEvents: 130 });
    expect(received()).toHaveLength(1);
    expect(transport.aborted).toBe(1);
    expect(warnings.messages).toContain("Timed out draining telemetry during shutdown");
  });

  it("returns after the bound when a failing batch is being retried", async () => {
    answerWith({ status: 503, body: "{}" });
    const r = reporter({ retryFailedBatchAfterMs: 1_000, drainTimeoutMs: 3_000 });
    r.log("x");
    const closing = r.close();
    for (let second = 1; second <= 3; second++) {
      await transport.waitForSettled(second);
      await clock.advance(1_000);
    }
    await closing;
    await waitUntil(() => transport.settled === transport.started, "the last send ended");
    expect(r.stats).toMatchObject({ queued: 0, inFlight: 0, failedEvents: 2, sentEvents: 0 });
    expect(clock.pending).toBe(0);
  });
});

describe("createTelemetryReporter", () => {
  const base = (): TelemetryReporterOptions => ({ send: transport.send, clock });

  it("returns no reporter when TINKER_TELEMETRY turns telemetry off", () => {
    expect(createTelemetryReporter(base(), { TINKER_TELEMETRY: "0" })).toBeUndefined();
    expect(createTelemetryReporter(base(), { TINKER_TELEMETRY: "false" })).toBeUndefined();
  });

  it("returns a reporter otherwise", async () => {
    const r = createTelemetryReporter(base(), { TINKER_TELEMETRY: "Yes" });
    expect(r).toBeInstanceOf(TelemetryReporter);
    reporters.push(r!);
    expect(createTelemetryReporter({ ...base(), sessionId: "s" }, {})).toBeInstanceOf(TelemetryReporter);
  });

  it("warns through console by default", async () => {
    const original = console.warn;
    const lines: unknown[][] = [];
    console.warn = (...args: unknown[]) => lines.push(args);
    try {
      const r = new TelemetryReporter({ ...base(), maxQueueSize: 0 });
      reporters.push(r);
      expect(r.log("x")).toBe(false);
    } finally {
      console.warn = original;
    }
    expect(lines).toEqual([
      ["[tinker] WARN Telemetry queue full (0 events), dropping events", { droppedEvents: 1 }],
    ]);
  });
});
