import { datum, modelInputFromInts } from "@tinker-ts/types";
import { decodeForwardBackwardRequest, encodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import { describe, expect, it } from "vitest";
import { EncodedChunk } from "./encoded-chunk.js";

function chunkOf(tokens: Int32Array): { chunk: EncodedChunk; encodings: () => number } {
  const data = [datum({ chunks: [{ type: "encoded_text", tokens }] }, {})];
  let encodings = 0;
  const chunk = new EncodedChunk(16, () => {
    encodings++;
    return encodeForwardBackwardRequest({
      model_id: "m",
      seq_id: 1,
      data,
      loss_fn: "cross_entropy",
      forward_only: false,
    });
  });
  return { chunk, encodings: () => encodings };
}

const tokensOf = (body: Uint8Array) => {
  const [first] = decodeForwardBackwardRequest(body).data[0]!.model_input.chunks;
  return Array.from((first as { tokens: Int32Array }).tokens);
};

describe("EncodedChunk", () => {
  it("encodes at construction and hands that body to the first submission only", () => {
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk, encodings } = chunkOf(tokens);
    expect(encodings()).toBe(1);
    expect(chunk.bytes).toBe(16);
    tokens[0] = 99; // the caller reuses its array after the call
    const first = chunk.takeBody();
    expect(chunk.bodyBytes).toBe(first.byteLength);
    expect(tokensOf(first)).toEqual([1, 2, 3]);
    expect(encodings()).toBe(1);
  });

  it("encodes again from the data for each later submission (a resend after HTTP 410)", () => {
    const { chunk, encodings } = chunkOf(new Int32Array([4, 5]));
    const first = chunk.takeBody();
    const resent = chunk.takeBody();
    expect(resent).not.toBe(first);
    expect(resent).toEqual(first);
    expect(encodings()).toBe(2);
  });

  it("throws the encoder's error at construction, before anything can be sent", () => {
    const data = [datum(modelInputFromInts([1]), {})];
    expect(
      () =>
        new EncodedChunk(4, () =>
          encodeForwardBackwardRequest({ model_id: "m", seq_id: -1, data, loss_fn: "x", forward_only: true }),
        ),
    ).toThrow(/seq_id/);
  });
});
