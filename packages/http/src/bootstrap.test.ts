import { FakeClock, startTestServer, type TestServer } from "@tinker-ts/test-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  authenticateForClientConfig,
  DEFAULT_CLIENT_CONFIG,
  DEFAULT_DYNAMIC_CONFIG,
  DynamicConfigRefresher,
  fetchClientConfig,
  fetchInitialDynamicConfig,
} from "./bootstrap.js";
import { TinkerHttp, type TinkerHttpOptions } from "./client.js";
import { APIResponseValidationError, InternalServerError } from "./errors.js";
import { makeJwt } from "./jwt.test-helpers.js";

const KEY = "tml-bootstrap-key";
let server: TestServer;
let clients: TinkerHttp[];

function client(options: TinkerHttpOptions = {}): TinkerHttp {
  const http = new TinkerHttp({
    apiKey: KEY,
    baseUrl: server.url,
    env: {},
    credentialsFile: false,
    clock: new FakeClock(),
    random: () => 0,
    logLevel: "off",
    ...options,
  });
  clients.push(http);
  return http;
}

beforeEach(async () => {
  server = await startTestServer();
  clients = [];
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe("client config (§2.3)", () => {
  it("posts the sdk_version, overlays defaults and sets the billing window", async () => {
    server.enqueue(
      "POST",
      "/api/v1/client/config",
      { status: 503 },
      {
        json: { pjwt_auth_enabled: true, billing_exception_max_pause_duration_sec: 10, brand_new_flag: "x" },
      },
    );
    const http = client({ sdkVersion: "0.38.0" });
    const config = await fetchClientConfig(http);
    // Defaults filled in; the unknown flag is dropped.
    expect(config).toEqual({
      ...DEFAULT_CLIENT_CONFIG,
      pjwt_auth_enabled: true,
      billing_exception_max_pause_duration_sec: 10,
    });
    expect(server.requestsTo("/api/v1/client/config").map((r) => r.text())).toEqual([
      '{"sdk_version":"0.38.0"}',
      '{"sdk_version":"0.38.0"}',
    ]);
    expect(http.billing.shouldPause(402, "x")).toBe(true);
    (http.clock as FakeClock).sleep(11_000);
    expect(http.billing.shouldPause(402, "x")).toBe(false);
  });

  it("rejects a config with a wrongly typed flag", async () => {
    server.route("POST", "/api/v1/client/config", { json: { pjwt_auth_enabled: "yes" } });
    await expect(fetchClientConfig(client())).rejects.toSatisfy((e) =>
      APIResponseValidationError.isInstance(e),
    );
    server.route("POST", "/api/v1/client/config", { json: { fwdbwd_max_chunk_len: 1.5 } });
    await expect(fetchClientConfig(client())).rejects.toSatisfy((e) =>
      APIResponseValidationError.isInstance(e),
    );
  });
});

describe("dynamic config (§2.3 steps 4 and 6)", () => {
  it("falls back to defaults on 404 and raises other final errors", async () => {
    server.route("POST", "/api/v1/client/dynamic_config", { status: 404, json: { detail: "Not Found" } });
    expect(await fetchInitialDynamicConfig(client())).toEqual(DEFAULT_DYNAMIC_CONFIG);
    const req = server.requests[0]!;
    expect(req.headers["x-stainless-read-timeout"]).toBe("10");
    server.route("POST", "/api/v1/client/dynamic_config", { status: 500, json: {} });
    await expect(fetchInitialDynamicConfig(client())).rejects.toSatisfy((e) =>
      InternalServerError.isInstance(e),
    );
  });

  it("refreshes every max(refresh_interval_sec, 10) s and keeps the last known good value", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const http = client({ clock });
    server.enqueue(
      "POST",
      "/api/v1/client/dynamic_config",
      { json: { refresh_interval_sec: 1, sample_cancel_enabled: true } },
      { status: 500, json: {} },
      { json: { refresh_interval_sec: 60, sample_cancel_enabled: false } },
    );
    const refresher = new DynamicConfigRefresher(http, DEFAULT_DYNAMIC_CONFIG);
    refresher.start();
    refresher.start();
    await clock.advance(299_000);
    expect(server.requests).toHaveLength(0);
    await waitFor(
      () => server.requests.length === 1,
      () => clock.advance(1_000),
    );
    expect(refresher.current.sample_cancel_enabled).toBe(true);
    // The next period is the 10 s minimum; this refresh fails (no retries) and keeps the value.
    await waitFor(
      () => server.requests.length === 2,
      () => clock.advance(10_000),
    );
    expect(refresher.current.sample_cancel_enabled).toBe(true);
    await waitFor(
      () => server.requests.length === 3,
      () => clock.advance(10_000),
    );
    expect(refresher.current).toMatchObject({ refresh_interval_sec: 60, sample_cancel_enabled: false });
    refresher.stop();
    await clock.advance(600_000);
    expect(server.requests).toHaveLength(3);
  });
});

// Real I/O happens between fake-clock steps, so poll for the server to have seen it.
async function waitFor(done: () => boolean, step: () => Promise<void>): Promise<void> {
  await step();
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
  await new Promise((r) => setTimeout(r, 5));
}

describe("authenticateForClientConfig (§2.2, §2.3 step 3)", () => {
  it("uses the API key when JWT auth is off", async () => {
    server.route("GET", "/api/v1/x", { json: {} });
    const http = authenticateForClientConfig(client(), DEFAULT_CLIENT_CONFIG);
    await http.request({ method: "GET", path: "/api/v1/x" });
    expect(server.requests[0]?.headers["x-api-key"]).toBe(KEY);
    expect(() =>
      authenticateForClientConfig(
        client({ apiKey: undefined, credentialCmd: "echo tml-x" }),
        DEFAULT_CLIENT_CONFIG,
      ),
    ).toThrow(/TINKER_API_KEY/);
  });

  it("exchanges the key for a JWT and sends the JWT on every other request", async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = makeJwt({ sub: "u", iat: now, exp: now + 3600 });
    server.route("POST", "/api/v1/auth/token", { json: { jwt } });
    server.route("GET", "/api/v1/x", { json: {} });
    const base = client({ clock: new FakeClock({ mode: "manual", startMs: Date.now() }) });
    const http = authenticateForClientConfig(base, { ...DEFAULT_CLIENT_CONFIG, pjwt_auth_enabled: true });
    await http.request({ method: "GET", path: "/api/v1/x" });
    await http.request({ method: "GET", path: "/api/v1/x" });
    const exchange = server.requestsTo("/api/v1/auth/token");
    expect(exchange).toHaveLength(1);
    expect(exchange[0]?.text()).toBe("{}");
    expect(exchange[0]?.headers["x-api-key"]).toBe(KEY);
    expect(server.requestsTo("/api/v1/x").map((r) => r.headers["x-api-key"])).toEqual([jwt, jwt]);
    http.auth.close?.();
  });

  it("authenticates the exchange with the credential command when the config says so", async () => {
    const now = Math.floor(Date.now() / 1000);
    server.route("POST", "/api/v1/auth/token", { json: { jwt: makeJwt({ iat: now, exp: now + 3600 }) } });
    server.route("GET", "/api/v1/x", { json: {} });
    const http = authenticateForClientConfig(
      client({
        apiKey: undefined,
        credentialCmd: "printf tml-from-cmd",
        clock: new FakeClock({ mode: "manual", startMs: Date.now() }),
      }),
      { ...DEFAULT_CLIENT_CONFIG, pjwt_auth_enabled: true, credential_default_source: "credential_cmd" },
    );
    await http.request({ method: "GET", path: "/api/v1/x" });
    expect(server.requestsTo("/api/v1/auth/token")[0]?.headers["x-api-key"]).toBe("tml-from-cmd");
    http.auth.close?.();
  });

  it("fails clearly when the exchange answers without a jwt", async () => {
    server.enqueue("POST", "/api/v1/auth/token", { json: {} }, { json: { jwt: "" } });
    const http = authenticateForClientConfig(client(), { ...DEFAULT_CLIENT_CONFIG, pjwt_auth_enabled: true });
    await expect(http.request({ method: "GET", path: "/api/v1/x" })).rejects.toSatisfy((e) =>
      APIResponseValidationError.isInstance(e),
    );
    await expect(http.request({ method: "GET", path: "/api/v1/x" })).rejects.toThrow(/carried no jwt/);
  });
});
