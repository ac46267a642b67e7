import { encodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, ceDatum, startTestApi, type TestApi } from "./server.test-helpers.js";

/**
 * Robustness: 2,000 random or mutated bodies across every POST endpoint. Each must get a 2xx or
 * 4xx with a non-empty JSON body within 5 s, and the server must keep serving afterwards.
 */
let api: TestApi;
let templates: Record<string, Record<string, unknown>>;
let protoTemplate: Uint8Array;

beforeAll(async () => {
  api = await startTestApi({ pollTimeoutMs: 50, seqGapTimeoutMs: 50 });
  const { sessionId, modelId } = await api.model();
  const prompt = { chunks: [{ type: "encoded_text", tokens: [1, 2, 3] }] };
  templates = {
    "/api/v1/client/config": { sdk_version: "0.38.0" },
    "/api/v1/client/dynamic_config": { sdk_version: "0.38.0" },
    "/api/v1/auth/token": {},
    "/api/v1/create_session": {
      tags: ["a"],
      user_metadata: {},
      sdk_version: "0.38.0",
      type: "create_session",
    },
    "/api/v1/session_heartbeat": { session_id: sessionId, type: "session_heartbeat" },
    "/api/v1/create_sampling_session": {
      session_id: sessionId,
      sampling_session_seq_id: 5,
      base_model: "Qwen/Qwen3-8B",
    },
    "/api/v1/join_sampling_session": { sampling_session_id: `${sessionId}:sample:5` },
    "/api/v1/create_model": {
      session_id: sessionId,
      model_seq_id: 3,
      base_model: "Qwen/Qwen3-8B",
      lora_config: { rank: 4 },
    },
    "/api/v1/get_info": { model_id: modelId, type: "get_info" },
    "/api/v1/unload_model": { model_id: `${sessionId}:train:3` },
    "/api/v1/forward": {
      forward_input: {
        data: [
          {
            loss_fn_inputs: {
              target_tokens: { data: [1], dtype: "int64" },
              weights: { data: [1], dtype: "float32" },
            },
            model_input: prompt,
          },
        ],
        loss_fn: "cross_entropy",
      },
      model_id: modelId,
      seq_id: 100,
    },
    "/api/v1/optim_step": { adam_params: { learning_rate: 0.001 }, model_id: modelId, seq_id: 1 },
    "/api/v1/save_weights": { model_id: modelId, path: "fuzz", seq_id: 2, overwrite: true },
    "/api/v1/save_weights_for_sampler": { model_id: modelId, path: "fuzz", seq_id: 3 },
    "/api/v1/load_weights": {
      model_id: modelId,
      seq_id: 4,
      path: `tinker://${modelId}/weights/fuzz`,
      optimizer: false,
    },
    "/api/v1/asample": {
      num_samples: 1,
      prompt,
      sampling_params: { max_tokens: 4, temperature: 1 },
      sampling_session_id: `${sessionId}:sample:5`,
      seq_id: 0,
      topk_prompt_logprobs: 0,
    },
    "/api/v1/retrieve_future": { request_id: "x", allow_metadata_only: true },
    "/api/v1/cancel_future": { request_id: "x" },
    "/api/v1/telemetry": { events: [], platform: "Linux", sdk_version: "0.38.0", session_id: sessionId },
    "/api/v1/weights_info": { tinker_path: `tinker://${modelId}/weights/fuzz` },
    [`/api/v1/sessions/${sessionId}/finish`]: { reason: { type: "success" } },
  };
  protoTemplate = encodeForwardBackwardRequest({
    model_id: modelId,
    seq_id: 5,
    data: [ceDatum([1, 2, 3])],
    loss_fn: "cross_entropy",
    forward_only: false,
  });
});

afterAll(async () => {
  await api?.server.close();
});

type Mutation = (value: Record<string, unknown>) => unknown;

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  jsonValue.map((v) => () => v),
  fc.nat().map((i) => (t: Record<string, unknown>) => {
    const keys = Object.keys(t);
    const copy = { ...t };
    if (keys.length > 0) delete copy[keys[i % keys.length]!];
    return copy;
  }),
  fc.tuple(fc.nat(), jsonValue).map(([i, v]) => (t: Record<string, unknown>) => {
    const keys = Object.keys(t);
    return keys.length > 0 ? { ...t, [keys[i % keys.length]!]: v } : { x: v };
  }),
  fc.tuple(fc.string(), jsonValue).map(([k, v]) => (t: Record<string, unknown>) => ({ ...t, [k]: v })),
);

const protoBody = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.tuple(fc.nat(), fc.nat({ max: 255 })).map(([i, b]) => {
    const copy = protoTemplate.slice();
    copy[i % copy.length] = b;
    return copy;
  }),
  fc.nat().map((n) => protoTemplate.slice(0, n % protoTemplate.length)),
);

describe("fuzz", () => {
  it("answers 2,000 random or mutated POST bodies with 2xx/4xx JSON and keeps serving", async () => {
    const statuses = new Map<number, number>();
    const endpoints = Object.keys(templates);
    const request = fc.oneof(
      {
        weight: 9,
        arbitrary: fc.tuple(fc.constantFrom(...endpoints), mutation).map(([path, m]) => ({
          path,
          body: JSON.stringify(m(templates[path]!)) as string | Uint8Array,
          type: "application/json",
        })),
      },
      {
        weight: 1,
        arbitrary: protoBody.map((body) => ({
          path: "/api/v1/forward_backward",
          body: body as string | Uint8Array,
          type: "application/x-protobuf",
        })),
      },
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ path, body, type }) => {
        const response = await fetch(`${api.server.url}${path}`, {
          method: "POST",
          headers: { "x-api-key": API_KEY, "content-type": type },
          body,
          signal: AbortSignal.timeout(5000),
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const family = Math.floor(response.status / 100);
        if (family !== 2 && family !== 4) throw new Error(`${path} answered ${response.status}: ${text}`);
        expect(response.headers.get("content-type")).toMatch(/json|protobuf/);
        expect(text.length).toBeGreaterThan(0);
        if (response.headers.get("content-type") === "application/json")
          expect(typeof JSON.parse(text)).toBe("object");
      }),
      { numRuns: 2000, seed: 20260101 },
    );
    expect((await api.get("/api/v1/healthz")).json).toEqual({ status: "ok" });
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
  });
});
