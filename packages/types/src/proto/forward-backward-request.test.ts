import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { Datum } from "../datum.js";
import { InvalidInputError } from "../errors.js";
import type { ModelInputChunk } from "../model-input.js";
import type { TensorData } from "../tensor-data.js";
import { toHex } from "./fixtures.test-helpers.js";
import {
  decodeForwardBackwardRequest,
  encodeForwardBackwardRequest,
  type ForwardBackwardProtoRequest,
  prepareForwardBackwardRequest,
} from "./forward-backward-request.js";
import { DType, ForwardBackwardRequestSchema } from "./gen/tinker_public_pb.js";

const text = (tokens: number[]): ModelInputChunk => ({
  type: "encoded_text",
  tokens: Int32Array.from(tokens),
});

function requestOf(
  data: Datum[],
  extra: Partial<ForwardBackwardProtoRequest> = {},
): ForwardBackwardProtoRequest {
  return { model_id: "m", seq_id: 1, data, loss_fn: "cross_entropy", forward_only: false, ...extra };
}

function datumOf(chunks: ModelInputChunk[], inputs: Record<string, TensorData> = {}): Datum {
  return { model_input: { chunks }, loss_fn_inputs: inputs };
}

/** The InvalidInputError thrown by `run`. */
function rejection(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected an InvalidInputError");
}

describe("encodeForwardBackwardRequest rejects", () => {
  it("an image pointer chunk, naming the datum and chunk", () => {
    const pointer: ModelInputChunk = { type: "image_asset_pointer", format: "png", location: "s3://x" };
    const error = rejection(() =>
      encodeForwardBackwardRequest(requestOf([datumOf([text([1])]), datumOf([text([2]), pointer])])),
    );
    expect(error.message).toMatch(/Unsupported model input chunk type "image_asset_pointer"/);
    expect(error.path).toBe("data[1].model_input.chunks[1]");
  });

  it("a token outside int32 given as a plain array", () => {
    const chunk = { type: "encoded_text", tokens: [1, 2 ** 31] } as unknown as ModelInputChunk;
    const error = rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([chunk])])));
    expect(error.path).toBe("data[0].model_input.chunks[0].tokens[1]");
    expect(error.message).toMatch(/not an int32/);
  });

  it("tokens that are not numbers at all", () => {
    const chunk = { type: "encoded_text", tokens: "1 2 3" } as unknown as ModelInputChunk;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([chunk])]))).path).toBe(
      "data[0].model_input.chunks[0].tokens",
    );
  });

  it("a dtype other than float32 / int64", () => {
    const tensor = { dtype: "bfloat16", data: new Float32Array(1) } as unknown as TensorData;
    const error = rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: tensor })])));
    expect(error.path).toBe("data[0].loss_fn_inputs.w.dtype");
    expect(error.message).toMatch(/dtype/);
  });

  it("a CSR tensor without its column list, and column indices without row pointers", () => {
    const crowOnly: TensorData = {
      dtype: "float32",
      data: Float32Array.of(1),
      shape: [1, 2],
      sparse_crow_indices: BigInt64Array.of(0n, 1n),
    };
    expect(
      rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: crowOnly })]))).path,
    ).toBe("data[0].loss_fn_inputs.w.sparse_col_indices");
    const colOnly: TensorData = {
      dtype: "float32",
      data: Float32Array.of(1),
      sparse_col_indices: BigInt64Array.of(0n),
    };
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: colOnly })]))).path).toBe(
      "data[0].loss_fn_inputs.w.sparse_crow_indices",
    );
  });

  it("inconsistent CSR layouts", () => {
    const base = { dtype: "float32" as const, data: Float32Array.of(1, 2) };
    const cases: Array<[TensorData, string]> = [
      [
        {
          ...base,
          sparse_crow_indices: BigInt64Array.of(0n, 2n),
          sparse_col_indices: BigInt64Array.of(0n, 1n),
        },
        "shape",
      ],
      [
        {
          ...base,
          shape: [2, 2],
          sparse_crow_indices: BigInt64Array.of(0n, 2n),
          sparse_col_indices: BigInt64Array.of(0n, 1n),
        },
        "sparse_crow_indices",
      ],
      [
        {
          ...base,
          shape: [1, 2],
          sparse_crow_indices: BigInt64Array.of(0n, 2n),
          sparse_col_indices: BigInt64Array.of(0n),
        },
        "sparse_col_indices",
      ],
    ];
    for (const [tensor, field] of cases) {
      const error = rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: tensor })])));
      expect(error.path).toBe(`data[0].loss_fn_inputs.w.${field}`);
    }
  });

  it("dense data that does not fill its shape, and malformed shapes", () => {
    const short: TensorData = { dtype: "float32", data: Float32Array.of(1, 2, 3), shape: [2, 2] };
    expect(
      rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: short })]))).message,
    ).toMatch(/has 3 elements but shape \[2, 2\] needs 4/);
    const negative: TensorData = { dtype: "float32", data: Float32Array.of(1), shape: [-1] };
    expect(
      rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: negative })]))).path,
    ).toBe("data[0].loss_fn_inputs.w.shape");
  });

  it("tensor data of the wrong kind", () => {
    const floats = { dtype: "float32", data: ["a"] } as unknown as TensorData;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: floats })]))).path).toBe(
      "data[0].loss_fn_inputs.w.data[0]",
    );
    const ints = { dtype: "int64", data: [1.5] } as unknown as TensorData;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { t: ints })]))).path).toBe(
      "data[0].loss_fn_inputs.t.data[0]",
    );
    const big = { dtype: "int64", data: [2n ** 63n] } as unknown as TensorData;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { t: big })]))).path).toBe(
      "data[0].loss_fn_inputs.t.data[0]",
    );
    const none = { dtype: "int64", data: 3 } as unknown as TensorData;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { t: none })]))).path).toBe(
      "data[0].loss_fn_inputs.t.data",
    );
    const noFloats = { dtype: "float32", data: {} } as unknown as TensorData;
    expect(
      rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([], { w: noFloats })]))).path,
    ).toBe("data[0].loss_fn_inputs.w.data");
  });

  it("bad image chunks and binary payloads", () => {
    const gif = { type: "image", data: new Uint8Array(1), format: "gif" } as unknown as ModelInputChunk;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([gif])]))).path).toBe(
      "data[0].model_input.chunks[0].format",
    );
    const fractional: ModelInputChunk = {
      type: "image",
      data: new Uint8Array(1),
      format: "png",
      expected_tokens: 1.5,
    };
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([fractional])]))).path).toBe(
      "data[0].model_input.chunks[0].expected_tokens",
    );
    const base64 = { type: "dmel", dmel: "AAEC" } as unknown as ModelInputChunk;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([datumOf([base64])]))).path).toBe(
      "data[0].model_input.chunks[0].dmel",
    );
  });

  it("malformed request fields", () => {
    const cases: Array<[Partial<ForwardBackwardProtoRequest>, string]> = [
      [{ seq_id: -1 }, "seq_id"],
      [{ seq_id: 2 ** 31 }, "seq_id"],
      [{ seq_id: 1.5 }, "seq_id"],
      [{ model_id: 3 as unknown as string }, "model_id"],
      [{ loss_fn: undefined as unknown as string }, "loss_fn"],
      [{ data: {} as unknown as Datum[] }, "data"],
      [{ loss_fn_config: { clip: Number.NaN } }, "loss_fn_config.clip"],
      [{ loss_fn_config: { clip: true as unknown as number } }, "loss_fn_config.clip"],
    ];
    for (const [extra, path] of cases) {
      expect(rejection(() => encodeForwardBackwardRequest(requestOf([], extra))).path).toBe(path);
    }
    const noChunks = { model_input: {}, loss_fn_inputs: {} } as unknown as Datum;
    expect(rejection(() => encodeForwardBackwardRequest(requestOf([noChunks]))).path).toBe(
      "data[0].model_input.chunks",
    );
  });

  it("text loss_fn_config values in the legacy form", () => {
    const error = rejection(() =>
      encodeForwardBackwardRequest(requestOf([], { loss_fn_config: { reduction: "sum" } }), {
        legacyLossFnConfig: true,
      }),
    );
    expect(error.path).toBe("loss_fn_config.reduction");
    expect(error.message).toMatch(/loss_fn_config_v2/);
  });
});

describe("encodeForwardBackwardRequest", () => {
  it("accepts plain arrays from JavaScript callers, encoding them like typed arrays", () => {
    const typed = requestOf([
      datumOf([text([1, -2, 3])], {
        t: { dtype: "int64", data: BigInt64Array.of(4n, 5n) },
        w: { dtype: "float32", data: Float32Array.of(0.5, 1) },
      }),
    ]);
    const plain = requestOf([
      datumOf([{ type: "encoded_text", tokens: [1, -2n, 3] } as unknown as ModelInputChunk], {
        t: { dtype: "int64", data: [4, 5n] } as unknown as TensorData,
        w: { dtype: "float32", data: [0.5, 1] } as unknown as TensorData,
      }),
    ]);
    expect(toHex(encodeForwardBackwardRequest(plain))).toBe(toHex(encodeForwardBackwardRequest(typed)));
  });

  it("writes expected_tokens 0 because the field has explicit presence", () => {
    const image: ModelInputChunk = {
      type: "image",
      data: Uint8Array.of(1),
      format: "png",
      expected_tokens: 0,
    };
    const decoded = decodeForwardBackwardRequest(encodeForwardBackwardRequest(requestOf([datumOf([image])])));
    expect(decoded.data[0]?.model_input.chunks[0]).toEqual(image);
  });
});

describe("prepareForwardBackwardRequest", () => {
  const weighted = () =>
    requestOf([
      datumOf([text([5, 6, 7])], {
        target_tokens: { dtype: "int64", data: BigInt64Array.from([6n, 7n, 8n]), shape: [3] },
        weights: { dtype: "float32", data: Float32Array.from([0, 1, 1]), shape: [3] },
      }),
    ]);

  it("measures the body encodeForwardBackwardRequest writes, and writes it on demand", () => {
    const request = weighted();
    const prepared = prepareForwardBackwardRequest(request);
    const encoded = encodeForwardBackwardRequest(request);
    expect(prepared.byteLength).toBe(encoded.byteLength);
    expect(toHex(prepared.serialize())).toBe(toHex(encoded));
  });

  it("writes the typed arrays' contents at serialize time, a new buffer each time", () => {
    const tokens = Int32Array.from([5, 6, 7]);
    const weights = Float32Array.from([0, 1, 1]);
    const request = requestOf([
      datumOf([{ type: "encoded_text", tokens }], { weights: { dtype: "float32", data: weights } }),
    ]);
    const prepared = prepareForwardBackwardRequest(request);
    const before = prepared.serialize();
    tokens[0] = 9;
    weights[0] = 0.5;
    const after = prepared.serialize();
    expect(after).not.toBe(before);
    expect(toHex(after)).toBe(toHex(encodeForwardBackwardRequest(request)));
    const decoded = decodeForwardBackwardRequest(after).data[0];
    expect(decoded?.model_input.chunks[0]).toMatchObject({ tokens: Int32Array.from([9, 6, 7]) });
    expect(decoded?.loss_fn_inputs["weights"]?.data).toEqual(Float32Array.from([0.5, 1, 1]));
  });

  it("writes into a reused buffer: the same bytes as serialize, every stale byte overwritten", () => {
    // A loss_fn_config number is written through a DataView, which must start at the view's offset.
    const request = { ...weighted(), loss_fn_config: { clip_low_threshold: 0.8 } };
    const prepared = prepareForwardBackwardRequest(request);
    const reused = new Uint8Array(prepared.byteLength + 7).fill(0xff);
    const written = prepared.serializeInto(reused.subarray(3));
    expect(written.buffer).toBe(reused.buffer);
    expect(written.byteOffset).toBe(3);
    expect(toHex(written)).toBe(toHex(encodeForwardBackwardRequest(request)));
    expect(Array.from(reused.subarray(3 + prepared.byteLength))).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(() => prepared.serializeInto(new Uint8Array(prepared.byteLength - 1))).toThrow(RangeError);
  });

  it("raises every encoding error when preparing, not when writing", () => {
    const bad = requestOf([
      datumOf([text([1])], { weights: { dtype: "float32", data: Float32Array.from([1, 2]), shape: [3] } }),
    ]);
    expect(rejection(() => prepareForwardBackwardRequest(bad)).path).toBe(
      "data[0].loss_fn_inputs.weights.shape",
    );
  });

  it("refuses to write a payload whose ArrayBuffer was transferred after preparing", () => {
    const weights = Float32Array.from([0, 1, 1]);
    const request = requestOf([datumOf([text([1, 2, 3])], { weights: { dtype: "float32", data: weights } })]);
    const prepared = prepareForwardBackwardRequest(request);
    structuredClone(weights.buffer, { transfer: [weights.buffer] });
    expect(rejection(() => prepared.serialize()).message).toMatch(/transferred or detached/);
  });
});

describe("decodeForwardBackwardRequest", () => {
  function bytesOf(init: Parameters<typeof create<typeof ForwardBackwardRequestSchema>>[1]): Uint8Array {
    return toBinary(ForwardBackwardRequestSchema, create(ForwardBackwardRequestSchema, init));
  }

  it("merges the legacy and v2 loss_fn_config maps, v2 winning", () => {
    const decoded = decodeForwardBackwardRequest(
      bytesOf({
        lossFnConfig: { a: 1, b: 2 },
        lossFnConfigV2: {
          b: { value: { case: "number", value: 3 } },
          c: { value: { case: "text", value: "x" } },
        },
      }),
    );
    expect(decoded.loss_fn_config).toEqual({ a: 1, b: 3, c: "x" });
  });

  it("rejects a v2 loss_fn_config value with neither case", () => {
    expect(rejection(() => decodeForwardBackwardRequest(bytesOf({ lossFnConfigV2: { b: {} } }))).path).toBe(
      "loss_fn_config_v2.b",
    );
  });

  it("ignores 0.38.0 provenance spans and override dimensions", () => {
    const decoded = decodeForwardBackwardRequest(
      bytesOf({
        data: [
          {
            modelInput: [
              {
                chunk: {
                  case: "image",
                  value: {
                    data: Uint8Array.of(9),
                    format: "jpeg",
                    overrideDimensions: { width: 2, height: 3 },
                  },
                },
              },
            ],
            modelInputSpans: [{ span: { case: "sampledTokens", value: { sequenceId: "s", length: 1n } } }],
          },
        ],
      }),
    );
    expect(decoded.data).toEqual([datumOf([{ type: "image", data: Uint8Array.of(9), format: "jpeg" }])]);
  });

  it("rejects chunks with no content and unknown image formats", () => {
    expect(
      rejection(() => decodeForwardBackwardRequest(bytesOf({ data: [{ modelInput: [{}] }] }))).path,
    ).toBe("data[0].model_input.chunks[0]");
    const gif = bytesOf({ data: [{ modelInput: [{ chunk: { case: "image", value: { format: "gif" } } }] }] });
    expect(rejection(() => decodeForwardBackwardRequest(gif)).path).toBe(
      "data[0].model_input.chunks[0].format",
    );
  });

  it("widens INT32 and BFLOAT16 tensors and reads a missing encoding as empty", () => {
    const decoded = decodeForwardBackwardRequest(
      bytesOf({
        data: [
          {
            lossFnInputs: {
              i: {
                dtype: DType.DTYPE_INT32,
                encoding: { case: "dense", value: Uint8Array.of(255, 255, 255, 255) },
              },
              b: {
                dtype: DType.DTYPE_BFLOAT16,
                encoding: { case: "dense", value: Uint8Array.of(0x80, 0xbf) },
              },
              e: { dtype: DType.DTYPE_FLOAT32 },
            },
          },
        ],
      }),
    );
    expect(decoded.data[0]?.loss_fn_inputs).toEqual({
      i: { dtype: "int64", data: BigInt64Array.of(-1n) },
      b: { dtype: "float32", data: Float32Array.of(-1) },
      e: { dtype: "float32", data: new Float32Array(0) },
    });
  });

  it("rejects tensors whose bytes do not match their dtype, shape or layout", () => {
    const tensorBytes = (tensor: object) => bytesOf({ data: [{ lossFnInputs: { w: tensor } }] });
    const cases: Array<[object, string]> = [
      [
        { dtype: DType.DTYPE_FLOAT32, encoding: { case: "dense", value: new Uint8Array(3) } },
        "data[0].loss_fn_inputs.w.dense",
      ],
      [{ dtype: 9, encoding: { case: "dense", value: new Uint8Array(4) } }, "data[0].loss_fn_inputs.w.dtype"],
      [
        { dtype: DType.DTYPE_FLOAT32, encoding: { case: "dense", value: new Uint8Array(4) }, shape: [2n] },
        "data[0].loss_fn_inputs.w.shape",
      ],
      [
        { dtype: DType.DTYPE_FLOAT32, encoding: { case: "dense", value: new Uint8Array(4) }, shape: [-1n] },
        "data[0].loss_fn_inputs.w.shape[0]",
      ],
      [
        {
          dtype: DType.DTYPE_FLOAT32,
          encoding: { case: "sparseCsr", value: { values: new Uint8Array(4) } },
          shape: [1n, 1n],
        },
        "data[0].loss_fn_inputs.w.sparse_crow_indices",
      ],
    ];
    for (const [tensor, path] of cases) {
      expect(rejection(() => decodeForwardBackwardRequest(tensorBytes(tensor))).path).toBe(path);
    }
  });
});
