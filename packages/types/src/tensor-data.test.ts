import { describe, expect, test } from "vitest";
import { datum, datumFromWire, datumToWire } from "./datum.js";
import { InvalidInputError } from "./errors.js";
import { modelInputFromInts } from "./model-input.js";
import {
  csrTensorData,
  sparsifyTensorData,
  tensorData,
  tensorDataFromWire,
  tensorDataToDense,
  tensorDataToWire,
} from "./tensor-data.js";

describe("tensorData (§4.3, from_numpy rules)", () => {
  test("typed arrays pick the dtype; float64 narrows to float32, integers widen to int64", () => {
    const f32 = new Float32Array([0.5, 1]);
    expect(tensorData(f32)).toEqual({ dtype: "float32", data: f32, shape: [2] });
    expect(tensorData(f32).data).toBe(f32);
    expect(tensorData(new Float64Array([0.1]))).toEqual({
      dtype: "float32",
      data: new Float32Array([0.1]),
      shape: [1],
    });
    expect(tensorData(new Int32Array([1, -2]))).toEqual({
      dtype: "int64",
      data: new BigInt64Array([1n, -2n]),
      shape: [2],
    });
    expect(tensorData(new Int8Array([3]), { dtype: "float32" }).data).toEqual(new Float32Array([3]));
    const i64 = new BigInt64Array([5n]);
    expect(tensorData(i64).data).toBe(i64);
  });

  test("unsigned and boolean data are refused", () => {
    expect(() => tensorData(new Uint8Array([1]) as never)).toThrow("unsigned data is not supported");
    expect(() => tensorData([true, false] as never)).toThrow("expected numbers");
  });

  test("plain and nested arrays: shape, inference, casting", () => {
    expect(
      tensorData([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toEqual({
      dtype: "int64",
      data: new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]),
      shape: [2, 3],
    });
    expect(tensorData([1, 2.5]).dtype).toBe("float32");
    expect(tensorData([1, 2], { dtype: "float32" }).data).toEqual(new Float32Array([1, 2]));
    expect(tensorData([1.9, -1.9], { dtype: "int64" }).data).toEqual(new BigInt64Array([1n, -1n]));
    expect(tensorData([1n, 2n]).data).toEqual(new BigInt64Array([1n, 2n]));
    expect(tensorData([1, 2, 3, 4], { shape: [2, 2] }).shape).toEqual([2, 2]);
    expect(tensorData([]).shape).toEqual([0]);
    expect(() => tensorData([1, 2, 3], { shape: [2, 2] })).toThrow(
      "cannot reshape 3 elements into shape [2, 2]",
    );
    expect(() => tensorData([[1], [2, 3]])).toThrow("ragged nested lists are not supported");
    expect(() => tensorData([[1], 2] as never)).toThrow("ragged");
    expect(() => tensorData([1, 2n] as never)).toThrow("mixes numbers and bigints");
    expect(() => tensorData([2 ** 60], { dtype: "int64" })).toThrow("int64 data cannot hold exactly");
  });

  test("CSR tensors", () => {
    const csr = csrTensorData({
      dtype: "float32",
      shape: [3, 4],
      values: [1.5, 2],
      crowIndices: [0, 1, 1, 2],
      colIndices: [2, 0],
    });
    expect(csr.sparse_crow_indices).toEqual(new BigInt64Array([0n, 1n, 1n, 2n]));
    const dense = tensorDataToDense(csr);
    expect(Array.from(dense.data as Float32Array)).toEqual([0, 0, 1.5, 0, 0, 0, 0, 0, 2, 0, 0, 0]);
    expect(Array.from(tensorDataToDense(csr, -1).data as Float32Array)).toEqual([
      -1, -1, 1.5, -1, -1, -1, -1, -1, 2, -1, -1, -1,
    ]);
    const bad = (patch: object) => () =>
      csrTensorData({
        dtype: "int64",
        shape: [2, 2],
        values: [1],
        crowIndices: [0, 1, 1],
        colIndices: [0],
        ...patch,
      });
    expect(bad({ shape: [4] })).toThrow("must be 2-D");
    expect(bad({ crowIndices: [0, 1] })).toThrow("needs 3");
    expect(bad({ crowIndices: [1, 1, 1] })).toThrow("must start at 0");
    expect(bad({ values: [1, 2], crowIndices: [0, 2, 1], colIndices: [0, 1] })).toThrow(
      "must start at 0 and end",
    );
    expect(bad({ values: [1, 2], crowIndices: [0, 3, 2], colIndices: [0, 1] })).toThrow("decreases at row 1");
    expect(bad({ colIndices: [0, 1] })).toThrow("colIndices has 2 entries");
    expect(bad({ colIndices: new BigInt64Array([2n]) })).toThrow("outside [0, 2)");
    expect(() =>
      tensorDataToDense({
        dtype: "int64",
        data: new BigInt64Array(),
        sparse_crow_indices: new BigInt64Array([0n]),
      }),
    ).toThrow("needs sparse_col_indices");
  });

  test("sparsify uses CSR only when (nrows+1) + 2*nnz < nrows*ncols", () => {
    // 3x4 with 2 non-zeros: 4 + 4 = 8 < 12 → CSR.
    const sparse = sparsifyTensorData(
      tensorData([
        [0, 0, 7, 0],
        [0, 0, 0, 0],
        [9, 0, 0, 0],
      ]),
    );
    expect(sparse.sparse_col_indices).toEqual(new BigInt64Array([2n, 0n]));
    expect(sparse.data).toEqual(new BigInt64Array([7n, 9n]));
    expect(tensorDataToDense(sparse)).toEqual(
      tensorData([
        [0, 0, 7, 0],
        [0, 0, 0, 0],
        [9, 0, 0, 0],
      ]),
    );
    // 2x2 with 1 non-zero: 3 + 2 = 5 ≥ 4 → stays dense.
    const small = tensorData([
      [0, 1],
      [0, 0],
    ]);
    expect(sparsifyTensorData(small)).toBe(small);
    const oneD = tensorData([0, 0, 0, 1]);
    expect(sparsifyTensorData(oneD)).toBe(oneD);
    expect(sparsifyTensorData(sparse)).toBe(sparse);
    // Float weights with a non-zero pad value.
    const weights = tensorData(
      [
        [1, 1, 1, 1],
        [1, 1, 0.5, 1],
        [1, 1, 1, 1],
      ],
      { dtype: "float32" },
    );
    const padded = sparsifyTensorData(weights, 1);
    expect(Array.from(padded.data as Float32Array)).toEqual([0.5]);
    expect(tensorDataToDense(padded, 1)).toEqual(weights);
  });

  test("wire conversions", () => {
    const t = csrTensorData({
      dtype: "int64",
      shape: [2, 2],
      values: [3],
      crowIndices: [0, 1, 1],
      colIndices: [1],
    });
    const wire = tensorDataToWire(t);
    expect(wire).toEqual({
      data: [3],
      dtype: "int64",
      shape: [2, 2],
      sparse_crow_indices: [0, 1, 1],
      sparse_col_indices: [1],
    });
    expect(tensorDataFromWire(wire)).toEqual(t);
    expect(tensorDataToWire({ dtype: "float32", data: new Float32Array([0.5]) })).toEqual({
      data: [0.5],
      dtype: "float32",
    });
    expect(() => tensorDataToWire({ dtype: "int64", data: new BigInt64Array([2n ** 62n]) })).toThrow(
      "data[0]",
    );
    expect(tensorDataFromWire({ data: [1], dtype: "float32", shape: null })).toEqual({
      dtype: "float32",
      data: new Float32Array([1]),
    });
  });
});

describe("datum (§4.3, Datum.__post_init__ rules)", () => {
  const input = modelInputFromInts([1, 2, 3]);

  test("per-key dtypes for plain arrays", () => {
    const d = datum(input, {
      target_tokens: [2, 3, 4],
      weights: [0, 1, 1],
      advantages: [[0.5, 1]],
      sequence_ratio_mask: [1, 0],
    });
    expect(d.loss_fn_inputs["target_tokens"]).toEqual({
      dtype: "int64",
      data: new BigInt64Array([2n, 3n, 4n]),
      shape: [3],
    });
    expect(d.loss_fn_inputs["weights"]?.dtype).toBe("float32");
    expect(d.loss_fn_inputs["advantages"]?.shape).toEqual([1, 2]);
    expect(d.loss_fn_inputs["sequence_ratio_mask"]?.dtype).toBe("float32");
    expect(d.model_input).toBe(input);
  });

  test("tensors kept, typed arrays converted under any key", () => {
    const logprobs = tensorData(new Float32Array([-1]));
    const d = datum(input, { logprobs, custom: new Int32Array([1]) });
    expect(d.loss_fn_inputs["logprobs"]).toBe(logprobs);
    expect(d.loss_fn_inputs["custom"]?.dtype).toBe("int64");
    expect(datum(input).loss_fn_inputs).toEqual({});
  });

  test("errors", () => {
    expect(() => datum(input, { target_tokens: [[1, 2], [3]] })).toThrow(
      "target_tokens must be a rectangular numeric array; ragged nested lists are not supported",
    );
    const unknown = (() => {
      try {
        datum(input, { mystery: [1, 2] });
      } catch (error) {
        return error as InvalidInputError;
      }
    })();
    expect(unknown?.path).toBe("loss_fn_inputs.mystery");
    expect(unknown?.message).toContain("has no known dtype");
    expect(() => datum(input, { weights: "x" as never })).toThrow(
      "must be a TensorData, a typed array or a number array",
    );
    expect(() => datum(input, { weights: null as never })).toThrow("got null");
    expect(() => datum(input, { weights: new Uint16Array([1]) as never })).toThrow(
      "loss_fn_inputs.weights: tensorData",
    );
    expect(() => datum(input, { weights: { dtype: "int64", data: [1] } as never })).toThrow(
      InvalidInputError,
    );
  });

  test("wire conversions keep loss_fn_inputs first", () => {
    const d = datum(input, { target_tokens: [2, 3, 4], weights: [0, 1, 1] });
    const wire = datumToWire(d);
    expect(Object.keys(wire)).toEqual(["loss_fn_inputs", "model_input"]);
    expect(datumFromWire(wire)).toEqual(d);
  });
});
