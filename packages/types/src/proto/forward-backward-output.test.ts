import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import type { ForwardBackwardOutput } from "../results.js";
import type { TensorData } from "../tensor-data.js";
import { decodeForwardBackwardOutput, encodeForwardBackwardOutput } from "./forward-backward-output.js";
import { type BatchedTensor, DType, ForwardBackwardOutputSchema } from "./gen/tinker_public_pb.js";

type BatchedInit = Partial<Omit<BatchedTensor, "$typeName">>;

function outputBytes(fields: Record<string, BatchedInit>, numDatums = 1n): Uint8Array {
  return toBinary(
    ForwardBackwardOutputSchema,
    create(ForwardBackwardOutputSchema, {
      lossFnOutputType: "T",
      lossFnOutputs: [{ typeTag: "T", numDatums, fields }],
    }),
  );
}

const offsets = (...values: bigint[]) => new Uint8Array(BigInt64Array.from(values).buffer);

function rejection(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected an InvalidInputError");
}

/** Copies `bytes` into a larger buffer so that they start `shift` bytes into it. */
function shifted(bytes: Uint8Array, shift: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength + shift);
  out.set(bytes, shift);
  return out.subarray(shift);
}

describe("decodeForwardBackwardOutput", () => {
  const logprobs = Float32Array.of(-1, -2, -3, -4);
  const output: ForwardBackwardOutput = {
    loss_fn_output_type: "TorchLossReturn",
    loss_fn_outputs: [
      { logprobs: { dtype: "float32", data: logprobs.subarray(0, 3), shape: [3] } },
      { logprobs: { dtype: "float32", data: logprobs.subarray(3), shape: [1] } },
    ],
    metrics: { "loss:sum": 1 },
  };

  it("views the message buffer when the data is aligned and copies it when not", () => {
    const bytes = encodeForwardBackwardOutput(output);
    const views = [0, 1, 2, 3].map((shift) => {
      const input = shifted(bytes, shift);
      const decoded = decodeForwardBackwardOutput(input);
      expect(decoded).toEqual(output);
      const data = decoded.loss_fn_outputs[0]?.["logprobs"]?.data ?? new Float32Array(0);
      const isView = data.buffer === input.buffer;
      // Whatever the path, the array must be usable and correctly aligned.
      expect(data.byteOffset % 4).toBe(0);
      return isView;
    });
    expect(views.filter(Boolean)).toHaveLength(1);
  });

  it("views int64 data only at 8-byte alignment", () => {
    const ints: ForwardBackwardOutput = {
      loss_fn_output_type: "T",
      loss_fn_outputs: [{ ids: { dtype: "int64", data: BigInt64Array.of(1n, -2n), shape: [2] } }],
      metrics: {},
    };
    const bytes = encodeForwardBackwardOutput(ints);
    const views = [0, 1, 2, 3, 4, 5, 6, 7].map((shift) => {
      const input = shifted(bytes, shift);
      const decoded = decodeForwardBackwardOutput(input);
      expect(decoded).toEqual(ints);
      return decoded.loss_fn_outputs[0]?.["ids"]?.data.buffer === input.buffer;
    });
    expect(views.filter(Boolean)).toHaveLength(1);
  });

  it("keeps a name without ':' and falls back to 'ArrayRecord' only without records", () => {
    expect(decodeForwardBackwardOutput(outputBytes({}, 2n)).loss_fn_output_type).toBe("T");
    const empty = toBinary(
      ForwardBackwardOutputSchema,
      create(ForwardBackwardOutputSchema, { lossFnOutputType: "X" }),
    );
    expect(decodeForwardBackwardOutput(empty)).toEqual({
      loss_fn_output_type: "X",
      loss_fn_outputs: [],
      metrics: {},
    });
  });

  it("gives shape [0, ...] when the trailing shape has a zero", () => {
    const bytes = outputBytes({
      f: {
        dtype: DType.DTYPE_FLOAT32,
        data: new Uint8Array(0),
        offsets: offsets(0n, 0n),
        trailingShape: [0n],
      },
    });
    expect(decodeForwardBackwardOutput(bytes).loss_fn_outputs[0]).toEqual({
      f: { dtype: "float32", data: new Float32Array(0), shape: [0, 0] },
    });
  });

  it("rejects unknown dtypes, bad offsets and counts", () => {
    const data = new Uint8Array(8);
    const cases: Array<[Record<string, BatchedInit>, string, RegExp]> = [
      [
        { f: { dtype: 7 as DType, data, offsets: offsets(0n, 8n) } },
        "loss_fn_outputs[0].fields.f.dtype",
        /unsupported dtype 7/,
      ],
      [
        { f: { dtype: DType.DTYPE_UNSPECIFIED, data, offsets: offsets(0n, 8n) } },
        "loss_fn_outputs[0].fields.f.dtype",
        /dtype 0/,
      ],
      [
        { f: { dtype: DType.DTYPE_FLOAT32, data, offsets: offsets(0n, 12n) } },
        "loss_fn_outputs[0].fields.f.offsets",
        /offsets\[1\]/,
      ],
      [
        { f: { dtype: DType.DTYPE_FLOAT32, data, offsets: offsets(4n, 0n) } },
        "loss_fn_outputs[0].fields.f.offsets",
        /non-decreasing/,
      ],
      [
        { f: { dtype: DType.DTYPE_FLOAT32, data, offsets: offsets(0n, 6n) } },
        "loss_fn_outputs[0].fields.f.offsets",
        /multiple of 4/,
      ],
      [
        { f: { dtype: DType.DTYPE_FLOAT32, data, offsets: offsets(-4n, 8n) } },
        "loss_fn_outputs[0].fields.f.offsets",
        /offsets\[0\]/,
      ],
      [
        { f: { dtype: DType.DTYPE_FLOAT32, data, offsets: new Uint8Array(4) } },
        "loss_fn_outputs[0].fields.f.offsets",
        /int64/,
      ],
      [
        { f: { dtype: DType.DTYPE_FLOAT32, data, offsets: offsets(0n, 4n, 8n) } },
        "loss_fn_outputs[0].fields.f",
        /holds 2 datums but the record has 1/,
      ],
      [
        { f: { dtype: DType.DTYPE_FLOAT32, data, offsets: offsets(0n, 8n), trailingShape: [3n] } },
        "loss_fn_outputs[0].fields.f",
        /not a multiple of trailing_shape \[3\]/,
      ],
    ];
    for (const [fields, path, message] of cases) {
      const error = rejection(() => decodeForwardBackwardOutput(outputBytes(fields)));
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
    }
  });
});

describe("encodeForwardBackwardOutput", () => {
  const dense = (values: number[], shape?: number[]): TensorData =>
    shape === undefined
      ? { dtype: "float32", data: Float32Array.from(values) }
      : { dtype: "float32", data: Float32Array.from(values), shape };

  it("starts a new record whenever the field set, dtype or trailing shape changes", () => {
    const output: ForwardBackwardOutput = {
      loss_fn_output_type: "T",
      loss_fn_outputs: [
        { a: dense([1, 2], [1, 2]) },
        { a: dense([3, 4, 5, 6], [2, 2]) },
        { a: dense([1, 2, 3], [1, 3]) },
        {},
        {},
        { a: dense([1]), b: dense([2]) },
        { a: { dtype: "int64", data: BigInt64Array.of(1n) }, b: dense([2]) },
      ],
      metrics: {},
    };
    const bytes = encodeForwardBackwardOutput(output);
    const message = fromBinary(ForwardBackwardOutputSchema, bytes);
    expect(message.lossFnOutputs.map((record) => Number(record.numDatums))).toEqual([2, 1, 2, 1, 1]);
    expect(decodeForwardBackwardOutput(bytes).loss_fn_outputs).toEqual([
      { a: dense([1, 2], [1, 2]) },
      { a: dense([3, 4, 5, 6], [2, 2]) },
      { a: dense([1, 2, 3], [1, 3]) },
      {},
      {},
      { a: dense([1], [1]), b: dense([2], [1]) },
      { a: { dtype: "int64", data: BigInt64Array.of(1n), shape: [1] }, b: dense([2], [1]) },
    ]);
  });

  it("rejects sparse outputs, unknown dtypes and bad shapes", () => {
    const withOutput = (tensor: TensorData) =>
      encodeForwardBackwardOutput({
        loss_fn_output_type: "T",
        loss_fn_outputs: [{}, { x: tensor }],
        metrics: {},
      });
    const sparse: TensorData = {
      dtype: "float32",
      data: Float32Array.of(1),
      shape: [1, 1],
      sparse_crow_indices: BigInt64Array.of(0n, 1n),
      sparse_col_indices: BigInt64Array.of(0n),
    };
    expect(rejection(() => withOutput(sparse)).path).toBe("loss_fn_outputs[1].x");
    expect(
      rejection(() => withOutput({ dtype: "int32", data: Int32Array.of(1) } as unknown as TensorData)).path,
    ).toBe("loss_fn_outputs[1].x.dtype");
    expect(
      rejection(() => withOutput({ dtype: "float32", data: Float32Array.of(1), shape: [0.5] })).path,
    ).toBe("loss_fn_outputs[1].x.shape");
  });
});
