import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Datum } from "../datum.js";
import type { ModelInputChunk } from "../model-input.js";
import type { ForwardBackwardOutput, SampledSequence, SampleResponse } from "../results.js";
import type { TensorData } from "../tensor-data.js";
import { toHex } from "./fixtures.test-helpers.js";
import { decodeForwardBackwardOutput, encodeForwardBackwardOutput } from "./forward-backward-output.js";
import {
  decodeForwardBackwardRequest,
  encodeForwardBackwardRequest,
  type ForwardBackwardProtoRequest,
} from "./forward-backward-request.js";
import { DType, ForwardBackwardRequestSchema } from "./gen/tinker_public_pb.js";
import { decodeSampleResponse, encodeSampleResponse } from "./sample-response.js";

// Property tests: random valid values survive encode → decode, and request bytes match an
// independent encoder (@bufbuild/protobuf's toBinary over the generated schema).

const RUNS = { numRuns: 150 };

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const float32s = (length: number) => fc.float32Array({ minLength: length, maxLength: length });
const int64s = (length: number) =>
  fc.bigInt64Array({ minLength: length, maxLength: length, min: -(2n ** 63n), max: 2n ** 63n - 1n });
const name = fc.oneof(
  fc.constantFrom("target_tokens", "weights", "advantages", "logprobs", "clip_low_threshold"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }).filter((key) => key !== "__proto__"),
);

/** Dense tensor: no shape, or a 1-D to 3-D shape whose product is the data length. */
const denseTensor: fc.Arbitrary<TensorData> = fc
  .tuple(
    fc.boolean(),
    fc.option(fc.array(fc.nat(4), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    fc.nat(8),
  )
  .chain(([isFloat, shape, length]) => {
    const size = shape === undefined ? length : shape.reduce((a, b) => a * b, 1);
    const withShape = shape === undefined ? {} : { shape };
    return isFloat
      ? float32s(size).map((data): TensorData => ({ ...withShape, dtype: "float32", data }))
      : int64s(size).map((data): TensorData => ({ ...withShape, dtype: "int64", data }));
  });

/** Sparse CSR tensor: per row a sorted set of distinct columns. */
const sparseTensor: fc.Arbitrary<TensorData> = fc
  .tuple(fc.boolean(), fc.nat(4), fc.integer({ min: 1, max: 6 }))
  .chain(([isFloat, rows, cols]) =>
    fc
      .array(fc.uniqueArray(fc.nat(cols - 1), { maxLength: cols }), { minLength: rows, maxLength: rows })
      .chain((columnsPerRow) => {
        const sorted = columnsPerRow.map((columns) => [...columns].sort((a, b) => a - b));
        const crow = BigInt64Array.from(
          [0, ...sorted.map((_, i) => sorted.slice(0, i + 1).flat().length)],
          BigInt,
        );
        const col = BigInt64Array.from(sorted.flat(), BigInt);
        const layout = { shape: [rows, cols], sparse_crow_indices: crow, sparse_col_indices: col };
        return isFloat
          ? float32s(col.length).map((data): TensorData => ({ ...layout, dtype: "float32", data }))
          : int64s(col.length).map((data): TensorData => ({ ...layout, dtype: "int64", data }));
      }),
  );

const chunk: fc.Arbitrary<ModelInputChunk> = fc.oneof(
  fc
    .array(int32, { maxLength: 12 })
    .map((tokens): ModelInputChunk => ({ type: "encoded_text", tokens: Int32Array.from(tokens) })),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 16 }),
      fc.constantFrom("png", "jpeg" as const),
      fc.option(fc.nat(2 ** 31 - 1), { nil: undefined }),
    )
    .map(
      ([data, format, expected]): ModelInputChunk =>
        expected === undefined
          ? { type: "image", data, format }
          : { type: "image", data, format, expected_tokens: expected },
    ),
  fc.uint8Array({ maxLength: 16 }).map((dmel): ModelInputChunk => ({ type: "dmel", dmel })),
);

const datum: fc.Arbitrary<Datum> = fc.record({
  model_input: fc.record({ chunks: fc.array(chunk, { maxLength: 4 }) }),
  loss_fn_inputs: fc.dictionary(name, fc.oneof(denseTensor, sparseTensor), { maxKeys: 4 }),
});

const requestArb: fc.Arbitrary<ForwardBackwardProtoRequest> = fc
  .record({
    model_id: fc.string({ unit: "grapheme", maxLength: 12 }),
    seq_id: fc.nat(2 ** 31 - 1),
    data: fc.array(datum, { maxLength: 4 }),
    loss_fn: fc.constantFrom("cross_entropy", "importance_sampling", "ppo", "cispo", "dro", ""),
    forward_only: fc.boolean(),
    loss_fn_config: fc.dictionary(
      name,
      fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string()),
      {
        maxKeys: 3,
      },
    ),
  })
  .map((request) => {
    if (Object.keys(request.loss_fn_config).length > 0) return request;
    const { loss_fn_config: _, ...rest } = request;
    return rest;
  });

/** The same request as a @bufbuild/protobuf message, built independently of our encoder. */
function referenceBytes(request: ForwardBackwardProtoRequest): Uint8Array {
  const bytesOf = (array: Int32Array | Float32Array | BigInt64Array) =>
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const tensor = (value: TensorData) => ({
    dtype: value.dtype === "float32" ? DType.DTYPE_FLOAT32 : DType.DTYPE_INT64,
    shape: (value.shape ?? []).map(BigInt),
    encoding:
      value.sparse_crow_indices === undefined
        ? { case: "dense" as const, value: bytesOf(value.data) }
        : {
            case: "sparseCsr" as const,
            value: {
              values: bytesOf(value.data),
              crowIndices: bytesOf(value.sparse_crow_indices),
              colIndices: bytesOf(value.sparse_col_indices!),
            },
          },
  });
  const chunkInit = (value: ModelInputChunk) => {
    switch (value.type) {
      case "encoded_text":
        return { chunk: { case: "encodedText" as const, value: { tokens: bytesOf(value.tokens) } } };
      case "image":
        return {
          chunk: {
            case: "image" as const,
            value: { data: value.data, format: value.format, expectedTokens: value.expected_tokens },
          },
        };
      case "dmel":
        return { chunk: { case: "dmel" as const, value: { dmel: value.dmel } } };
      default:
        throw new Error("not generated");
    }
  };
  const config = Object.entries(request.loss_fn_config ?? {});
  return toBinary(
    ForwardBackwardRequestSchema,
    create(ForwardBackwardRequestSchema, {
      modelId: request.model_id,
      seqId: request.seq_id,
      lossFn: request.loss_fn,
      forwardOnly: request.forward_only,
      data: request.data.map((item) => ({
        modelInput: item.model_input.chunks.map(chunkInit),
        lossFnInputs: Object.fromEntries(
          Object.entries(item.loss_fn_inputs).map(([key, value]) => [key, tensor(value)]),
        ),
      })),
      lossFnConfig: Object.fromEntries(
        config.filter((entry): entry is [string, number] => typeof entry[1] === "number"),
      ),
      lossFnConfigV2: Object.fromEntries(
        config.map(([key, value]) => [
          key,
          {
            value:
              typeof value === "number"
                ? { case: "number" as const, value }
                : { case: "text" as const, value },
          },
        ]),
      ),
    }),
  );
}

describe("ForwardBackwardRequest", () => {
  it("round-trips random valid requests (dense and sparse tensors, text, image and dmel chunks)", () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        expect(decodeForwardBackwardRequest(encodeForwardBackwardRequest(request))).toEqual(request);
      }),
      RUNS,
    );
  });

  it("writes the same bytes as @bufbuild/protobuf's own encoder", () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        expect(toHex(encodeForwardBackwardRequest(request))).toBe(toHex(referenceBytes(request)));
      }),
      RUNS,
    );
  });
});

/** Output tensors: dense, shape [leading, ...trailing] as the decoder reports it. */
const outputTensor = (trailing: number[], isFloat: boolean): fc.Arbitrary<TensorData> =>
  fc.nat(4).chain((leading) => {
    const shape = [leading, ...trailing];
    const size = shape.reduce((a, b) => a * b, 1);
    return isFloat
      ? float32s(size).map((data): TensorData => ({ dtype: "float32", data, shape }))
      : int64s(size).map((data): TensorData => ({ dtype: "int64", data, shape }));
  });

const outputArb: fc.Arbitrary<ForwardBackwardOutput> = fc
  .record({
    loss_fn_output_type: fc.string({ maxLength: 12 }).filter((type) => !type.includes(":")),
    // A few layouts (field → trailing shape, dtype) that datums draw from, so records both merge and split.
    layouts: fc.array(
      fc.dictionary(
        name,
        fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.boolean()),
        {
          maxKeys: 3,
        },
      ),
      { minLength: 1, maxLength: 3 },
    ),
    picks: fc.array(fc.nat(2), { maxLength: 6 }),
    // A `__proto__` map key is dropped when @bufbuild/protobuf decodes a map, as zod drops it from
    // JSON (the prototype-pollution guard); fast-check generates it on purpose now and then.
    metrics: fc.dictionary(
      fc.string({ maxLength: 10 }).filter((key) => key !== "__proto__"),
      fc.double(),
      { maxKeys: 4 },
    ),
  })
  .chain(({ loss_fn_output_type, layouts, picks, metrics }) =>
    fc
      .tuple(
        ...picks.map((pick) => {
          const layout = layouts[pick % layouts.length]!;
          return fc.record(
            Object.fromEntries(
              Object.entries(layout).map(([field, [trailing, isFloat]]) => [
                field,
                outputTensor(trailing, isFloat),
              ]),
            ),
          );
        }),
      )
      .map(
        (outputs): ForwardBackwardOutput => ({
          loss_fn_output_type:
            loss_fn_output_type === "" && outputs.length === 0 ? "ArrayRecord" : loss_fn_output_type,
          loss_fn_outputs: outputs,
          metrics,
        }),
      ),
  );

describe("ForwardBackwardOutput", () => {
  it("round-trips random outputs, ragged ones included", () => {
    fc.assert(
      fc.property(outputArb, (output) => {
        expect(decodeForwardBackwardOutput(encodeForwardBackwardOutput(output))).toEqual(output);
      }),
      RUNS,
    );
  });
});

const topkArb = fc.tuple(fc.nat(4), fc.nat(3)).chain(([rows, k]) =>
  fc.record({
    token_ids: fc.int32Array({ minLength: rows * k, maxLength: rows * k }),
    logprobs: float32s(rows * k),
    k: fc.constant(k),
    length: fc.constant(rows),
  }),
);

const sequenceArb: fc.Arbitrary<SampledSequence> = fc.nat(6).chain((length) =>
  fc
    .record({
      stop_reason: fc.constantFrom("stop" as const, "length" as const),
      tokens: fc.int32Array({ minLength: length, maxLength: length }),
      logprobs: fc.option(float32s(length), { nil: undefined }),
      topk_logprobs: fc.option(topkArb, { nil: undefined }),
    })
    .map(({ logprobs, topk_logprobs, ...rest }) => {
      const sequence: SampledSequence = { ...rest };
      // Empty arrays and top-k without rows or k read back as absent (tinker-wire-spec.md §5.4).
      if (logprobs !== undefined && logprobs.length > 0) sequence.logprobs = logprobs;
      if (topk_logprobs !== undefined && topk_logprobs.k > 0 && topk_logprobs.length > 0) {
        sequence.topk_logprobs = topk_logprobs;
      }
      return sequence;
    }),
);

const sampleArb: fc.Arbitrary<SampleResponse> = fc
  .record({
    sequences: fc.array(sequenceArb, { maxLength: 4 }),
    prompt_cache_hit_tokens: fc.nat(2 ** 31 - 1),
    prompt_logprobs: fc.option(fc.nat(6).chain(float32s), { nil: undefined }),
    topk: fc.option(topkArb, { nil: undefined }),
    target: fc.option(fc.oneof(denseTensor, sparseTensor), { nil: undefined }),
    alt: fc.option(fc.tuple(denseTensor, denseTensor), { nil: undefined }),
  })
  .map(({ sequences, prompt_cache_hit_tokens, prompt_logprobs, topk, target, alt }) => {
    const response: SampleResponse = { sequences, prompt_cache_hit_tokens };
    if (prompt_logprobs !== undefined && prompt_logprobs.length > 0)
      response.prompt_logprobs = prompt_logprobs;
    if (topk !== undefined && topk.k > 0 && topk.length > 0) {
      const { length, ...matrices } = topk;
      response.topk_prompt_logprobs = { ...matrices, prompt_length: length };
    }
    if (target !== undefined) response.target_prompt_logprobs = target;
    if (alt !== undefined) response.prompt_alt_tokens = { tokens: alt[0], logprobs: alt[1] };
    return response;
  });

describe("SampleResponse", () => {
  it("round-trips random responses, 0.38.0 fields included", () => {
    fc.assert(
      fc.property(sampleArb, (response) => {
        expect(decodeSampleResponse(encodeSampleResponse(response))).toEqual(response);
      }),
      RUNS,
    );
  });
});
