import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compress, init } from "@bokuweb/zstd-wasm";
import { encodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import { list as listTar } from "tar";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { ADMIN, ceDatum, startTestApi, type TestApi } from "./server.test-helpers.js";

let api: TestApi;
afterEach(async () => {
  await api?.server.close();
});
beforeAll(async () => {
  await init();
});

const tokens = (ids: number[]) => ({ chunks: [{ type: "encoded_text", tokens: ids }] });

async function saveState(modelId: string, seqId: number, name: string, extra: Record<string, unknown> = {}) {
  const save = await api.post("/api/v1/save_weights", {
    model_id: modelId,
    path: name,
    seq_id: seqId,
    overwrite: false,
    type: "save_weights",
    ...extra,
  });
  return (await api.result(save.json.request_id)).json.path as string;
}

describe("service endpoints", () => {
  it("rejects malformed config bodies, wrong content types and unknown routes with JSON errors", async () => {
    api = await startTestApi();
    const bad = await api.post("/api/v1/client/config", { sdk: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.issues.length).toBeGreaterThan(0);
    const notJson = await api.post("/api/v1/client/config", "{oops");
    expect(notJson.status).toBe(400);
    expect(notJson.json.detail).toContain("not valid JSON");
    const empty = await api.post("/api/v1/create_session", "");
    expect(empty.status).toBe(400);
    expect(empty.text.length).toBeGreaterThan(0);
    const wrongType = await api.post("/api/v1/create_session", "{}", { "content-type": "text/plain" });
    expect(wrongType.status).toBe(415);
    const route = await api.get("/api/v1/nothing");
    expect(route.status).toBe(404);
    const method = await api.get("/api/v1/create_session");
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toBe("POST");
  });

  it("lists the catalogue and keeps telemetry batches", async () => {
    api = await startTestApi({ dynamicConfig: { refresh_interval_sec: 60 } });
    const caps = await api.get("/api/v1/get_server_capabilities");
    expect(caps.json.supported_models.map((m: { model_name: string }) => m.model_name)).toEqual(
      expect.arrayContaining(["Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"]),
    );
    expect(
      (await api.post("/api/v1/client/dynamic_config", { sdk_version: "x" })).json.refresh_interval_sec,
    ).toBe(60);
    const batch = {
      events: [
        {
          event: "GENERIC_EVENT",
          event_id: "e1",
          event_name: "x",
          event_session_index: 0,
          severity: "INFO",
          timestamp: "2026-01-01T00:00:00Z",
        },
      ],
      platform: "Linux",
      sdk_version: "0.38.0",
      session_id: "s",
      process_uuid: "p",
    };
    expect((await api.post("/api/v1/telemetry", batch)).json).toEqual({ status: "accepted" });
    expect((await api.post("/api/v1/telemetry", { events: "no" })).status).toBe(400);
    const kept = await api.get("/_admin/telemetry", { "x-admin-token": ADMIN });
    expect(kept.json.received).toBe(1);
    expect(kept.json.batches[0].events[0].event_name).toBe("x");
    expect((await api.get("/_admin/telemetry")).status).toBe(401);
  });
});

describe("training endpoints", () => {
  it("rejects unknown base models, sessions and models", async () => {
    api = await startTestApi();
    const { sessionId, modelId } = await api.model();
    const base = await api.post("/api/v1/create_model", {
      session_id: sessionId,
      model_seq_id: 1,
      base_model: "nope/Nope",
      lora_config: { rank: 4 },
    });
    expect(base.status).toBe(400);
    expect(base.json.detail).toContain("Qwen/Qwen3-8B");
    const session = await api.post("/api/v1/create_model", {
      session_id: "missing",
      model_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
      lora_config: { rank: 4 },
    });
    expect(session.status).toBe(404);
    const noLora = await api.post("/api/v1/create_model", {
      session_id: sessionId,
      model_seq_id: 2,
      base_model: "Qwen/Qwen3-8B",
    });
    expect(noLora.status).toBe(400);
    expect((await api.post("/api/v1/get_info", { model_id: "x:train:9" })).status).toBe(404);
    const info = await api.post("/api/v1/get_info", { model_id: modelId, type: "get_info" });
    expect(info.json).toMatchObject({
      model_data: { model_name: "Qwen/Qwen3-8B", tokenizer_id: "Qwen/Qwen3-8B" },
      is_lora: true,
      lora_rank: 8,
    });
    const retry = await api.post("/api/v1/create_model", {
      session_id: sessionId,
      model_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
      lora_config: { rank: 8 },
    });
    expect(retry.json.model_id).toBe(modelId);
  });

  it("accepts zstd protobuf, legacy JSON forward_backward and forward, and validates loss inputs", async () => {
    api = await startTestApi();
    const { modelId } = await api.model();
    const proto = encodeForwardBackwardRequest({
      model_id: modelId,
      seq_id: 1,
      data: [ceDatum([1, 2])],
      loss_fn: "cross_entropy",
      forward_only: false,
    });
    const zstd = await api.call("POST", "/api/v1/forward_backward", compress(proto, 3), {
      "content-encoding": "zstd",
    });
    expect((await api.result(zstd.json.request_id, "application/x-protobuf")).status).toBe(200);
    const legacyDatum = {
      loss_fn_inputs: {
        target_tokens: { data: [2, 3], dtype: "int64", shape: [2] },
        weights: { data: [1, 1], dtype: "float32" },
      },
      model_input: tokens([1, 2]),
    };
    const legacy = await api.post("/api/v1/forward_backward", {
      forward_backward_input: { data: [legacyDatum], loss_fn: "cross_entropy" },
      model_id: modelId,
      seq_id: 2,
    });
    const legacyResult = await api.result(legacy.json.request_id);
    expect(legacyResult.json.loss_fn_outputs[0].elementwise_loss.shape).toEqual([2]);
    const forward = await api.post("/api/v1/forward", {
      forward_input: { data: [legacyDatum], loss_fn: "cross_entropy", loss_fn_config: null },
      model_id: modelId,
      seq_id: 3,
    });
    expect((await api.result(forward.json.request_id)).json.loss_fn_output_type).toBe(
      "CrossEntropyLossReturn",
    );

    const missingWeights = await api.post("/api/v1/forward_backward", {
      forward_backward_input: {
        data: [
          { ...legacyDatum, loss_fn_inputs: { target_tokens: legacyDatum.loss_fn_inputs.target_tokens } },
        ],
        loss_fn: "cross_entropy",
      },
      model_id: modelId,
      seq_id: 4,
    });
    expect(missingWeights.status).toBe(400);
    expect(missingWeights.json.detail).toContain("weights");
    const garbage = await api.call("POST", "/api/v1/forward_backward", new Uint8Array([0xff, 0xff, 0xff]));
    expect(garbage.status).toBe(400);
    const badZstd = await api.call("POST", "/api/v1/forward_backward", new Uint8Array([1, 2, 3]), {
      "content-encoding": "zstd",
    });
    expect(badZstd.status).toBe(400);
    const gzip = await api.call("POST", "/api/v1/forward_backward", proto, { "content-encoding": "gzip" });
    expect(gzip.status).toBe(415);
  });

  it("checks shapes, dtypes, keys and the context window of loss inputs", async () => {
    api = await startTestApi();
    const { modelId } = await api.model();
    const datum = ceDatum([1, 2, 3]);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...datum.loss_fn_inputs, extra: datum.loss_fn_inputs["weights"] }, "does not take"],
      [
        { ...datum.loss_fn_inputs, weights: { dtype: "float32", data: new Float32Array(2), shape: [2] } },
        "shape",
      ],
      [{ ...datum.loss_fn_inputs, target_tokens: { dtype: "float32", data: new Float32Array(3) } }, "int64"],
      [
        { ...datum.loss_fn_inputs, target_tokens: { dtype: "int64", data: new BigInt64Array(4) } },
        "leading dimension",
      ],
    ];
    let seq = 1;
    for (const [inputs, message] of cases) {
      const response = await api.fwdbwd(modelId, seq++, [{ ...datum, loss_fn_inputs: inputs as never }]);
      expect(response.status).toBe(400);
      expect(response.json.detail).toContain(message);
    }
    const ppo = encodeForwardBackwardRequest({
      model_id: modelId,
      seq_id: seq++,
      data: [datum],
      loss_fn: "ppo",
      forward_only: false,
    });
    const ppoResponse = await api.call("POST", "/api/v1/forward_backward", ppo);
    expect(ppoResponse.json.detail).toContain("logprobs");
    const unknownLoss = encodeForwardBackwardRequest({
      model_id: modelId,
      seq_id: seq++,
      data: [datum],
      loss_fn: "mse",
      forward_only: false,
    });
    expect((await api.call("POST", "/api/v1/forward_backward", unknownLoss)).json.detail).toContain(
      "Unknown loss_fn",
    );
    const long = await api.fwdbwd(modelId, seq++, [
      ceDatum(Array.from({ length: 40_000 }, (_, i) => i % 100)),
    ]);
    expect(long.json.detail).toContain("exceeds max sequence length 32768");
  });

  it("enforces the fwdbwd_max_chunk_len it reports in /client/config", async () => {
    api = await startTestApi({ clientConfig: { fwdbwd_max_chunk_len: 2, proto_compress_fwdbwd: true } });
    expect((await api.post("/api/v1/client/config", { sdk_version: "0.38.0" })).json).toMatchObject({
      fwdbwd_max_chunk_len: 2,
      proto_compress_fwdbwd: true,
    });
    const { modelId } = await api.model();
    const tooMany = await api.fwdbwd(modelId, 1, [ceDatum([1]), ceDatum([2]), ceDatum([3])]);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.detail).toContain("fwdbwd_max_chunk_len is 2");
    const ok = await api.fwdbwd(modelId, 2, [ceDatum([1]), ceDatum([2])]);
    expect(ok.status).toBe(200);
  });

  it("runs RL losses with advantages and sampler logprobs", async () => {
    api = await startTestApi();
    const { modelId } = await api.model();
    const base = ceDatum([1, 2]);
    const rl = {
      model_input: base.model_input,
      loss_fn_inputs: {
        target_tokens: base.loss_fn_inputs["target_tokens"]!,
        logprobs: { dtype: "float32" as const, data: Float32Array.from([-1, -1]) },
        advantages: { dtype: "float32" as const, data: Float32Array.from([0.5, 0.5]) },
      },
    };
    const body = encodeForwardBackwardRequest({
      model_id: modelId,
      seq_id: 1,
      data: [rl],
      loss_fn: "ppo",
      loss_fn_config: { clip_low_threshold: 0.8 },
      forward_only: false,
    });
    const response = await api.call("POST", "/api/v1/forward_backward", body);
    const result = await api.result(response.json.request_id);
    expect(result.json.loss_fn_output_type).toBe("PPOLossReturn");
    expect(result.json.metrics["loss:sum"]).toBe(-1);
  });

  it("saves, rejects duplicate names with 409, loads in both modes, and unloads", async () => {
    api = await startTestApi();
    const { sessionId, modelId } = await api.model();
    const path = await saveState(modelId, 1, "step-1", { ttl_seconds: 3600 });
    expect(path).toBe(`tinker://${modelId}/weights/step-1`);
    const dup = await api.post("/api/v1/save_weights", { model_id: modelId, path: "step-1", seq_id: 2 });
    expect(dup.status).toBe(409);
    expect(await saveState(modelId, 3, "step-1", { overwrite: true })).toBe(path);
    const badName = await api.post("/api/v1/save_weights", { model_id: modelId, path: "a/b", seq_id: 4 });
    expect(badName.status).toBe(400);
    const load = await api.post("/api/v1/load_weights", {
      model_id: modelId,
      seq_id: 5,
      path,
      optimizer: true,
      type: "load_weights",
    });
    expect((await api.result(load.json.request_id)).json).toMatchObject({ path, type: "load_weights" });
    const viaLoad = await api.post("/api/v1/load_weights", {
      session_id: sessionId,
      model_seq_id: 1,
      path,
      optimizer: false,
      type: "load_weights",
    });
    expect(viaLoad.json.model_id).toBe(`${sessionId}:train:1`);
    expect((await api.result(viaLoad.json.request_id)).json.model_id).toBe(`${sessionId}:train:1`);
    const next = await api.fwdbwd(`${sessionId}:train:1`, 1);
    expect((await api.result(next.json.request_id, "application/x-protobuf")).status).toBe(200);
    const both = await api.post("/api/v1/load_weights", {
      model_id: modelId,
      session_id: sessionId,
      path,
      optimizer: false,
    });
    expect(both.status).toBe(400);
    const badPath = await api.post("/api/v1/load_weights", {
      model_id: modelId,
      seq_id: 6,
      path: "tinker://x/y",
      optimizer: false,
    });
    expect(badPath.status).toBe(400);
    expect(badPath.json.detail).toContain("Invalid tinker path");
    const unload = await api.post("/api/v1/unload_model", { model_id: modelId, type: "unload_model" });
    expect((await api.result(unload.json.request_id)).json).toEqual({
      model_id: modelId,
      type: "unload_model",
    });
    expect((await api.post("/api/v1/get_info", { model_id: modelId })).status).toBe(404);
  });
});

describe("sampling endpoints", () => {
  it("creates sampling sessions from base models and tinker paths, joins them and samples", async () => {
    api = await startTestApi();
    const { sessionId, modelId } = await api.model();
    const named = await api.post("/api/v1/save_weights_for_sampler", {
      model_id: modelId,
      path: "s1",
      seq_id: 1,
      type: "save_weights_for_sampler",
    });
    const samplerPath = (await api.result(named.json.request_id)).json.path;
    expect(samplerPath).toBe(`tinker://${modelId}/sampler_weights/s1`);
    const fromPath = await api.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      model_path: samplerPath,
      type: "create_sampling_session",
    });
    expect(fromPath.json).toEqual({
      type: "create_sampling_session",
      sampling_session_id: `${sessionId}:sample:0`,
    });
    const fromBase = await api.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 1,
      base_model: "meta-llama/Llama-3.1-8B",
    });
    const samplerId = fromBase.json.sampling_session_id;
    const sampler = await api.get(`/api/v1/samplers/${samplerId}`);
    expect(sampler.json).toEqual({ sampler_id: samplerId, base_model: "meta-llama/Llama-3.1-8B" });
    expect((await api.get(`/api/v1/samplers/${sessionId}:sample:0`)).json.model_path).toBe(samplerPath);
    expect((await api.get("/api/v1/samplers/nope")).status).toBe(404);
    const join = await api.post("/api/v1/join_sampling_session", { sampling_session_id: samplerId });
    expect(join.json).toEqual({ type: "join_sampling_session", client_counter: 1 });

    const request = {
      num_samples: 1,
      prompt: tokens([3, 4, 5]),
      sampling_params: { max_tokens: 4, seed: 1, stop: [999999], temperature: 0.5, top_k: -1, top_p: 1 },
      sampling_session_id: samplerId,
      seq_id: 0,
      prompt_logprobs: false,
      topk_prompt_logprobs: 2,
      type: "sample",
    };
    const first = await api.post("/api/v1/asample", request);
    const retry = await api.post("/api/v1/asample", request);
    expect(retry.json).toEqual(first.json);
    // 0.38 SDKs assert one sequence id per requested sample in the submission reply.
    expect(first.json.sample_sequence_ids).toEqual([`${first.json.request_id}:0`]);
    const json = (await api.result(first.json.request_id)).json;
    expect(json.sequences[0].tokens).toHaveLength(4);
    expect(json.topk_prompt_logprobs[0]).toBeNull();
    expect(json.topk_prompt_logprobs[1]).toHaveLength(2);
    const again = await api.result(
      (await api.post("/api/v1/asample", { ...request, seq_id: 1 })).json.request_id,
    );
    expect(again.json.sequences[0].tokens).toEqual(json.sequences[0].tokens);

    const adHoc = await api.post("/api/v1/asample", {
      prompt: tokens([1]),
      sampling_params: { max_tokens: 2 },
      base_model: "Qwen/Qwen3-8B",
    });
    expect((await api.result(adHoc.json.request_id)).json.sequences).toHaveLength(1);
  });

  it("rejects bad sampling requests", async () => {
    api = await startTestApi();
    const { sessionId } = await api.model();
    const neither = await api.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
    });
    expect(neither.status).toBe(400);
    const badPath = await api.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      model_path: "s3://x",
    });
    expect(badPath.json.detail).toContain("Invalid tinker path");
    const missing = await api.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      model_path: "tinker://a:train:0/sampler_weights/x",
    });
    expect(missing.status).toBe(404);
    const created = await api.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
    });
    const id = created.json.sampling_session_id;
    const long = await api.post("/api/v1/asample", {
      prompt: tokens([1, 2]),
      sampling_params: { max_tokens: 40_000 },
      sampling_session_id: id,
      seq_id: 0,
    });
    expect(long.status).toBe(400);
    expect(long.json.detail).toContain("context window");
    const empty = await api.post("/api/v1/asample", {
      prompt: { chunks: [] },
      sampling_params: {},
      sampling_session_id: id,
    });
    expect(empty.status).toBe(400);
    const unknown = await api.post("/api/v1/asample", {
      prompt: tokens([1]),
      sampling_params: {},
      sampling_session_id: "x",
    });
    expect(unknown.status).toBe(404);
    const badTemp = await api.post("/api/v1/asample", {
      prompt: tokens([1]),
      sampling_params: { temperature: -1 },
      sampling_session_id: id,
    });
    expect(badTemp.status).toBe(400);
  });
});

describe("REST endpoints", () => {
  it("lists runs and checkpoints with cursors, and answers training-run and weights-info lookups", async () => {
    api = await startTestApi();
    const { modelId } = await api.model();
    await saveState(modelId, 1, "a");
    await saveState(modelId, 2, "b");
    const runs = await api.get("/api/v1/training_runs?limit=1&offset=0&access_scope=owned");
    expect(runs.json.cursor).toEqual({ offset: 0, limit: 1, total_count: 1 });
    expect(runs.json.training_runs[0]).toMatchObject({
      training_run_id: modelId,
      base_model: "Qwen/Qwen3-8B",
      is_lora: true,
      lora_rank: 8,
      last_checkpoint: { checkpoint_id: "weights/b" },
    });
    expect((await api.get("/api/v1/training_runs?limit=-1")).status).toBe(400);
    expect((await api.get("/api/v1/training_runs?access_scope=all")).status).toBe(400);
    expect((await api.get(`/api/v1/training_runs/${modelId}`)).json.training_run_id).toBe(modelId);
    expect((await api.get("/api/v1/training_runs/missing")).status).toBe(404);
    const ckpts = await api.get(`/api/v1/training_runs/${modelId}/checkpoints`);
    expect(ckpts.json.checkpoints.map((c: { checkpoint_id: string }) => c.checkpoint_id)).toEqual([
      "weights/b",
      "weights/a",
    ]);
    const mine = await api.get("/api/v1/checkpoints?limit=1&offset=1");
    expect(mine.json.cursor).toEqual({ offset: 1, limit: 1, total_count: 2 });
    expect(mine.json.checkpoints[0].checkpoint_id).toBe("weights/a");
    const info = await api.post("/api/v1/weights_info", { tinker_path: `tinker://${modelId}/weights/a` });
    expect(info.json).toMatchObject({
      base_model: "Qwen/Qwen3-8B",
      is_lora: true,
      lora_rank: 8,
      train_mlp: true,
    });
    expect((await api.post("/api/v1/weights_info", { tinker_path: "bad" })).status).toBe(400);
  });

  it("publishes with the 409 rules, lets others read public checkpoints, sets TTLs and deletes", async () => {
    const clock = new ManualClock();
    api = await startTestApi({ clock });
    const { modelId } = await api.model();
    const path = await saveState(modelId, 1, "pub");
    const route = `/api/v1/training_runs/${modelId}/checkpoints/weights/pub`;
    const other = { "x-api-key": "tml-someone-else" };
    expect((await api.post("/api/v1/weights_info", { tinker_path: path }, other)).status).toBe(404);
    expect((await api.call("DELETE", `${route}/publish`)).status).toBe(409);
    expect((await api.call("POST", `${route}/publish`)).status).toBe(200);
    expect((await api.call("POST", `${route}/publish`)).status).toBe(409);
    expect((await api.post("/api/v1/weights_info", { tinker_path: path }, other)).status).toBe(200);
    expect((await api.call("POST", `${route}/publish`, undefined, other)).status).toBe(403);
    const accessible = await api.get("/api/v1/training_runs?access_scope=accessible", other);
    expect(accessible.json.training_runs).toHaveLength(1);
    expect((await api.call("DELETE", `${route}/publish`)).status).toBe(200);

    expect((await api.call("PUT", `${route}/ttl`, { ttl_seconds: 0 })).status).toBe(400);
    expect((await api.call("PUT", `${route}/ttl`, { ttl_seconds: 60 })).status).toBe(200);
    const listed = await api.get(`/api/v1/training_runs/${modelId}/checkpoints`);
    expect(listed.json.checkpoints[0].expires_at).toBe(new Date(clock.now() + 60_000).toISOString());
    expect((await api.call("PUT", `${route}/ttl`, { ttl_seconds: null })).status).toBe(200);
    clock.advance(120_000);
    await api.post("/_admin/sweep", {}, { "x-admin-token": ADMIN });
    expect((await api.get(`/api/v1/training_runs/${modelId}/checkpoints`)).json.checkpoints).toHaveLength(1);
    await api.call("PUT", `${route}/ttl`, { ttl_seconds: 1 });
    clock.advance(1000);
    await api.post("/_admin/sweep", {}, { "x-admin-token": ADMIN });
    expect((await api.get(`/api/v1/training_runs/${modelId}/checkpoints`)).json.checkpoints).toHaveLength(0);

    await saveState(modelId, 2, "gone");
    const gone = `/api/v1/training_runs/${modelId}/checkpoints/weights/gone`;
    expect((await api.call("DELETE", gone)).status).toBe(200);
    expect((await api.call("DELETE", gone)).status).toBe(404);
    const audit = await api.get("/api/v1/audit?event_type=checkpoints");
    expect(audit.json.entries.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining([
        "checkpoint_created",
        "checkpoint_published",
        "checkpoint_expired",
        "checkpoint_deleted",
      ]),
    );
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    expect((await api.get(`/api/v1/audit?event_type=all&day=${day}`)).json.entries.length).toBeGreaterThan(0);
    expect((await api.get("/api/v1/audit?day=2020-01-01")).json.entries).toEqual([]);
    expect((await api.get("/api/v1/audit?day=yesterday")).status).toBe(400);
    expect((await api.get("/api/v1/audit?event_type=x")).status).toBe(400);
  });

  it("serves archives as tar files through a 302 with Expires, or 503 while building", async () => {
    api = await startTestApi({ archiveWaitMs: 0 });
    const { modelId } = await api.model();
    await saveState(modelId, 1, "arc");
    const route = `/api/v1/training_runs/${modelId}/checkpoints/weights/arc/archive`;
    let response = await api.get(route, { accept: "application/json" });
    expect(response.status).toBe(503);
    expect(response.json.detail).toContain("being built");
    for (let i = 0; response.status === 503 && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      response = await api.get(route, { accept: "application/json" });
    }
    expect(response.status).toBe(302);
    expect(Date.parse(response.headers.get("expires")!)).toBeGreaterThan(Date.now());
    const download = await fetch(response.headers.get("location")!);
    expect(download.headers.get("content-type")).toBe("application/x-tar");
    const dir = await mkdtemp(join(tmpdir(), "tinker-local-test-"));
    try {
      const file = join(dir, "a.tar");
      await writeFile(file, Buffer.from(await download.arrayBuffer()));
      const names: string[] = [];
      await listTar({ file, onReadEntry: (entry) => names.push(entry.path) });
      expect(names.sort()).toEqual([
        "adapter_config.json",
        "adapter_model.safetensors",
        "checkpoint_complete",
        "optimizer.safetensors",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const tampered = `${response.headers.get("location")!.slice(0, -3)}abc`;
    expect((await fetch(tampered)).status).toBe(403);
    expect((await api.get(`/api/v1/training_runs/${modelId}/checkpoints/weights/none/archive`)).status).toBe(
      404,
    );
  });

  it("lists sessions, assigns projects, exports traces and reports billing usage", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 30));
    api = await startTestApi({ clock });
    const { sessionId, modelId } = await api.model();
    await api.result((await api.fwdbwd(modelId, 1, [ceDatum([1, 2, 3])])).json.request_id);
    await saveState(modelId, 2, "billed");
    const sessions = await api.get("/api/v1/sessions?limit=10&offset=0&access_scope=owned");
    expect(sessions.json.sessions).toEqual([sessionId]);
    expect((await api.get(`/api/v1/sessions/${sessionId}`)).json).toEqual({
      training_run_ids: [modelId],
      sampler_ids: [],
    });
    expect((await api.get("/api/v1/sessions/zzz")).status).toBe(404);
    expect(
      (await api.call("PUT", `/api/v1/sessions/${sessionId}/project`, { project_id: "p1" })).status,
    ).toBe(200);
    expect(
      (await api.call("PUT", `/api/v1/sessions/${sessionId}/project`, { project_id: "p2" })).status,
    ).toBe(400);
    expect((await api.get("/api/v1/training_runs?project_id=p1")).json.training_runs).toHaveLength(1);
    expect((await api.get("/api/v1/training_runs?project_id=p2")).json.training_runs).toHaveLength(0);
    expect((await api.get(`/api/v1/sessions/${sessionId}/trace_export`)).json).toEqual({ status: "pending" });
    const ready = await api.get(`/api/v1/sessions/${sessionId}/trace_export`);
    expect(ready.json.status).toBe("ready");
    expect((await fetch(ready.json.url)).status).toBe(200);

    clock.advance(3_600_000);
    const usage = await api.get(
      "/api/v1/billing/usage/events?starting_on=2026-01-01T10:00:00Z&ending_before=2026-01-01T12:00:00Z",
    );
    expect(usage.status).toBe(200);
    const kinds = usage.json.data.map((d: { event_info: { type: string } }) => d.event_info.type);
    expect(kinds).toEqual(expect.arrayContaining(["training", "checkpoint", "storage"]));
    const training = usage.json.data.find(
      (d: { event_info: { type: string } }) => d.event_info.type === "training",
    );
    expect(training).toMatchObject({
      bucket_start: "2026-01-01T10:00:00.000Z",
      bucket_end: "2026-01-01T11:00:00.000Z",
      session_id: sessionId,
      project_id: "p1",
      event_info: { type: "training", token_count: 3 },
    });
    expect(usage.json.sessions[sessionId]).toEqual({ user_metadata: {} });
    const unaligned = await api.get(
      "/api/v1/billing/usage/events?starting_on=2026-01-01T10:30:00Z&ending_before=2026-01-01T12:00:00Z",
    );
    expect(unaligned.status).toBe(400);
    const tooLong = await api.get(
      "/api/v1/billing/usage/events?starting_on=2026-01-01T00:00:00Z&ending_before=2026-02-01T00:00:00Z",
    );
    expect(tooLong.json.detail).toContain("14 days");
  });
});
