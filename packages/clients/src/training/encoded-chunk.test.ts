import { datum, InvalidInputError } from "@tinker-ts/types";
import { decodeForwardBackwardRequest, prepareForwardBackwardRequest } from "@tinker-ts/types/proto";
import { describe, expect, it } from "vitest";
import { EncodedChunk } from "./encoded-chunk.js";
import type { ReadDataAt } from "./options.js";

function chunkOf(tokens: Int32Array, readDataAt?: ReadDataAt): { chunk: EncodedChunk; writes: () => number } {
  const data = [datum({ chunks: [{ type: "encoded_text", tokens }] }, {})];
  let writes = 0;
  const prepared = prepareForwardBackwardRequest({
    model_id: "m",
    seq_id: 1,
    data,
    loss_fn: "cross_entropy",
    forward_only: false,
  });
  const counted = {
    byteLength: prepared.byteLength,
    serialize: () => {
      writes++;
      return prepared.serialize();
    },
  };
  const chunk = new EncodedChunk(16, () => counted, readDataAt);
  return { chunk, writes: () => writes };
}

const tokensOf = (body: Uint8Array) => {
  const [first] = decodeForwardBackwardRequest(body).data[0]!.model_input.chunks;
  return Array.from((first as { tokens: Int32Array }).tokens);
};

describe("EncodedChunk", () => {
  it("by default writes the body at construction and hands it to the first submission only", () => {
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk, writes } = chunkOf(tokens);
    expect(writes()).toBe(1);
    expect(chunk.bytes).toBe(16);
    tokens[0] = 99; // the caller reuses its array after the call
    const first = chunk.takeBody();
    expect(chunk.bodyBytes).toBe(first.byteLength);
    expect(tokensOf(first)).toEqual([1, 2, 3]);
    expect(writes()).toBe(1);
  });

  it("writes again from the data for each later submission (a resend after HTTP 410)", () => {
    const tokens = new Int32Array([4, 5]);
    const { chunk, writes } = chunkOf(tokens);
    const first = chunk.takeBody();
    tokens[1] = 6;
    const resent = chunk.takeBody();
    expect(resent).not.toBe(first);
    expect(tokensOf(first)).toEqual([4, 5]);
    expect(tokensOf(resent)).toEqual([4, 6]);
    expect(writes()).toBe(2);
  });

  it('with readDataAt "send" writes nothing until a submission takes the body, then reads the arrays as they are', () => {
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk, writes } = chunkOf(tokens, "send");
    expect(writes()).toBe(0);
    tokens[0] = 7;
    const body = chunk.takeBody();
    expect(chunk.bodyBytes).toBe(body.byteLength);
    expect(tokensOf(body)).toEqual([7, 2, 3]);
    expect(tokensOf(chunk.takeBody())).toEqual([7, 2, 3]);
    expect(writes()).toBe(2);
  });

  it('with readDataAt "send" refuses to write an array whose buffer was transferred after the call', () => {
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk } = chunkOf(tokens, "send");
    structuredClone(tokens.buffer, { transfer: [tokens.buffer] });
    expect(tokens.byteLength).toBe(0);
    expect(() => chunk.takeBody()).toThrow(InvalidInputError);
    expect(() => chunk.takeBody()).toThrow(/transferred or detached/);
  });
});
