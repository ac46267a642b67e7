import { type Datum, datum, modelInputFromInts, tensorData } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { estimateDatumBytes, planChunks } from "./chunking.js";

const text = (n: number, extra: Record<string, ReturnType<typeof tensorData>> = {}): Datum =>
  datum(modelInputFromInts(Array.from({ length: n }, (_, i) => i)), extra);

describe("chunking (tinker-wire-spec.md §8.2)", () => {
  it("estimates 4 bytes per token, payload lengths, raw tensor bytes and 8 bytes per sparse index", () => {
    const d: Datum = {
      model_input: {
        chunks: [
          { type: "encoded_text", tokens: Int32Array.of(1, 2, 3) },
          { type: "image", data: new Uint8Array(10), format: "png", expected_tokens: 2 },
          { type: "image_asset_pointer", format: "jpeg", location: "gs://bucket/x.jpg" },
          { type: "dmel", dmel: new Uint8Array(7) },
        ],
      },
      loss_fn_inputs: {
        target_tokens: tensorData([1, 2], { dtype: "int64" }),
        weights: {
          dtype: "float32",
          data: Float32Array.of(1),
          shape: [2, 2],
          sparse_crow_indices: BigInt64Array.of(0n, 1n, 1n),
          sparse_col_indices: BigInt64Array.of(0n),
        },
      },
    };
    expect(estimateDatumBytes(d)).toBe(12 + 10 + "gs://bucket/x.jpg".length + 7 + 16 + (4 + 8 * 4));
  });

  it("starts a chunk at the datum limit or before the byte limit would be passed; an oversized datum stands alone", () => {
    const data = [text(10), text(10), text(10), text(100), text(10)];
    const byCount = planChunks(data, { maxDatums: 2, maxBytes: 1_000_000 });
    expect(byCount.map((c) => c.data.length)).toEqual([2, 2, 1]);
    const byBytes = planChunks(data, { maxDatums: 1024, maxBytes: 100 });
    expect(byBytes.map((c) => c.data.length)).toEqual([2, 1, 1, 1]);
    expect(byBytes.map((c) => c.bytes)).toEqual([80, 40, 400, 40]);
    expect(planChunks([], { maxDatums: 2, maxBytes: 10 })).toEqual([]);
  });
});
