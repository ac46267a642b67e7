import { existsSync } from "node:fs";
import { decodeForwardBackwardOutput, decodeSampleResponse } from "@tinker-ts/types/proto";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "./backend/backend.js";
import { createNullBackend } from "./backend/null-backend.js";
import { ceDatum, startTestApi, type TestApi } from "./server.test-helpers.js";

let api: TestApi;
afterEach(async () => {
  await api?.server.close();
});

describe("main training flow (wire spec §15.1)", () => {
  it("creates a model, trains in order, saves for the sampler and samples", async () => {
    api = await startTestApi();
    const config = await api.post("/api/v1/client/config", { sdk_version: "0.38.0" });
    expect(config.status).toBe(200);
    expect(config.json).toMatchObject({ pjwt_auth_enabled: false, fwdbwd_max_chunk_len: 1024 });
    const dynamic = await api.post("/api/v1/client/dynamic_config", { sdk_version: "0.38.0" });
    expect(dynamic.json.refresh_interval_sec).toBe(300);

    const { sessionId, modelId } = await api.model();
    expect(modelId).toBe(`${sessionId}:train:0`);

    const fb = await api.fwdbwd(modelId, 1, [ceDatum([5, 6, 7, 8])]);
    expect(fb.json).toEqual(expect.objectContaining({ model_id: modelId }));
    expect(fb.status).toBe(200);
    const optim = await api.post("/api/v1/optim_step", {
      adam_params: {
        learning_rate: 1e-4,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-12,
        weight_decay: 0,
        grad_clip_norm: 0,
      },
      model_id: modelId,
      seq_id: 2,
      type: "optim_step",
    });
    const fbResult = await api.result(fb.json.request_id, "application/x-protobuf");
    expect(fbResult.headers.get("content-type")).toContain("application/x-protobuf");
    const output = decodeForwardBackwardOutput(fbResult.bytes);
    expect(output.loss_fn_output_type).toBe("CrossEntropyLossReturn");
    expect(output.loss_fn_outputs[0]?.["logprobs"]?.shape).toEqual([4]);
    expect(Object.keys(output.metrics).sort()).toEqual(["clock_cycle:unique", "loss:sum"]);
    expect((await api.result(optim.json.request_id)).json).toMatchObject({ metrics: {} });

    const save = await api.post("/api/v1/save_weights_for_sampler", {
      model_id: modelId,
      seq_id: 3,
      sampling_session_seq_id: 0,
      type: "save_weights_for_sampler",
    });
    const saved = await api.result(save.json.request_id);
    expect(saved.json.sampling_session_id).toBe(`${sessionId}:sample:0`);

    const sample = await api.post(
      "/api/v1/asample",
      {
        num_samples: 2,
        prompt: { chunks: [{ type: "encoded_text", tokens: [1, 2, 3] }] },
        sampling_params: { max_tokens: 5, seed: 7, temperature: 1, top_k: -1, top_p: 1 },
        sampling_session_id: saved.json.sampling_session_id,
        seq_id: 0,
        prompt_logprobs: true,
        topk_prompt_logprobs: 0,
        type: "sample",
      },
      { "x-tinker-sampling-backpressure": "1" },
    );
    const sampled = await api.result(sample.json.request_id, "application/x-protobuf");
    const response = decodeSampleResponse(sampled.bytes);
    expect(response.sequences).toHaveLength(2);
    expect(response.sequences[0]!.tokens).toHaveLength(5);
    expect(response.sequences[0]!.logprobs).toHaveLength(5);
    expect(Number.isNaN(response.prompt_logprobs?.[0] ?? 0)).toBe(true);
    expect(response.prompt_logprobs).toHaveLength(3);

    const telemetry = await api.post("/api/v1/telemetry", {
      events: [
        {
          event: "SESSION_START",
          event_id: "e",
          event_session_index: 0,
          severity: "INFO",
          timestamp: "2026-01-01T00:00:00Z",
        },
      ],
      platform: "Linux",
      sdk_version: "0.38.0",
      session_id: sessionId,
      process_uuid: "p",
    });
    expect(telemetry.json).toEqual({ status: "accepted" });
  });
});

describe("shutdown", () => {
  it("lets work already running finish before close() removes the temporary data dir", async () => {
    const inner = createNullBackend();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const saving = new Promise<void>((resolve) => {
      entered = resolve;
    });
    // The null backend, except that saveWeights waits for the gate.
    const backend = new Proxy(inner, {
      get(target, property) {
        if (property === "saveWeights") {
          return async (...args: Parameters<Backend["saveWeights"]>) => {
            entered();
            await gate;
            return target.saveWeights(...args);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    api = await startTestApi({ backend });
    const { modelId } = await api.model();
    await api.post("/api/v1/save_weights", { model_id: modelId, path: "late", seq_id: 1 });
    await saving;
    let closed = false;
    const closing = api.server.close().then(() => {
      closed = true;
    });
    // A close() that did not wait would remove the dir within milliseconds; it must outlast a
    // second here (the grace period is 5 s).
    for (let waited = 0; waited < 1000 && existsSync(api.server.dataDir); waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(existsSync(api.server.dataDir)).toBe(true);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(existsSync(api.server.dataDir)).toBe(false);
  });
});
