import { decodeForwardBackwardOutput } from "@tinker-ts/types/proto";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "./backend/backend.js";
import { createNullBackend } from "./backend/null-backend.js";
import { ManualClock } from "./clock.js";
import { ADMIN, ceDatum, startTestApi, type TestApi } from "./server.test-helpers.js";

let api: TestApi;
afterEach(async () => {
  await api?.server.close();
});

/** A null backend whose forward_backward waits for `release()`, and which records call order. */
function gatedBackend() {
  const inner = createNullBackend();
  const calls: string[] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const backend: Backend = {
    ...inner,
    name: "gated",
    createModel: (spec) => inner.createModel(spec),
    forward: (id, input) => inner.forward(id, input),
    async forwardBackward(id, input) {
      calls.push(`fb:${input.data[0]!.model_input.chunks.length}:${input.data.length}`);
      await gate;
      return inner.forwardBackward(id, input);
    },
    async optimStep(id, params) {
      calls.push(`optim:${params.learning_rate}`);
      return inner.optimStep(id, params);
    },
    saveWeights: (id, kind) => inner.saveWeights(id, kind),
    loadWeights: (id, files, options) => inner.loadWeights(id, files, options),
    createSampler: (spec) => inner.createSampler(spec),
    sample: (id, input) => inner.sample(id, input),
    computeLogprobs: (id, input) => inner.computeLogprobs(id, input),
    releaseModel: (id) => inner.releaseModel(id),
    releaseSampler: (id) => inner.releaseSampler(id),
  };
  return {
    backend,
    calls,
    release: () => release(),
    reset() {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  };
}

const adam = (lr: number) => ({
  learning_rate: lr,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-12,
  weight_decay: 0,
  grad_clip_norm: 0,
});

describe("futures (§6)", () => {
  it("answers try_again while work runs, then the typed result", async () => {
    const gated = gatedBackend();
    api = await startTestApi({ backend: gated.backend, pollTimeoutMs: 20 });
    const { modelId } = await api.model();
    const fb = await api.fwdbwd(modelId, 1);
    const poll = await api.post("/api/v1/retrieve_future", {
      request_id: fb.json.request_id,
      allow_metadata_only: true,
    });
    expect(poll.status).toBe(200);
    expect(poll.json).toEqual({ type: "try_again", request_id: fb.json.request_id, queue_state: "active" });
    gated.release();
    const done = await api.result(fb.json.request_id, "application/x-protobuf");
    expect(decodeForwardBackwardOutput(done.bytes).loss_fn_outputs).toHaveLength(1);
  });

  it("answers 410 for unknown promises and 400 for malformed polls", async () => {
    api = await startTestApi();
    const unknown = await api.post("/api/v1/retrieve_future", { request_id: "nope" });
    expect(unknown.status).toBe(410);
    expect(unknown.json.detail).toContain("nope");
    const bad = await api.post("/api/v1/retrieve_future", { request: "x" });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain("FutureRetrieveRequest");
  });

  it("sends complete_metadata first for large results when allowed, then the payload", async () => {
    api = await startTestApi({ inlineResultLimitBytes: 10 });
    const { modelId } = await api.model();
    const fb = await api.fwdbwd(modelId, 1);
    const meta = await api.post(
      "/api/v1/retrieve_future",
      { request_id: fb.json.request_id, allow_metadata_only: true },
      { accept: "application/x-protobuf" },
    );
    expect(meta.json.status).toBe("complete_metadata");
    expect(meta.json.response_payload_size).toBeGreaterThan(10);
    const full = await api.post(
      "/api/v1/retrieve_future",
      { request_id: fb.json.request_id, allow_metadata_only: false },
      { accept: "application/x-protobuf" },
    );
    expect(full.bytes.length).toBe(meta.json.response_payload_size);
  });

  it("gives legacy JSON results to polls that do not accept protobuf (§16)", async () => {
    api = await startTestApi();
    const { modelId } = await api.model();
    const fb = await api.fwdbwd(modelId, 1, [ceDatum([4, 5])]);
    const result = await api.result(fb.json.request_id, "application/json");
    expect(result.headers.get("content-type")).toBe("application/json");
    expect(result.json.loss_fn_outputs[0].logprobs).toMatchObject({ dtype: "float32", shape: [2] });
    expect(result.json.metrics["loss:sum"]).toBeTypeOf("number");
  });

  it("reports failed work as {error, category}", async () => {
    const gated = gatedBackend();
    api = await startTestApi({ backend: gated.backend });
    const { modelId } = await api.model();
    const load = await api.post("/api/v1/load_weights", {
      model_id: modelId,
      seq_id: 1,
      path: "tinker://nobody:train:0/weights/x",
      optimizer: false,
      type: "load_weights",
    });
    // An unreadable checkpoint is rejected at submission; a cancelled future fails with a category.
    expect(load.status).toBe(404);
    const fb = await api.fwdbwd(modelId, 2);
    const cancelled = await api.post("/api/v1/cancel_future", { request_id: fb.json.request_id });
    expect(cancelled.status).toBe(200);
    const result = await api.result(fb.json.request_id);
    expect(result.json).toEqual({ error: "Request cancelled by the client.", category: "user" });
    gated.release();
    expect((await api.post("/api/v1/cancel_future", { request_id: "gone" })).status).toBe(410);
  });

  it("holds polls in a paused queue state, with its reason", async () => {
    api = await startTestApi({ pollTimeoutMs: 20 });
    const { modelId } = await api.model();
    const fb = await api.fwdbwd(modelId, 1);
    const pause = await api.post(
      "/_admin/pause",
      { state: "paused_capacity", reason: "maintenance", duration_ms: 60_000 },
      { "x-admin-token": ADMIN },
    );
    expect(pause.json.pause.state).toBe("paused_capacity");
    const poll = await api.post("/api/v1/retrieve_future", { request_id: fb.json.request_id });
    expect(poll.json).toEqual({
      type: "try_again",
      request_id: fb.json.request_id,
      queue_state: "paused_capacity",
      queue_state_reason: "maintenance",
    });
  });
});

describe("ordering (§8.1)", () => {
  it("holds seq_ids 2..n until 1 arrives and runs them in order", async () => {
    const gated = gatedBackend();
    gated.release();
    api = await startTestApi({ backend: gated.backend, pollTimeoutMs: 20 });
    const { modelId } = await api.model();
    const optim3 = await api.post("/api/v1/optim_step", {
      adam_params: adam(3),
      model_id: modelId,
      seq_id: 3,
    });
    const fb2 = await api.fwdbwd(modelId, 2, [ceDatum([1]), ceDatum([2])]);
    const poll = await api.post("/api/v1/retrieve_future", { request_id: optim3.json.request_id });
    expect(poll.json.type).toBe("try_again");
    expect(gated.calls).toEqual([]);
    const fb1 = await api.fwdbwd(modelId, 1, [ceDatum([1])]);
    await api.result(optim3.json.request_id);
    await api.result(fb2.json.request_id);
    await api.result(fb1.json.request_id);
    expect(gated.calls).toEqual(["fb:1:1", "fb:1:2", "optim:3"]);
  });

  it("de-duplicates a repeated seq_id (client retry) with the same request id", async () => {
    const gated = gatedBackend();
    gated.release();
    api = await startTestApi({ backend: gated.backend });
    const { modelId } = await api.model();
    const first = await api.fwdbwd(modelId, 1);
    const retry = await api.fwdbwd(modelId, 1);
    expect(retry.json.request_id).toBe(first.json.request_id);
    await api.result(first.json.request_id);
    expect(gated.calls).toHaveLength(1);
  });

  it("fails held work with a clear error when a gap times out", async () => {
    api = await startTestApi({ seqGapTimeoutMs: 30, pollTimeoutMs: 2000 });
    const { modelId } = await api.model();
    const held = await api.fwdbwd(modelId, 3);
    const result = await api.result(held.json.request_id);
    expect(result.json.category).toBe("user");
    expect(result.json.error).toContain("seq_id 1, 2");
    const late = await api.fwdbwd(modelId, 1);
    expect(late.status).toBe(400);
    expect(late.json.detail).toContain("behind the next expected seq_id 4");
  });

  it("consumes the seq_id of a rejected request so later ones still run", async () => {
    api = await startTestApi();
    const { modelId } = await api.model();
    const dimuon = { model_id: modelId, seq_id: 1, optimizer_params: { type: "dimuon", learning_rate: 0.1 } };
    const bad = await api.post("/api/v1/optim_step", dimuon);
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain("adam_params");
    const again = await api.post("/api/v1/optim_step", dimuon);
    expect(again.json).toEqual(bad.json);
    const next = await api.fwdbwd(modelId, 2);
    expect((await api.result(next.json.request_id, "application/x-protobuf")).status).toBe(200);
  });

  it("rejects seq_id 0 on protobuf forward_backward (the SDK never sends it)", async () => {
    api = await startTestApi();
    const { modelId } = await api.model();
    const zero = await api.fwdbwd(modelId, 0);
    expect(zero.status).toBe(400);
  });
});

describe("sessions (§2.4)", () => {
  it("expires a silent session and releases its model and samplers", async () => {
    const clock = new ManualClock();
    api = await startTestApi({ clock, sessionExpiryMs: 300_000 });
    const { sessionId, modelId } = await api.model();
    clock.advance(200_000);
    expect((await api.post("/api/v1/session_heartbeat", { session_id: sessionId })).json).toEqual({
      type: "session_heartbeat",
    });
    clock.advance(200_000);
    await api.post("/_admin/sweep", {}, { "x-admin-token": ADMIN });
    expect((await api.get("/_admin/state", { "x-admin-token": ADMIN })).json.loaded_models).toEqual([
      modelId,
    ]);
    clock.advance(300_001);
    await api.post("/_admin/sweep", {}, { "x-admin-token": ADMIN });
    const heartbeat = await api.post("/api/v1/session_heartbeat", { session_id: sessionId });
    expect(heartbeat.status).toBe(410);
    expect(heartbeat.json.detail).toContain("expired");
    const state = await api.get("/_admin/state", { "x-admin-token": ADMIN });
    expect(state.json.loaded_models).toEqual([]);
    expect(state.json.sessions).toEqual([{ session_id: sessionId, status: "expired" }]);
    expect((await api.fwdbwd(modelId, 1)).status).toBe(404);
  });

  it("finishes a session on request (0.38 close) and rejects unknown sessions", async () => {
    api = await startTestApi();
    const { sessionId } = await api.model();
    const finish = await api.post(`/api/v1/sessions/${sessionId}/finish`, {
      reason: { type: "success" },
      detail: null,
    });
    expect(finish.status).toBe(200);
    expect((await api.post("/api/v1/session_heartbeat", { session_id: sessionId })).status).toBe(410);
    expect((await api.post("/api/v1/session_heartbeat", { session_id: "missing" })).status).toBe(404);
    expect((await api.post("/api/v1/sessions/missing/finish", { reason: { type: "success" } })).status).toBe(
      404,
    );
  });
});

describe("auth (§2.2)", () => {
  it("rejects missing and unknown keys with 401 and a JSON body", async () => {
    api = await startTestApi({ apiKeys: ["tml-good"] });
    const missing = await api.post("/api/v1/client/config", { sdk_version: "0.38.0" }, { "x-api-key": "" });
    expect(missing.status).toBe(401);
    expect(missing.json.detail).toContain("X-API-Key");
    const wrong = await api.post(
      "/api/v1/client/config",
      { sdk_version: "0.38.0" },
      { "x-api-key": "tml-bad" },
    );
    expect(wrong.status).toBe(401);
    const prefix = await api.post("/api/v1/client/config", { sdk_version: "0.38.0" }, { "x-api-key": "abc" });
    expect(prefix.status).toBe(401);
    const good = await api.post(
      "/api/v1/client/config",
      { sdk_version: "0.38.0" },
      { "x-api-key": "tml-good" },
    );
    expect(good.status).toBe(200);
    expect((await api.get("/api/v1/healthz", { "x-api-key": "" })).json).toEqual({ status: "ok" });
  });

  it("mints JWTs with sub, email and numeric exp in JWT mode, and accepts them", async () => {
    const clock = new ManualClock();
    api = await startTestApi({ jwtAuth: true, clock, jwtTtlSeconds: 600 });
    expect((await api.post("/api/v1/client/config", { sdk_version: "0.38.0" })).json.pjwt_auth_enabled).toBe(
      true,
    );
    const token = await api.post("/api/v1/auth/token", {});
    const jwt = token.json.jwt as string;
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
    expect(claims).toMatchObject({
      sub: expect.any(String),
      email: expect.any(String),
      exp: expect.any(Number),
    });
    expect(claims.exp - claims.iat).toBe(600);
    expect((await api.get("/api/v1/get_server_capabilities", { "x-api-key": jwt })).status).toBe(200);
    expect((await api.post("/api/v1/auth/token", {}, { "x-api-key": jwt })).status).toBe(401);
    const tampered = `${jwt.slice(0, -2)}xx`;
    expect((await api.get("/api/v1/get_server_capabilities", { "x-api-key": tampered })).status).toBe(401);
    clock.advance(601_000);
    const expired = await api.get("/api/v1/get_server_capabilities", { "x-api-key": jwt });
    expect(expired.status).toBe(401);
    expect(expired.json.detail).toContain("expired");
  });

  it("answers 404 on /auth/token when JWT mode is off", async () => {
    api = await startTestApi();
    expect((await api.post("/api/v1/auth/token", {})).status).toBe(404);
  });
});
