import { describe, expect, test } from "vitest";
import { InvalidInputError } from "./errors.js";
import {
  chunkLength,
  emptyModelInput,
  type ModelInput,
  modelInputAppend,
  modelInputAppendInt,
  modelInputFromInts,
  modelInputFromWire,
  modelInputLength,
  modelInputToInts,
  modelInputToWire,
} from "./model-input.js";
import { encodeRequestBody } from "./request-body.js";

// TensorContainer header: dtype 1, ndim 2, dims 300 (two-byte varint) and 80.
const DMEL = new Uint8Array([1, 2, 0xac, 0x02, 80, 9, 9]);

describe("ModelInput helpers (§4.2)", () => {
  test("fromInts / toInts / length / append", () => {
    const input = modelInputFromInts([1, 2, 3]);
    expect(input.chunks).toHaveLength(1);
    expect(input.chunks[0]).toEqual({ type: "encoded_text", tokens: new Int32Array([1, 2, 3]) });
    const grown = modelInputAppendInt(input, 4);
    expect(input.chunks).toHaveLength(1);
    // append_int adds a chunk of its own, exactly as the Python SDK does (the bytes differ otherwise).
    expect(grown.chunks).toHaveLength(2);
    expect(Array.from(modelInputToInts(grown))).toEqual([1, 2, 3, 4]);
    expect(modelInputLength(grown)).toBe(4);
    expect(modelInputLength(emptyModelInput())).toBe(0);
    expect(encodeRequestBody("SampleRequest", { prompt: grown, sampling_params: {} })).toContain(
      '"prompt":{"chunks":[{"tokens":[1,2,3],"type":"encoded_text"},{"tokens":[4],"type":"encoded_text"}]}',
    );
  });

  test("an Int32Array is used without copying; other inputs are checked", () => {
    const tokens = new Int32Array([5, 6]);
    expect((modelInputFromInts(tokens).chunks[0] as { tokens: Int32Array }).tokens).toBe(tokens);
    expect(modelInputFromInts(new Set([7, 8])).chunks[0]).toEqual({
      type: "encoded_text",
      tokens: new Int32Array([7, 8]),
    });
    expect(() => modelInputFromInts([1, 2 ** 31])).toThrow("tokens[1] is 2147483648");
    expect(() => modelInputFromInts([0.5])).toThrow(InvalidInputError);
    expect(() => modelInputAppendInt(emptyModelInput(), -(2 ** 31) - 1)).toThrow("int32");
  });

  test("chunk lengths: text, images, dmel", () => {
    const input: ModelInput = modelInputAppend(
      modelInputAppend(modelInputFromInts([1]), {
        type: "image",
        data: new Uint8Array([1]),
        format: "png",
        expected_tokens: 16,
      }),
      { type: "dmel", dmel: DMEL },
    );
    expect(input.chunks.map(chunkLength)).toEqual([1, 16, 300]);
    expect(modelInputLength(input)).toBe(317);
    expect(() => chunkLength({ type: "image", data: new Uint8Array(), format: "png" })).toThrow(
      "ImageChunk expected_tokens needs to be set in order to compute the length",
    );
    expect(() => chunkLength({ type: "image_asset_pointer", location: "x", format: "jpeg" })).toThrow(
      "ImageAssetPointerChunk expected_tokens needs to be set in order to compute the length",
    );
    expect(
      chunkLength({ type: "image_asset_pointer", location: "x", format: "jpeg", expected_tokens: 3 }),
    ).toBe(3);
    expect(() => modelInputToInts(input)).toThrow('chunk 1 is "image"');
  });

  test("wire conversions round-trip every chunk kind", () => {
    const input: ModelInput = {
      chunks: [
        { type: "encoded_text", tokens: new Int32Array([1, -2]) },
        { type: "image", data: new Uint8Array([255, 0, 7]), format: "jpeg" },
        { type: "image", data: new Uint8Array([1]), format: "png", expected_tokens: 4 },
        { type: "image_asset_pointer", format: "png", location: "s3://a" },
        { type: "image_asset_pointer", format: "png", location: "s3://b", expected_tokens: 2 },
        { type: "dmel", dmel: DMEL },
      ],
    };
    const wire = modelInputToWire(input);
    expect(wire.chunks[1]).toEqual({ data: "/wAH", format: "jpeg", type: "image" });
    expect(modelInputFromWire(wire)).toEqual(input);
    expect(() => modelInputFromWire({ chunks: [{ type: "dmel", dmel: "***" }] })).toThrow(
      "chunks[0].dmel is not valid base64",
    );
    expect(() => modelInputFromWire({ chunks: [{ type: "image", data: "a", format: "png" }] })).toThrow(
      "chunks[0].data is not valid base64",
    );
  });
});
