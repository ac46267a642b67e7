import { type Datum, datum, InvalidInputError, modelInputFromInts, type TensorData } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { checkLossFnConfig, validateTrainingData } from "./validate.js";

function pathOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(InvalidInputError.isInstance(error)).toBe(true);
    return (error as InvalidInputError).path;
  }
  return "did not throw";
}

const targets = (n: number): TensorData => ({ dtype: "int64", data: new BigInt64Array(n), shape: [n] });
const withInputs = (inputs: Record<string, unknown>, tokens = 2): Datum =>
  ({
    model_input: modelInputFromInts(Array.from({ length: tokens }, (_, i) => i)),
    loss_fn_inputs: inputs,
  }) as Datum;

describe("validateTrainingData", () => {
  it("accepts well-formed dense, 2-D and sparse CSR inputs", () => {
    const csrWeights: TensorData = {
      dtype: "float32",
      data: Float32Array.of(1, 2),
      shape: [2, 3],
      sparse_crow_indices: BigInt64Array.of(0n, 1n, 2n),
      sparse_col_indices: BigInt64Array.of(0n, 2n),
    };
    const twoD: TensorData = { dtype: "int64", data: new BigInt64Array(6), shape: [2, 3] };
    expect(() =>
      validateTrainingData([withInputs({ target_tokens: twoD, weights: csrWeights })], "cross_entropy"),
    ).not.toThrow();
    expect(() =>
      validateTrainingData(
        [datum(modelInputFromInts([1, 2]), { target_tokens: [1, 2], logprobs: [0, 0], advantages: [1, 1] })],
        "ppo",
      ),
    ).not.toThrow();
    // An image without expected_tokens has no known length: the server checks it.
    const image: Datum = {
      model_input: { chunks: [{ type: "image", data: new Uint8Array(3), format: "png" }] },
      loss_fn_inputs: { target_tokens: targets(5), weights: { dtype: "float32", data: new Float32Array(5) } },
    };
    expect(() => validateTrainingData([image], "cross_entropy")).not.toThrow();
    // Losses new in 0.38 only need target_tokens; custom needs nothing the client can know.
    expect(() => validateTrainingData([withInputs({ target_tokens: targets(2) })], "gspo")).not.toThrow();
    expect(() => validateTrainingData([withInputs({})], "custom")).not.toThrow();
  });

  it("names the datum and key of malformed inputs", () => {
    const weights = (data: Float32Array, extra: Partial<TensorData> = {}) => ({
      dtype: "float32",
      data,
      ...extra,
    });
    expect(
      pathOf(() => validateTrainingData([{ loss_fn_inputs: {} } as unknown as Datum], "cross_entropy")),
    ).toBe("data[0].model_input");
    expect(pathOf(() => validateTrainingData([withInputs(null as never)], "cross_entropy"))).toBe(
      "data[0].loss_fn_inputs",
    );
    expect(
      pathOf(() =>
        validateTrainingData([withInputs({ target_tokens: targets(2), weights: 3 })], "cross_entropy"),
      ),
    ).toBe("data[0].loss_fn_inputs.weights");
    expect(
      pathOf(() =>
        validateTrainingData(
          [withInputs({ target_tokens: targets(2), weights: weights(new Float32Array(2), { shape: [-2] }) })],
          "cross_entropy",
        ),
      ),
    ).toBe("data[0].loss_fn_inputs.weights");
    expect(
      pathOf(() =>
        validateTrainingData(
          [withInputs({ target_tokens: targets(2), weights: weights(new Float32Array(3), { shape: [2] }) })],
          "cross_entropy",
        ),
      ),
    ).toBe("data[0].loss_fn_inputs.weights");
    expect(
      pathOf(() =>
        validateTrainingData(
          [
            withInputs({
              target_tokens: targets(2),
              weights: weights(new Float32Array(1), {
                shape: [2, 2],
                sparse_crow_indices: BigInt64Array.of(0n, 1n, 1n),
              }),
            }),
          ],
          "cross_entropy",
        ),
      ),
    ).toBe("data[0].loss_fn_inputs.weights");
    expect(
      pathOf(() =>
        validateTrainingData(
          [
            withInputs({
              target_tokens: targets(2),
              weights: weights(new Float32Array(1), {
                shape: [2, 2],
                sparse_crow_indices: BigInt64Array.of(0n, 1n),
                sparse_col_indices: BigInt64Array.of(0n),
              }),
            }),
          ],
          "cross_entropy",
        ),
      ),
    ).toBe("data[0].loss_fn_inputs.weights");
    expect(
      pathOf(() =>
        validateTrainingData(
          [
            withInputs({
              target_tokens: targets(2),
              weights: weights(Float32Array.of(1, Number.POSITIVE_INFINITY)),
            }),
          ],
          "cross_entropy",
        ),
      ),
    ).toBe("data[0].loss_fn_inputs.weights");
    expect(
      pathOf(() =>
        validateTrainingData(
          [
            withInputs({
              target_tokens: targets(2),
              weights: { dtype: "int64", data: new BigInt64Array(2) },
            }),
          ],
          "cross_entropy",
        ),
      ),
    ).toBe("data[0].loss_fn_inputs.weights");
  });
});

describe("checkLossFnConfig", () => {
  it("accepts finite numbers and text, and rejects the rest", () => {
    expect(() => checkLossFnConfig({ clip_low_threshold: 0.8, loss_id: "abc" })).not.toThrow();
    expect(() => checkLossFnConfig(undefined)).not.toThrow();
    expect(pathOf(() => checkLossFnConfig({ beta: Number.NaN }))).toBe("lossFnConfig.beta");
    expect(pathOf(() => checkLossFnConfig({ beta: null as never }))).toBe("lossFnConfig.beta");
  });
});
