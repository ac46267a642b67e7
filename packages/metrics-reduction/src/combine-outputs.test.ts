import type { ForwardBackwardOutput, TensorData } from "@tinker-ts/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { combineForwardBackwardOutputs } from "./combine-outputs.js";

const record = (): Record<string, TensorData> => ({
  logprobs: { dtype: "float32", data: new Float32Array([-1]) },
});

describe("combineForwardBackwardOutputs", () => {
  it("returns an empty result for no chunks", () => {
    expect(combineForwardBackwardOutputs([])).toEqual({
      loss_fn_output_type: "",
      loss_fn_outputs: [],
      metrics: {},
    });
  });

  it("concatenates the chunks' records in chunk order without copying them", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 8 }), (counts) => {
        const chunks: ForwardBackwardOutput[] = counts.map((count, i) => ({
          loss_fn_output_type: `Type${i}`,
          loss_fn_outputs: Array.from({ length: count }, record),
          metrics: { "n:sum": count },
        }));
        const combined = combineForwardBackwardOutputs(chunks);
        expect(combined.loss_fn_output_type).toBe("Type0");
        const expected = chunks.flatMap((chunk) => chunk.loss_fn_outputs);
        expect(combined.loss_fn_outputs).toHaveLength(expected.length);
        for (const [i, output] of combined.loss_fn_outputs.entries()) expect(output).toBe(expected[i]);
        expect(combined.metrics).toEqual({ "n:sum": expected.length });
      }),
    );
  });

  it("passes options through to the metrics reduction", () => {
    const chunks: ForwardBackwardOutput[] = [
      {
        loss_fn_output_type: "T",
        loss_fn_outputs: [record()],
        metrics: { "u:hash_unordered": 0, "h:hash2": 0 },
      },
    ];
    expect(Object.keys(combineForwardBackwardOutputs(chunks, { sdkVersion: "0.25.0" }).metrics)).toEqual([
      "u:hash_unordered",
    ]);
  });
});
