import { InternalServerError } from "@tinker-ts/http";
import { FakeClock, startTestServer } from "@tinker-ts/test-server";
import { InvalidInputError } from "@tinker-ts/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import { API_KEY, acceleratedClock, BASE_MODEL, type Harness, startHarness } from "./clients.test-helpers.js";
import { ClientClosedError } from "./errors.js";
import { HEARTBEAT_INTERVAL_MS } from "./heartbeat.js";
import { ServiceClient } from "./service-client.js";

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const paths = (h: Harness) => h.serverLog.map((line) => line.path);

describe("ServiceClient lifecycle", () => {
  it("makes no request at construction and bootstraps each holder on first use, in the §2.3 order", async () => {
    harness = await startHarness();
    const service = harness.newService();
    expect(harness.serverLog).toHaveLength(0);

    const capabilities = await service.getServerCapabilities();
    expect(capabilities.supported_models.map((m) => m.model_name)).toContain(BASE_MODEL);
    // REST-only use: no session.
    expect(paths(harness)).toEqual([
      "/api/v1/client/config",
      "/api/v1/client/dynamic_config",
      "/api/v1/get_server_capabilities",
    ]);
    expect(await service.sessionId()).toBeUndefined();

    harness.serverLog.length = 0;
    await service.createSamplingClient({ baseModel: BASE_MODEL });
    expect(paths(harness)).toEqual([
      "/api/v1/client/config",
      "/api/v1/client/dynamic_config",
      "/api/v1/create_session",
      "/api/v1/create_sampling_session",
    ]);
    expect(await service.sessionId()).toMatch(/.+/);
  });

  it("recognises tinker-local from its client config, and the real service by its absence", async () => {
    harness = await startHarness();
    const local = harness.newService();
    const info = await local.getEmulatorInfo();
    expect(info).toEqual({ name: "tinker-local", version: expect.any(String), backend: "null" });
    expect(paths(harness)).toEqual(["/api/v1/client/config", "/api/v1/client/dynamic_config"]);
    expect(await local.sessionId()).toBeUndefined();
    await local.close();

    // A server that answers the client config as the real service does: no `emulator` field.
    const service = await startTestServer();
    try {
      service.route("POST", "/api/v1/client/config", { json: { pjwt_auth_enabled: false } });
      service.route("POST", "/api/v1/client/dynamic_config", { json: {} });
      const remote = new ServiceClient({ apiKey: API_KEY, baseUrl: service.url, env: {}, telemetry: false });
      expect(await remote.getEmulatorInfo()).toBeUndefined();
      await remote.close();
      await expect(remote.getEmulatorInfo()).rejects.toThrow(ClientClosedError);
    } finally {
      await service.close();
    }
  });

  it("sends a heartbeat every 10 s, warns after 120 s of failures, and stops on 410", async () => {
    const clock = new FakeClock({ mode: "manual" });
    harness = await startHarness({ client: { clock } });
    const service = harness.service;
    await service.createSamplingClient({ baseModel: BASE_MODEL });
    const beats = () => harness!.requestsTo("/api/v1/session_heartbeat").length;
    expect(beats()).toBe(0);
    for (let i = 1; i <= 3; i++) {
      await clock.advance(HEARTBEAT_INTERVAL_MS);
      await vi.waitFor(() => expect(beats()).toBe(i));
    }

    await harness.admin("PUT", "/_admin/faults", {
      rules: [{ endpoint: "/api/v1/session_heartbeat", server_error: 1 }],
    });
    const warnings = () =>
      harness!.logs.filter((l) => l.level === "warn" && l.message.includes("heartbeat failed"));
    for (let i = 4; i <= 15; i++) {
      await clock.advance(HEARTBEAT_INTERVAL_MS);
      await vi.waitFor(() => expect(beats()).toBe(i));
      // The last success was at 30 s: silence passes 120 s at the 16th beat (160 s), not before.
      expect(warnings()).toHaveLength(0);
    }
    await clock.advance(HEARTBEAT_INTERVAL_MS);
    await vi.waitFor(() => expect(warnings()).toHaveLength(1));

    await harness.admin("PUT", "/_admin/faults", { rules: [] });
    const sessionId = (await service.sessionId())!;
    await fetch(`${harness.server.url}/api/v1/sessions/${sessionId}/finish`, {
      method: "POST",
      headers: { "x-api-key": API_KEY, "content-type": "application/json" },
      body: JSON.stringify({ reason: { type: "success" } }),
    });
    await clock.advance(HEARTBEAT_INTERVAL_MS);
    await vi.waitFor(() =>
      expect(harness!.logs.some((l) => l.message.includes("stopping its heartbeat"))).toBe(true),
    );
    const final = beats();
    await clock.advance(10 * HEARTBEAT_INTERVAL_MS);
    expect(beats()).toBe(final);
  });

  it("refreshes the dynamic config every refresh_interval_sec (at least 10 s)", async () => {
    const clock = new FakeClock({ mode: "manual" });
    harness = await startHarness({
      client: { clock },
      server: { dynamicConfig: { refresh_interval_sec: 3 } },
    });
    await harness.service.createSamplingClient({ baseModel: BASE_MODEL });
    const refreshes = () => harness!.requestsTo("/api/v1/client/dynamic_config").length;
    expect(refreshes()).toBe(1);
    await clock.advance(9_000);
    expect(refreshes()).toBe(1);
    await clock.advance(1_000);
    await vi.waitFor(() => expect(refreshes()).toBe(2));
  });

  it("exchanges the API key for a JWT when the server asks, and reads whoami from it", async () => {
    harness = await startHarness({ server: { jwtAuth: true } });
    const rest = harness.service.createRestClient();
    const me = await rest.whoami();
    expect(paths(harness)).toContain("/api/v1/auth/token");
    expect(me.user_urn).toMatch(/^user-[0-9a-f]{12}$/);
    expect(me.email).toBe(`${me.user_urn}@tinker.local`);
    expect(me.org_urn).toMatch(/^tml:organization:org-[0-9a-f]{12}$/);
  });

  it("rejects invalid arguments before sending anything", async () => {
    harness = await startHarness();
    const { service } = harness;
    await expect(
      service.createLoraTrainingClient({
        baseModel: BASE_MODEL,
        trainMlp: false,
        trainAttn: false,
        trainUnembed: false,
      }),
    ).rejects.toThrow(InvalidInputError);
    await expect(service.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 0 })).rejects.toThrow(
      /rank/,
    );
    await expect(service.createLoraTrainingClient({ baseModel: BASE_MODEL, seed: 1.5 })).rejects.toThrow(
      /seed/,
    );
    await expect(service.createSamplingClient({})).rejects.toThrow(/Either modelPath or baseModel/);
    await expect(service.createSamplingClient({ modelPath: "s3://x" })).rejects.toThrow(/tinker:\/\//);
    await expect(service.createTrainingClientFromState("weights/x")).rejects.toThrow(InvalidInputError);
    expect(harness.serverLog).toHaveLength(0);
    expect(() => new ServiceClient({ apiKey: "sk-wrong", env: {}, credentialsFile: false })).toThrow(
      InvalidInputError,
    );
  });

  it("forgets a failed bootstrap so that the next call tries again", async () => {
    harness = await startHarness({
      server: { faults: { rules: [{ endpoint: "/api/v1/client/config", server_error: 1 }] } },
      client: { clock: acceleratedClock(20_000), maxRetries: 1 },
    });
    await expect(harness.service.getServerCapabilities()).rejects.toThrow(InternalServerError);
    await harness.admin("PUT", "/_admin/faults", { rules: [] });
    const capabilities = await harness.service.getServerCapabilities();
    expect(capabilities.supported_models.length).toBeGreaterThan(0);
  });

  it("finishes the session on close, and every later call fails with ClientClosedError", async () => {
    harness = await startHarness();
    const service = harness.service;
    const rest = service.createRestClient();
    await service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const sessionId = (await service.sessionId())!;
    await service[Symbol.asyncDispose]();
    await service.close();
    expect(service.closed).toBe(true);
    expect(harness.requestsTo(`/api/v1/sessions/${sessionId}/finish`)).toHaveLength(1);
    const state = (await harness.admin("GET", "/_admin/state")) as {
      sessions: Array<{ session_id: string; status: string }>;
    };
    expect(state.sessions.find((s) => s.session_id === sessionId)?.status).toBe("finished");
    expect(() => service.createRestClient()).toThrow(ClientClosedError);
    await expect(service.getServerCapabilities()).rejects.toThrow(ClientClosedError);
    await expect(rest.listCheckpoints("x")).rejects.toThrow(ClientClosedError);
    await expect(service.createSamplingClient({ baseModel: BASE_MODEL })).rejects.toThrow(ClientClosedError);
  });

  it("sends SESSION_START, user errors and unhandled errors to Tinker telemetry", async () => {
    harness = await startHarness({ client: { telemetry: true } });
    const training = await harness.service.createLoraTrainingClient({ baseModel: BASE_MODEL });
    const rest = harness.service.createRestClient();
    await expect(rest.getTrainingRun("no-such-run")).rejects.toThrow(/not found/);
    await expect(training.saveState("ok")).resolves.toMatchObject({ path: expect.stringContaining("ok") });
    await harness.service.close();
    const received = JSON.stringify(await harness.admin("GET", "/_admin/telemetry"));
    expect(received).toContain("SESSION_START");
    expect(received).toContain("user_error");
    expect(received).toContain("sessionless-");
  });
});
