import { inspect } from "node:util";
import { FakeClock, startTestServer, type TestServer } from "@tinker-ts/test-server";
import { InvalidInputError, TinkerError } from "@tinker-ts/types";
import { Agent, errors as undiciErrors } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuthProvider } from "./auth.js";
import { type AttemptEvent, type AttemptStart, TinkerHttp, type TinkerHttpOptions } from "./client.js";
import {
  APIConnectionError,
  APIResponseValidationError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from "./errors.js";
import type { Logger } from "./logger.js";
import { EMPTY_400_BUDGET } from "./pools.js";
import { VERSION } from "./version.js";
import { zstdCompress, zstdDecompress } from "./zstd.js";

const KEY = "tml-test-key-0123456789";

let server: TestServer;
let clock: FakeClock;
let clients: TinkerHttp[];
let logLines: { level: string; message: string }[];

const memoryLogger: Logger = {
  debug: (message) => logLines.push({ level: "debug", message }),
  info: (message) => logLines.push({ level: "info", message }),
  warn: (message) => logLines.push({ level: "warn", message }),
  error: (message) => logLines.push({ level: "error", message }),
};

function client(options: TinkerHttpOptions = {}): TinkerHttp {
  const http = new TinkerHttp({
    apiKey: KEY,
    baseUrl: `${server.url}/services/tinker-prod`,
    env: {},
    credentialsFile: false,
    clock,
    random: () => 0,
    logger: memoryLogger,
    logLevel: "debug",
    ...options,
  });
  clients.push(http);
  return http;
}

const PATH = "/api/v1/thing";
const FULL = "/services/tinker-prod/api/v1/thing";

beforeEach(async () => {
  server = await startTestServer();
  clock = new FakeClock();
  clients = [];
  logLines = [];
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe("base-client retries against a real server (§1.5)", () => {
  it("returns a 200 without retrying", async () => {
    server.route("POST", FULL, { json: { ok: true }, headers: { "x-request-id": "req-1" } });
    const res = await client().request({ method: "POST", path: PATH, json: { a: 1 } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(res.requestId).toBe("req-1");
    expect(res.retriesTaken).toBe(0);
    expect(server.requestsTo(FULL)).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("retries a 5xx up to maxRetries and then raises InternalServerError", async () => {
    server.route("POST", FULL, { status: 503, json: { detail: "down" } });
    const error = await client({ maxRetries: 3 })
      .request({ method: "POST", path: PATH })
      .catch((e: unknown) => e);
    expect(InternalServerError.isInstance(error)).toBe(true);
    expect((error as InternalServerError).status).toBe(503);
    expect((error as Error).message).toBe('Error code: 503 - {"detail":"down"}');
    expect(server.requestsTo(FULL)).toHaveLength(4);
    expect(server.requestsTo(FULL).map((r) => r.headers["x-stainless-retry-count"])).toEqual([
      "0",
      "1",
      "2",
      "3",
    ]);
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
  });

  it("uses the default of 10 retries", async () => {
    server.route("GET", FULL, { status: 500, body: "boom" });
    await expect(client().request({ method: "GET", path: PATH })).rejects.toThrow("boom");
    expect(server.requestsTo(FULL)).toHaveLength(11);
  });

  it.each([408, 409, 429, 500, 502])("retries %i and succeeds on the next answer", async (status) => {
    server.enqueue("POST", FULL, { status, json: { detail: "again" } }, { json: { ok: 1 } });
    const res = await client().request({ method: "POST", path: PATH });
    expect(res.retriesTaken).toBe(1);
    expect(server.requestsTo(FULL)).toHaveLength(2);
  });

  it("waits retry-after-ms: 100 on a 429", async () => {
    server.enqueue("POST", FULL, { status: 429, headers: { "retry-after-ms": "100" } }, { json: {} });
    await client().request({ method: "POST", path: PATH });
    expect(clock.sleeps).toEqual([100]);
  });

  it("waits retry-after: 1 (seconds) on a 429", async () => {
    server.enqueue("POST", FULL, { status: 429, headers: { "retry-after": "1" } }, { json: {} });
    await client().request({ method: "POST", path: PATH });
    expect(clock.sleeps).toEqual([1000]);
  });

  it("raises RateLimitError when 429s outlast the retries", async () => {
    server.route("POST", FULL, { status: 429, json: { detail: "slow down" } });
    await expect(client({ maxRetries: 1 }).request({ method: "POST", path: PATH })).rejects.toSatisfy((e) =>
      RateLimitError.isInstance(e),
    );
  });

  it("retries a 400 carrying x-should-retry: true", async () => {
    server.enqueue(
      "POST",
      FULL,
      { status: 400, headers: { "x-should-retry": "true" }, json: { detail: "x" } },
      { json: { ok: true } },
    );
    const res = await client().request({ method: "POST", path: PATH });
    expect(res.status).toBe(200);
    expect(server.requestsTo(FULL)).toHaveLength(2);
  });

  it("does not retry a 503 carrying x-should-retry: false", async () => {
    server.route("POST", FULL, {
      status: 503,
      headers: { "x-should-retry": "false" },
      json: { detail: "no" },
    });
    await expect(client().request({ method: "POST", path: PATH })).rejects.toSatisfy((e) =>
      InternalServerError.isInstance(e),
    );
    expect(server.requestsTo(FULL)).toHaveLength(1);
  });

  it("does not retry a 400 with a body and raises BadRequestError with body and request id", async () => {
    server.route("POST", FULL, { status: 400, json: { detail: "bad" }, headers: { "x-request-id": "r-9" } });
    const error = (await client()
      .request({ method: "POST", path: PATH })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(BadRequestError.isInstance(error)).toBe(true);
    expect(TinkerError.isInstance(error)).toBe(true);
    expect(error.body).toEqual({ detail: "bad" });
    expect(error.requestId).toBe("r-9");
    expect(error.headers["content-type"]).toBe("application/json");
    expect(error.request).toEqual({ method: "POST", url: `${server.url}${FULL}` });
    expect(server.requestsTo(FULL)).toHaveLength(1);
  });

  it("retries a connection reset mid-response and then succeeds", async () => {
    server.enqueue(
      "POST",
      FULL,
      { action: "reset-mid-body", json: { partial: "x".repeat(100) } },
      { json: { ok: 2 } },
    );
    const res = await client().request({ method: "POST", path: PATH });
    expect(res.json()).toEqual({ ok: 2 });
    expect(server.requestsTo(FULL)).toHaveLength(2);
    expect(clock.sleeps).toEqual([500]);
  });

  it("raises APIConnectionError when the connection keeps resetting", async () => {
    server.route("POST", FULL, { action: "reset" });
    const error = await client({ maxRetries: 2 })
      .request({ method: "POST", path: PATH })
      .catch((e: unknown) => e);
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(APITimeoutError.isInstance(error)).toBe(false);
    expect((error as Error).message).toBe("Connection error.");
    expect(server.requestsTo(FULL)).toHaveLength(3);
  });

  it("raises APITimeoutError when no headers arrive within timeoutMs", async () => {
    server.route("POST", FULL, { action: "hang" });
    const error = await client({ maxRetries: 0 })
      .request({ method: "POST", path: PATH, timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(APITimeoutError.isInstance(error)).toBe(true);
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe("Request timed out.");
    expect(server.requestsTo(FULL)).toHaveLength(1);
  });

  it("reuses the idempotency key across base retries only", async () => {
    server.route("POST", FULL, { status: 500 });
    const http = client({ maxRetries: 2 });
    await http.request({ method: "POST", path: PATH }).catch(() => undefined);
    await http.request({ method: "POST", path: PATH }).catch(() => undefined);
    const keys = server.requestsTo(FULL).map((r) => r.headers["x-idempotency-key"]);
    expect(keys[0]).toMatch(/^stainless-node-retry-[0-9a-f-]{36}$/);
    expect(new Set(keys.slice(0, 3)).size).toBe(1);
    expect(new Set(keys.slice(3)).size).toBe(1);
    expect(keys[3]).not.toBe(keys[0]);
  });
});

describe("empty-body 400 (§2.5)", () => {
  it("becomes a retryable connection error until the pool's budget is spent", async () => {
    server.route("POST", FULL, { status: 400, omitContentLength: true });
    const http = client();
    const seen: string[] = [];
    for (let i = 0; i < EMPTY_400_BUDGET + 1; i++) {
      const error = await http.request({ method: "POST", path: PATH }).catch((e: unknown) => e);
      seen.push(
        APIConnectionError.isInstance(error) ? "connection" : BadRequestError.isInstance(error) ? "400" : "?",
      );
    }
    expect(server.requests[0]?.headers["content-length"]).toBeDefined();
    expect(seen).toEqual([...Array(EMPTY_400_BUDGET).fill("connection"), "400"]);
    // Another pool has its own budget.
    const other = await http.request({ method: "POST", path: PATH, pool: "train" }).catch((e: unknown) => e);
    expect(APIConnectionError.isInstance(other)).toBe(true);
  });

  it("earns one unit back per success, and a 400 with a body is never converted", async () => {
    const http = client();
    server.enqueue("POST", FULL, { status: 400, omitContentLength: true });
    await expect(http.request({ method: "POST", path: PATH })).rejects.toSatisfy((e) =>
      APIConnectionError.isInstance(e),
    );
    server.enqueue("POST", FULL, { status: 400, json: { detail: "real" } });
    await expect(http.request({ method: "POST", path: PATH })).rejects.toSatisfy((e) =>
      BadRequestError.isInstance(e),
    );
    server.enqueue("POST", FULL, { status: 400, body: "", headers: {} });
    const error = (await http
      .request({ method: "POST", path: PATH })
      .catch((e: unknown) => e)) as APIConnectionError;
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.status).toBe(400);
    expect(BadRequestError.isInstance(error.cause)).toBe(true);
  });

  it("is retried by executeWithRetries until the budget is spent", async () => {
    server.route("POST", FULL, { status: 400, omitContentLength: true });
    const http = client();
    // A budget long enough that the 16 conversions, not the 300 s, end the retries.
    const error = await http
      .executeWithRetries(() => http.request({ method: "POST", path: PATH }), { budgetMs: 10_000_000 })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(error)).toBe(true);
    expect(server.requestsTo(FULL)).toHaveLength(EMPTY_400_BUDGET + 1);
  });
});

describe("long calls are not cut by undici's own timeouts (§1.4)", () => {
  it("an agent-level headersTimeout cuts a held response, which is what our per-call timeout overrides", async () => {
    // undici arms headersTimeout on a ~1 s-resolution timer, so the server holds 1.5 s.
    server.route("POST", FULL, { delayMs: 1500, json: { late: true } });
    const agent = new Agent({ headersTimeout: 100 });
    const [raw, ours] = await Promise.all([
      // Plain undici with a lowered agent default fails on the held response ...
      agent
        .request({ origin: server.url, path: FULL, method: "POST", body: "" })
        .catch((e: unknown) => e),
      // ... while our client on an agent with the same default waits for the per-call timeout.
      client({ agentTimeoutMs: 100 }).request({ method: "POST", path: PATH, timeoutMs: 5_000 }),
    ]);
    await agent.close();
    expect(raw).toBeInstanceOf(undiciErrors.HeadersTimeoutError);
    expect(ours.json()).toEqual({ late: true });
  });
});

describe("headers (§1.3)", () => {
  it("sends exactly the Python SDK's header set with Node values", async () => {
    server.route("POST", FULL, { json: {} });
    await client({ timeoutMs: 60_000 }).request({ method: "POST", path: PATH, json: { x: 1 } });
    const req = server.requestsTo(FULL)[0]!;
    const names: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) names.push(req.rawHeaders[i]!);
    expect(names.filter((n) => !["host", "connection", "content-length"].includes(n.toLowerCase()))).toEqual([
      "Accept",
      "Accept-Encoding",
      "Content-Type",
      "User-Agent",
      "X-Stainless-Package-Version",
      "X-Stainless-OS",
      "X-Stainless-Arch",
      "X-Stainless-Runtime",
      "X-Stainless-Runtime-Version",
      "X-Stainless-Async",
      "X-Idempotency-Key",
      "x-stainless-retry-count",
      "x-stainless-read-timeout",
      "X-API-Key",
    ]);
    expect(req.headers).toMatchObject({
      accept: "application/json",
      "accept-encoding": "gzip, deflate, zstd",
      "content-type": "application/json",
      "user-agent": `Tinker/TypeScript ${VERSION}`,
      "x-stainless-package-version": VERSION,
      "x-stainless-os": process.platform === "linux" ? "Linux" : expect.any(String),
      "x-stainless-arch": process.arch === "x64" ? "x64" : expect.any(String),
      "x-stainless-runtime": "node",
      "x-stainless-runtime-version": process.version,
      "x-stainless-async": "async:node",
      "x-stainless-retry-count": "0",
      "x-stainless-read-timeout": "60",
      "x-api-key": KEY,
    });
    expect(req.text()).toBe('{"x":1}');
  });

  it("drops Content-Type on GET, applies per-call overrides and Cloudflare/env headers", async () => {
    server.route("GET", FULL, { json: {} });
    const http = client({
      env: { CLOUDFLARE_ACCESS_CLIENT_ID: "cf-id", CLOUDFLARE_ACCESS_CLIENT_SECRET: "cf-secret" },
      defaultHeaders: { "X-Custom": "1" },
    });
    await http.request({
      method: "GET",
      path: PATH,
      timeoutMs: 45_000,
      headers: { accept: "application/x-protobuf", "X-Tinker-Request-Iteration": "0", "X-Custom": null },
      sdkMethod: "TrainingClient.forward_backward",
    });
    const req = server.requestsTo(FULL)[0]!;
    expect(req.headers["content-type"]).toBeUndefined();
    expect(req.headers["x-idempotency-key"]).toBeUndefined();
    expect(req.headers["accept"]).toBe("application/x-protobuf");
    expect(req.rawHeaders).toContain("accept");
    expect(req.headers["x-tinker-request-iteration"]).toBe("0");
    expect(req.headers["x-custom"]).toBeUndefined();
    expect(req.headers["x-stainless-read-timeout"]).toBe("45");
    expect(req.headers["cf-access-client-id"]).toBe("cf-id");
    expect(req.headers["cf-access-client-secret"]).toBe("cf-secret");
    expect(req.headers["x-sdk-method"]).toBe("TrainingClient.forward_backward");
    expect(req.headers["x-sdk-version"]).toBe(http.config.sdkVersion);
  });

  it("places the x-sdk headers where Python 0.38 does, sends a float timeout as 5.0, and omits both by default", async () => {
    server.route("POST", FULL, { json: {} });
    const http = client({ env: { CLOUDFLARE_ACCESS_CLIENT_ID: "cf-id" }, sdkVersion: "0.38.0" });
    await http.request({
      method: "POST",
      path: PATH,
      json: {},
      timeoutMs: 5_000,
      timeoutType: "float",
      sdkMethod: "RestClient.get_sampler",
    });
    await http.request({ method: "POST", path: PATH, json: {}, timeoutMs: 5_000 });
    expect(server.requestsTo(FULL)).toHaveLength(2);
    const withMethod = server.requestsTo(FULL)[0]!;
    const plain = server.requestsTo(FULL)[1]!;
    const names: string[] = [];
    for (let i = 0; i < withMethod.rawHeaders.length; i += 2) names.push(withMethod.rawHeaders[i]!);
    const at = (name: string) => names.indexOf(name);
    expect(at("X-Stainless-Async")).toBeLessThan(at("x-sdk-version"));
    expect(at("x-sdk-version") + 1).toBe(at("x-sdk-method"));
    expect(at("x-sdk-method")).toBeLessThan(at("CF-Access-Client-Id"));
    expect(withMethod.headers["x-sdk-version"]).toBe("0.38.0");
    expect(withMethod.headers["x-sdk-method"]).toBe("RestClient.get_sampler");
    expect(withMethod.headers["x-stainless-read-timeout"]).toBe("5.0");
    expect(plain.headers["x-sdk-version"]).toBeUndefined();
    expect(plain.headers["x-sdk-method"]).toBeUndefined();
    expect(plain.headers["x-stainless-read-timeout"]).toBe("5");
  });

  it("keeps checkpoint ids unescaped in the path and encodes the query like the Python SDK", async () => {
    const path = "/api/v1/training_runs/sess:train:0/checkpoints/weights/step 1";
    server.route("DELETE", /.*/, { status: 200 });
    await client().request({
      method: "DELETE",
      path,
      query: {
        limit: 20,
        offset: 0,
        flag: true,
        off: false,
        skip: undefined,
        none: null,
        day: "2026-01-01T00:00:00Z",
      },
    });
    const req = server.requests[0]!;
    expect(req.path).toBe(
      "/services/tinker-prod/api/v1/training_runs/sess:train:0/checkpoints/weights/step%201",
    );
    expect(req.url.split("?")[1]).toBe("limit=20&offset=0&flag=true&off=false&day=2026-01-01T00%3A00%3A00Z");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.body.length).toBe(0);
  });
});

describe("bodies: protobuf, zstd and content types (§1.4, §5)", () => {
  it("sends a zstd-compressed protobuf body that decompresses to the original bytes", async () => {
    server.route("POST", FULL, { status: 202, json: { request_id: "f1" } });
    const proto = new Uint8Array(4096).map((_, i) => i % 7);
    await client().request({
      method: "POST",
      path: PATH,
      body: proto,
      contentType: "application/x-protobuf",
      compress: "zstd",
      pool: "train",
    });
    const req = server.requestsTo(FULL)[0]!;
    expect(req.headers["content-type"]).toBe("application/x-protobuf");
    expect(req.headers["content-encoding"]).toBe("zstd");
    expect(req.body.length).toBeLessThan(proto.length);
    expect(await zstdDecompress(req.body)).toEqual(proto);
  });

  it("decodes a zstd-encoded protobuf response and classifies it by content type", async () => {
    const payload = new Uint8Array([8, 1, 18, 3, 97, 98, 99]);
    server.route("POST", FULL, {
      headers: { "Content-Type": "application/x-protobuf", "Content-Encoding": "zstd" },
      body: await zstdCompress(payload),
    });
    const res = await client().request({ method: "POST", path: PATH });
    expect(res.body).toEqual(payload);
    expect(res.parsed()).toEqual({ kind: "protobuf", bytes: payload });
  });

  it("classifies JSON by a media type ending in json, else text", async () => {
    server.enqueue(
      "GET",
      FULL,
      { headers: { "Content-Type": "application/problem+json; charset=utf-8" }, body: '{"a":1}' },
      { headers: { "Content-Type": "text/plain" }, body: "hello" },
      { headers: { "Content-Type": "application/json" }, body: "not json" },
    );
    const http = client();
    expect((await http.request({ method: "GET", path: PATH })).parsed()).toEqual({
      kind: "json",
      value: { a: 1 },
    });
    expect((await http.request({ method: "GET", path: PATH })).parsed()).toEqual({
      kind: "text",
      text: "hello",
    });
    const bad = await http.request({ method: "GET", path: PATH });
    expect(() => bad.parsed()).toThrow(APIResponseValidationError);
  });

  it("rejects NaN in a JSON body before sending", async () => {
    await expect(
      client().request({ method: "POST", path: PATH, json: { lr: Number.NaN } }),
    ).rejects.toSatisfy((e) => InvalidInputError.isInstance(e) && (e as InvalidInputError).path === "lr");
    await expect(client().request({ method: "POST", path: PATH, json: { n: 1n } })).rejects.toThrow(/bigint/);
    await expect(client().request({ method: "POST", path: PATH, json: {}, body: "x" })).rejects.toThrow(
      /either/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("validates JSON through a parser in requestJson", async () => {
    server.route("POST", FULL, { json: { n: "x" } });
    const parse = (v: unknown) => {
      if (typeof (v as { n?: unknown }).n !== "number") throw new Error("n must be a number");
      return v as { n: number };
    };
    const error = await client()
      .requestJson({ method: "POST", path: PATH }, parse)
      .catch((e: unknown) => e);
    expect(APIResponseValidationError.isInstance(error)).toBe(true);
    expect((error as APIResponseValidationError).body).toEqual({ n: "x" });
    expect((error as Error).message).toBe("Data returned by API invalid for expected schema.");
  });
});

describe("cancellation, redirects, auth replay and observability", () => {
  it("an AbortSignal cancels an in-flight request and a retry sleep", async () => {
    server.route("POST", FULL, { action: "hang" });
    const controller = new AbortController();
    const pending = client().request({ method: "POST", path: PATH, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(pending).rejects.toThrow("stop");

    const manual = new FakeClock({ mode: "manual" });
    server.route("POST", FULL, { status: 503 });
    const c2 = new AbortController();
    const sleeping = client({ clock: manual }).request({ method: "POST", path: PATH, signal: c2.signal });
    while (manual.pending === 0) await new Promise((r) => setTimeout(r, 5));
    c2.abort(new Error("cancelled while sleeping"));
    await expect(sleeping).rejects.toThrow("cancelled while sleeping");
    await expect(client().request({ method: "GET", path: PATH, signal: c2.signal })).rejects.toThrow(
      "cancelled",
    );
  });

  it("follows redirects, dropping credentials on a cross-origin hop; followRedirects: false raises", async () => {
    const other = await startTestServer();
    try {
      other.route("GET", "/signed", { json: { where: "other" } });
      server.route("GET", FULL, { status: 302, headers: { Location: `${other.url}/signed?sig=1` } });
      const http = client({ env: { CLOUDFLARE_ACCESS_CLIENT_SECRET: "cf-secret" } });
      const res = await http.request({ method: "GET", path: PATH });
      expect(res.json()).toEqual({ where: "other" });
      expect(res.url).toBe(`${other.url}/signed?sig=1`);
      expect(other.requests[0]?.headers["x-api-key"]).toBeUndefined();
      expect(other.requests[0]?.headers["cf-access-client-secret"]).toBeUndefined();

      const error = (await http
        .request({ method: "GET", path: PATH, followRedirects: false })
        .catch((e: unknown) => e)) as APIStatusError;
      expect(APIStatusError.isInstance(error)).toBe(true);
      expect(error.status).toBe(302);
      expect(error.headers["location"]).toBe(`${other.url}/signed?sig=1`);
    } finally {
      await other.close();
    }
  });

  it("turns a POST into a GET on 303 and keeps credentials on the same origin", async () => {
    server.route("POST", FULL, { status: 303, headers: { Location: "/services/tinker-prod/api/v1/result" } });
    server.route("GET", "/services/tinker-prod/api/v1/result", { json: { done: true } });
    const res = await client().request({ method: "POST", path: PATH, json: { a: 1 } });
    expect(res.json()).toEqual({ done: true });
    const follow = server.requestsTo("/services/tinker-prod/api/v1/result")[0]!;
    expect(follow.headers["x-api-key"]).toBe(KEY);
    expect(follow.body.length).toBe(0);
  });

  it("replays a 401 invalid_token once with a replaced token", async () => {
    let replaced = 0;
    const auth: AuthProvider = {
      getToken: async () => "eyJold",
      replaceToken: async (rejected) => {
        replaced++;
        expect(rejected).toBe("eyJold");
        return "eyJnew";
      },
    };
    server.route("POST", FULL, (req) =>
      req.headers["x-api-key"] === "eyJnew"
        ? { json: { ok: true } }
        : {
            status: 401,
            headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
            json: { detail: "expired" },
          },
    );
    await client({ auth }).request({ method: "POST", path: PATH });
    expect(replaced).toBe(1);
    server.route("POST", FULL, {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
      json: {},
    });
    await expect(client({ auth }).request({ method: "POST", path: PATH })).rejects.toSatisfy((e) =>
      AuthenticationError.isInstance(e),
    );
    expect(replaced).toBe(2);
  });

  it("raises auth provider errors as they are, without retrying", async () => {
    const auth: AuthProvider = { getToken: () => Promise.reject(new TinkerError("no credential")) };
    await expect(client({ auth }).request({ method: "POST", path: PATH })).rejects.toThrow("no credential");
    expect(server.requests).toHaveLength(0);
  });

  it("reports every attempt to the observer and survives a throwing hook", async () => {
    const events: AttemptEvent[] = [];
    server.enqueue(
      "POST",
      FULL,
      { status: 500, headers: { "x-request-id": "a" } },
      { json: {}, headers: { "x-request-id": "b" } },
    );
    await client({
      pool: undefined,
      observer: {
        onAttempt: (e) => {
          events.push(e);
          throw new Error("hook bug");
        },
      },
    } as TinkerHttpOptions).request({ method: "POST", path: PATH, pool: "sample" });
    expect(events.map(({ durationMs: _, ...e }) => e)).toEqual([
      {
        method: "POST",
        path: PATH,
        pool: "sample",
        retryCount: 0,
        status: 500,
        error: undefined,
        requestId: "a",
        willRetry: true,
        retryDelayMs: 500,
      },
      {
        method: "POST",
        path: PATH,
        pool: "sample",
        retryCount: 1,
        status: 200,
        requestId: "b",
        willRetry: false,
      },
    ]);
    expect(logLines.some((l) => l.level === "warn" && l.message.includes("hook bug"))).toBe(true);
  });

  it("starts one observation per attempt: its headers are sent and it receives the outcome", async () => {
    server.enqueue("POST", FULL, { status: 503 }, { json: {}, headers: { "x-request-id": "r2" } });
    const starts: AttemptStart[] = [];
    const ends: Array<{ status: number | undefined; requestId: string | undefined; error: unknown }> = [];
    await client({
      observer: {
        startAttempt: (start) => {
          starts.push(start);
          return {
            addHeaders: (headers) => {
              headers["traceparent"] = `attempt-${start.retryCount}`;
            },
            end: (event, error) => ends.push({ status: event.status, requestId: event.requestId, error }),
          };
        },
      },
    }).request({ method: "POST", path: PATH, json: { a: 1 }, pool: "train", query: { q: "x" } });
    const sent = server.requestsTo(FULL);
    expect(starts).toEqual(
      sent.map((request, retryCount) => ({
        method: "POST",
        url: `${server.url}${FULL}`,
        path: PATH,
        pool: "train",
        retryCount,
        requestBytes: request.body.byteLength,
      })),
    );
    expect(starts).toHaveLength(2);
    expect(sent.map((r) => r.headers["traceparent"])).toEqual(["attempt-0", "attempt-1"]);
    expect(ends).toEqual([
      { status: 503, requestId: undefined, error: undefined },
      { status: 200, requestId: "r2", error: undefined },
    ]);
  });

  it("gives an observation the transport error of an attempt without a response", async () => {
    server.route("POST", FULL, { action: "reset" });
    const errors: unknown[] = [];
    const failure = await client({
      maxRetries: 0,
      observer: { startAttempt: () => ({ end: (_event, error) => errors.push(error) }) },
    })
      .request({ method: "POST", path: PATH })
      .catch((e: unknown) => e);
    expect(errors).toEqual([failure]);
    expect(APIConnectionError.isInstance(errors[0])).toBe(true);
  });

  it("keeps sending when an observation's hooks throw", async () => {
    server.route("POST", FULL, { json: {} });
    const response = await client({
      observer: {
        startAttempt: () => ({
          addHeaders: () => {
            throw new Error("header hook bug");
          },
          end: () => {
            throw new Error("end hook bug");
          },
        }),
      },
    }).request({ method: "POST", path: PATH });
    expect(response.status).toBe(200);
    expect(logLines.filter((l) => l.level === "warn" && l.message.includes("hook bug"))).toHaveLength(2);
  });

  it("logs deprecation notes and never logs the API key", async () => {
    server.route("POST", FULL, {
      json: {},
      headers: { "x-deprecation-note": `endpoint going away, key ${KEY}`, "x-deprecation-level": "error" },
    });
    const http = client();
    await http.request({ method: "POST", path: PATH });
    expect(logLines.find((l) => l.level === "error")?.message).toBe(
      "Deprecation notice: endpoint going away, key tml-****",
    );
    expect(JSON.stringify(logLines)).not.toContain(KEY);
    expect(inspect(http.config)).not.toContain(KEY);
  });

  it("refuses requests after close", async () => {
    const http = client();
    await http.close();
    await expect(http.request({ method: "GET", path: PATH })).rejects.toThrow(/closed/);
  });
});
