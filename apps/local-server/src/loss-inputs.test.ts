import type { Datum, TensorData } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { checkLossFn, checkLossFnConfig, checkLossInputs } from "./loss-inputs.js";

const text = (n: number) => ({ chunks: [{ type: "encoded_text" as const, tokens: new Int32Array(n) }] });
const f32 = (values: number[], shape?: number[]): TensorData => ({
  dtype: "float32",
  data: Float32Array.from(values),
  ...(shape ? { shape } : {}),
});
const i64 = (values: number[], shape?: number[]): TensorData => ({
  dtype: "int64",
  data: BigInt64Array.from(values.map(BigInt)),
  ...(shape ? { shape } : {}),
});
const datum = (inputs: Record<string, TensorData>, n = 2): Datum => ({
  model_input: text(n),
  loss_fn_inputs: inputs,
});

describe("loss input checks", () => {
  it("accepts (N, K) multi-target cross-entropy and sparse CSR weights", () => {
    const targets = i64([1, 2, 3, 4], [2, 2]);
    const sparse: TensorData = {
      dtype: "float32",
      data: Float32Array.from([0.5, 0.5]),
      shape: [2, 2],
      sparse_crow_indices: BigInt64Array.from([0n, 1n, 2n]),
      sparse_col_indices: BigInt64Array.from([0n, 1n]),
    };
    expect(() =>
      checkLossInputs([datum({ target_tokens: targets, weights: sparse })], "cross_entropy", 10),
    ).not.toThrow();
  });

  it.each([
    [[], "cross_entropy", "No data"],
    [[{ model_input: { chunks: [] }, loss_fn_inputs: {} }], "cross_entropy", "empty"],
    [
      [
        datum({
          target_tokens: i64([1, 2], [2, 1]),
          logprobs: f32([0, 0], [2, 1]),
          advantages: f32([0, 0], [2, 1]),
        }),
      ],
      "ppo",
      "shape (N,)",
    ],
    [[datum({ target_tokens: i64([1, 2]), weights: f32([1, Number.NaN]) })], "cross_entropy", "non-finite"],
    [
      [datum({ target_tokens: i64([1, 2, 3]), weights: f32([1, 1, 1]) })],
      "cross_entropy",
      "leading dimension",
    ],
    [[datum({ target_tokens: i64([1, 2], [2, 0, 1]), weights: f32([]) })], "cross_entropy", "needs 0"],
    [[datum({ target_tokens: i64([1, 2], [-2]), weights: f32([1, 1]) })], "cross_entropy", "invalid shape"],
    [
      [
        datum({
          target_tokens: i64([1, 2]),
          weights: { ...f32([1]), shape: [2, 2], sparse_crow_indices: BigInt64Array.from([0n, 1n]) },
        }),
      ],
      "cross_entropy",
      "crow and col",
    ],
    [
      [
        datum({
          target_tokens: i64([1, 2]),
          weights: {
            ...f32([1]),
            shape: [2, 2],
            sparse_crow_indices: BigInt64Array.from([0n, 1n, 0n]),
            sparse_col_indices: BigInt64Array.from([0n]),
          },
        }),
      ],
      "cross_entropy",
      "do not match",
    ],
    [
      [
        datum({
          target_tokens: i64([1, 2]),
          weights: {
            ...f32([1, 1]),
            shape: [2, 2],
            sparse_crow_indices: BigInt64Array.from([0n, 2n, 2n]),
            sparse_col_indices: BigInt64Array.from([0n, 5n]),
          },
        }),
      ],
      "cross_entropy",
      "out of range",
    ],
    [
      [
        datum({
          target_tokens: i64([1, 2]),
          weights: {
            ...f32([1, 1]),
            shape: [2, 2],
            sparse_crow_indices: BigInt64Array.from([0n, 2n, 1n]),
            sparse_col_indices: BigInt64Array.from([0n, 1n]),
          },
        }),
      ],
      "cross_entropy",
      "do not match",
    ],
    [[datum({ target_tokens: i64([1, 2]), weights: i64([1, 1]) })], "cross_entropy", "float32"],
  ] as Array<[Datum[], "cross_entropy" | "ppo", string]>)("rejects case %#", (data, loss, message) => {
    expect(() => checkLossInputs(data, loss, 100)).toThrow(message);
  });

  it("checks loss names and configs", () => {
    expect(checkLossFn("dro")).toBe("dro");
    expect(() => checkLossFn("mse")).toThrow("Unknown loss_fn");
    expect(checkLossFnConfig({ beta: 0.1 })).toEqual({ beta: 0.1 });
    expect(checkLossFnConfig(null)).toEqual({});
    expect(() => checkLossFnConfig({ mode: "text" })).toThrow("finite number");
  });
});
