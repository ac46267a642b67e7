import {
  type Datum,
  datum,
  type ForwardBackwardOutput,
  InvalidInputError,
  modelInputFromInts,
} from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import {
  checkLossResult,
  customBackwardData,
  customForwardData,
  forwardLogprobs,
  mergeCustomMetrics,
} from "./custom-loss-steps.js";

const data: Datum[] = [
  datum(modelInputFromInts([1, 2, 3]), {
    target_tokens: [
      [2, 3],
      [3, 4],
      [4, 5],
    ],
    advantages: [
      [1, 1],
      [1, 1],
      [1, 1],
    ],
  }),
  datum(modelInputFromInts([7]), { target_tokens: [8], weights: [0.5] }),
];

const output = (logprobs: Float32Array[]): ForwardBackwardOutput => ({
  loss_fn_output_type: "CrossEntropyLossReturn",
  loss_fn_outputs: logprobs.map((lp) => ({ logprobs: { dtype: "float32", data: lp } })),
  metrics: { "loss:sum": 3, "clock_cycle:unique": 9 },
});

describe("forwardBackwardCustom steps (tinker-wire-spec.md §8.3)", () => {
  it("sends only target_tokens and weights, zeros where a datum has none, shaped like the targets", () => {
    const forward = customForwardData(data);
    expect(Object.keys(forward[0]!.loss_fn_inputs)).toEqual(["target_tokens", "weights"]);
    expect(forward[0]!.loss_fn_inputs["weights"]).toEqual({
      dtype: "float32",
      data: new Float32Array(6),
      shape: [3, 2],
    });
    expect(forward[1]!.loss_fn_inputs["weights"]).toBe(data[1]!.loss_fn_inputs["weights"]);
    expect(() => customForwardData([])).toThrow(InvalidInputError);
  });

  it("hands the loss one flat logprobs array per datum, and refuses a reply that does not match", () => {
    const forward = customForwardData(data);
    const lp = [new Float32Array(6), new Float32Array(1)];
    expect(forwardLogprobs(output(lp), forward)).toEqual(lp);
    expect(() => forwardLogprobs(output([lp[0]!]), forward)).toThrow(/returned 1 outputs for 2 datums/);
    expect(() => forwardLogprobs(output([lp[0]!, new Float32Array(2)]), forward)).toThrow(/datum 1/);
  });

  it("checks the loss result", () => {
    const lp = [new Float32Array(6), new Float32Array(1)];
    const ok = { loss: 1, gradients: [new Float32Array(6), new Float32Array(1)], metrics: { "m:sum": 2 } };
    expect(() => checkLossResult(ok, lp)).not.toThrow();
    const bad: Array<[unknown, string]> = [
      [null, "result"],
      [{ ...ok, loss: Number.NaN }, "loss"],
      [{ ...ok, gradients: [ok.gradients[0]] }, "gradients"],
      [{ ...ok, gradients: [ok.gradients[0], [0]] }, "gradients[1]"],
      [{ ...ok, gradients: [ok.gradients[0], Float32Array.of(Number.NaN)] }, "gradients[1]"],
      [{ ...ok, metrics: { "m:sum": Number.POSITIVE_INFINITY } }, "metrics.m:sum"],
    ];
    for (const [result, path] of bad) {
      let error: unknown;
      try {
        checkLossResult(result as never, lp);
      } catch (e) {
        error = e;
      }
      expect((error as InvalidInputError).path).toBe(path);
    }
  });

  it("sends weights = −gradient and reports the custom loss with the surrogate beside it", () => {
    const forward = customForwardData(data);
    const backward = customBackwardData(forward, [Float32Array.of(1, -2, 0, 0, 0, 3), Float32Array.of(0.25)]);
    const sentWeights = backward[0]?.loss_fn_inputs["weights"];
    expect(Array.from(sentWeights?.data as Float32Array)).toEqual([-1, 2, -0, -0, -0, -3]);
    expect(sentWeights?.shape).toEqual([3, 2]);
    expect(backward[1]!.loss_fn_inputs["target_tokens"]).toBe(forward[1]!.loss_fn_inputs["target_tokens"]);
    const merged = mergeCustomMetrics(output([]), { loss: 10, gradients: [], metrics: { "kl:mean": 0.1 } });
    expect(merged.metrics).toEqual({
      "clock_cycle:unique": 9,
      "kl:mean": 0.1,
      "loss:sum": 10,
      "surrogate_loss:sum": 3,
    });
    expect(mergeCustomMetrics({ ...output([]), metrics: {} }, { loss: 1, gradients: [] }).metrics).toEqual({
      "loss:sum": 1,
    });
  });
});
