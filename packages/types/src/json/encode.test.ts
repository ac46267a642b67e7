import { describe, expect, test } from "vitest";
import * as z from "zod/mini";
import { InvalidInputError } from "../errors.js";
import { modelInputFromInts } from "../model-input.js";
import { encodeRequestBody } from "../request-body.js";
import { OptimizerConfigSchema } from "../schemas/requests.js";
import { SampleResponseSchema } from "../schemas/responses.js";
import { encodeWireJson, formatPath } from "./encode.js";

function errorOf(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error("expected an InvalidInputError");
}

const sample = (samplingParams: Record<string, unknown>) =>
  encodeRequestBody("SampleRequest", {
    prompt: modelInputFromInts([1, 2]),
    sampling_params: samplingParams,
    sampling_session_id: "s",
    seq_id: 0,
  });

describe("encodeWireJson rejects what Python's json.dumps or pydantic would", () => {
  test.each([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ])("non-finite float %s names the field", (value) => {
    const error = errorOf(() => sample({ temperature: value }));
    expect(error.path).toBe("sampling_params.temperature");
    expect(error.message).toContain("NaN or ±Infinity");
  });

  test("non-finite and fractional integers", () => {
    expect(errorOf(() => sample({ max_tokens: Number.NaN })).message).toContain("NaN");
    expect(errorOf(() => sample({ max_tokens: 1.5 })).message).toBe(
      "sampling_params.max_tokens: expected an integer, got 1.5",
    );
    expect(errorOf(() => sample({ seed: 2 ** 60 })).message).toContain("beyond ±2^53");
  });

  test("int64 tensor values beyond ±2^53 are refused with their index", () => {
    const error = errorOf(() =>
      encodeRequestBody("SampleRequest", {
        prompt: modelInputFromInts([1]),
        sampling_params: {},
        target_prompt_logprobs: { dtype: "int64", data: new BigInt64Array([1n, 2n ** 60n]) },
      }),
    );
    expect(error.path).toBe("target_prompt_logprobs.data[1]");
  });

  test("bigints within range are written as integers", () => {
    const body = encodeRequestBody("SampleRequest", {
      prompt: modelInputFromInts([1]),
      sampling_params: {},
      target_prompt_logprobs: { dtype: "int64", data: new BigInt64Array([-1n, 7n]), shape: [2, 1] },
    });
    expect(body).toContain('"target_prompt_logprobs":{"data":[-1,7],"dtype":"int64","shape":[2,1]}');
  });

  test("missing required fields, unknown fields and wrong types", () => {
    expect(errorOf(() => encodeRequestBody("GetInfoRequest", {} as never)).message).toBe(
      "model_id: is required",
    );
    expect(
      errorOf(() => encodeRequestBody("GetInfoRequest", { model_id: "m", extra: 1 } as never)).path,
    ).toBe("extra");
    expect(errorOf(() => encodeRequestBody("GetInfoRequest", { model_id: 3 } as never)).message).toContain(
      "expected a string, got number 3",
    );
    expect(errorOf(() => encodeRequestBody("GetInfoRequest", [] as never)).message).toContain(
      "expected an object",
    );
    expect(
      errorOf(() => encodeRequestBody("GetInfoRequest", { model_id: "m", type: "nope" } as never)).message,
    ).toContain('expected "get_info"');
    expect(
      errorOf(() => encodeRequestBody("LoadWeightsRequest", { path: "p", optimizer: "yes" } as never))
        .message,
    ).toContain("expected a boolean");
    expect(
      errorOf(() => encodeRequestBody("SaveWeightsForSamplerRequest", { model_id: "m", kind: "x" } as never))
        .message,
    ).toContain('expected one of "snapshot", "inflight"');
    expect(
      errorOf(() => encodeRequestBody("CreateSessionRequest", { tags: "a" } as never)).message,
    ).toContain("tags: expected an array");
    expect(
      errorOf(() => encodeRequestBody("SaveWeightsRequest", { model_id: "m", user_metadata: "x" } as never))
        .message,
    ).toContain("user_metadata: expected an object");
  });

  test("null drops optional fields (exclude_none) but the TTL body sends it", () => {
    expect(encodeRequestBody("SaveWeightsRequest", { model_id: "m", path: null, ttl_seconds: null })).toBe(
      '{"model_id":"m","overwrite":false,"type":"save_weights"}',
    );
    expect(encodeRequestBody("CheckpointTtlRequest", { ttl_seconds: null })).toBe('{"ttl_seconds":null}');
    expect(errorOf(() => encodeRequestBody("CheckpointTtlRequest", {} as never)).message).toBe(
      "ttl_seconds: is required",
    );
    // A required-but-nullable field set to null is dropped like pydantic's exclude_none does.
    expect(
      encodeRequestBody("CreateSessionRequest", { tags: [], user_metadata: null, sdk_version: "v" }),
    ).toBe('{"tags":[],"sdk_version":"v","type":"create_session"}');
  });

  test("exactly one of adam_params and optimizer_params", () => {
    const both = { model_id: "m", adam_params: {}, optimizer_params: { type: "dimuon", learning_rate: 1 } };
    expect(errorOf(() => encodeRequestBody("OptimStepRequest", both)).message).toContain("exactly one of");
    expect(errorOf(() => encodeRequestBody("OptimStepRequest", { model_id: "m" })).message).toContain(
      "exactly one of",
    );
  });

  test("number checks run (Dimuon beta1 must be below 1)", () => {
    const error = errorOf(() =>
      encodeRequestBody("OptimStepRequest", {
        model_id: "m",
        optimizer_params: { type: "dimuon", learning_rate: 0.1, beta1: 1 },
      }),
    );
    expect(error.message).toContain("optimizer_params");
  });

  test("extra fields of an open optimizer family are sent after the declared ones", () => {
    expect(
      encodeWireJson(OptimizerConfigSchema, { type: "lion", beta: 0.5, steps: [1, 2], skip: undefined }),
    ).toBe('{"type":"lion","beta":0.5,"steps":[1,2]}');
  });

  test("unions report the member the value meant", () => {
    const chunk = errorOf(() =>
      encodeRequestBody("SampleRequest", {
        prompt: { chunks: [{ type: "image", data: "!!", format: "png" }] },
        sampling_params: {},
      }),
    );
    expect(chunk.path).toBe("prompt.chunks[0].data");
    const stop = errorOf(() => sample({ stop: [1, "a"] }));
    expect(stop.message).toContain("matches none of the accepted forms");
  });

  test("a union writes the first member that takes the value and reports the first member's error", () => {
    expect(sample({ stop: "a" })).toContain('"stop":"a"');
    expect(sample({ stop: ["a"] })).toContain('"stop":["a"]');
    // The list-of-strings member fails half-way; nothing of its attempt reaches the body.
    expect(sample({ stop: [1, 2] })).toContain('"sampling_params":{"stop":[1,2],"temperature":1.0');
    expect(errorOf(() => sample({ stop: 5 })).message).toBe(
      "sampling_params.stop: matches none of the accepted forms (first: sampling_params.stop: expected a string, got number 5)",
    );
    expect(errorOf(() => sample({ stop: [1, "a"] })).message).toBe(
      "sampling_params.stop: matches none of the accepted forms (first: sampling_params.stop: expected a string, got an array)",
    );
    const chunks = errorOf(() =>
      encodeRequestBody("SampleRequest", {
        prompt: { chunks: [{ type: "video" }] },
        sampling_params: {},
      } as never),
    );
    expect(chunks.message).toBe("prompt.chunks[0]: matches none of the accepted forms");
  });

  test("bytes, datetimes and strings", () => {
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const body = encodeRequestBody("SampleRequest", {
      prompt: { chunks: [{ type: "image", data: image, format: "png", expected_tokens: 2 }] },
      sampling_params: {},
    });
    expect(body).toContain('"data":"iVBORw=="');
    expect(
      errorOf(() =>
        encodeRequestBody("GetBillingUsageRequest", { starting_on: "yesterday", ending_before: "x" }),
      ).path,
    ).toBe("starting_on");
    expect(
      errorOf(() =>
        encodeRequestBody("GetBillingUsageRequest", {
          starting_on: new Date(Number.NaN),
          ending_before: "x",
        }),
      ).path,
    ).toBe("starting_on");
    expect(errorOf(() => encodeRequestBody("GetInfoRequest", { model_id: "a\uD800b" })).message).toContain(
      "lone UTF-16 surrogate",
    );
    expect(encodeRequestBody("GetInfoRequest", { model_id: 'ü😀\n"' })).toBe(
      '{"model_id":"ü😀\\n\\"","type":"get_info"}',
    );
  });

  test("free-form JSON values (user_metadata) are written as JavaScript writes them", () => {
    const body = encodeRequestBody("CreateModelRequest", {
      session_id: "s",
      model_seq_id: 0,
      base_model: "b",
      user_metadata: {
        n: 1,
        f: 0.5,
        big: 10n,
        when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
        list: new Int32Array([1, 2]),
        nested: { skip: undefined, keep: null, ok: true, no: false },
      },
    });
    expect(body).toContain(
      '"user_metadata":{"n":1,"f":0.5,"big":10,"when":"2026-01-02T03:04:05.006000Z","list":[1,2],"nested":{"keep":null,"ok":true,"no":false}}',
    );
    const meta = (value: unknown) => () =>
      encodeRequestBody("CreateModelRequest", {
        session_id: "s",
        model_seq_id: 0,
        base_model: "b",
        user_metadata: { value },
      });
    expect(errorOf(meta(Number.NaN)).path).toBe("user_metadata.value");
    expect(errorOf(meta(() => 1)).message).toContain("cannot be written as JSON");
    expect(errorOf(meta(new Map())).message).toContain("an object");
    expect(errorOf(meta(new Date(Number.NaN))).message).toContain("invalid Date");
    expect(errorOf(meta(Symbol("s"))).message).toContain("cannot be written as JSON");
  });

  test("tuples and nullable array items (legacy SampleResponse)", () => {
    const value = {
      sequences: [{ stop_reason: "stop", tokens: [1] }],
      prompt_logprobs: [null, -1],
      topk_prompt_logprobs: [null, [[3, -0.5]]],
    };
    expect(encodeWireJson(SampleResponseSchema, value)).toBe(
      '{"sequences":[{"stop_reason":"stop","tokens":[1]}],"prompt_logprobs":[null,-1.0],"topk_prompt_logprobs":[null,[[3,-0.5]]],"prompt_cache_hit_tokens":0}',
    );
    expect(
      errorOf(() => encodeWireJson(SampleResponseSchema, { ...value, topk_prompt_logprobs: [[[3]]] }))
        .message,
    ).toContain("expected an array of 2 items");
  });

  test("numbers and strings of other schemas go through their checks", () => {
    const schema = z.object({ name: z.string().check(z.minLength(2)), n: z.number().check(z.positive()) });
    expect(encodeWireJson(schema, { name: "ab", n: 2 })).toBe('{"name":"ab","n":2.0}');
    expect(errorOf(() => encodeWireJson(schema, { name: "a", n: 2 })).path).toBe("name");
    expect(errorOf(() => encodeWireJson(schema, { name: "ab", n: -1 })).path).toBe("n");
    expect(errorOf(() => encodeWireJson(schema, { name: "ab", n: "1" })).message).toContain(
      "expected a number",
    );
    expect(() => encodeWireJson(z.date(), new Date())).toThrow('unsupported schema type "date"');
  });

  test("formatPath", () => {
    expect(formatPath(["prompt", "chunks", 0, "tokens", 3])).toBe("prompt.chunks[0].tokens[3]");
    expect(formatPath([0, "a"])).toBe("[0].a");
  });
});
