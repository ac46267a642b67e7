import { datum, InvalidInputError } from "@tinker-ts/types";
import { decodeForwardBackwardRequest, prepareForwardBackwardRequest } from "@tinker-ts/types/proto";
import { describe, expect, it } from "vitest";
import { ChunkBodyBuffers } from "./body-buffers.js";
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
    serializeInto: (target: Uint8Array) => {
      writes++;
      return prepared.serializeInto(target);
    },
  };
  const chunk = new EncodedChunk(16, () => counted, readDataAt);
  return { chunk, writes: () => writes };
}

/** A pool large enough for the test chunks, expecting `firstLeases` first sends. */
const buffersFor = (firstLeases = 1) => new ChunkBodyBuffers(64, firstLeases);

const tokensOf = (body: Uint8Array) => {
  const [first] = decodeForwardBackwardRequest(body).data[0]!.model_input.chunks;
  return Array.from((first as { tokens: Int32Array }).tokens);
};

describe("EncodedChunk", () => {
  it("by default writes the body at construction and hands it to the first submission only", () => {
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk, writes } = chunkOf(tokens);
    const buffers = buffersFor();
    expect(writes()).toBe(1);
    expect(chunk.bytes).toBe(16);
    tokens[0] = 99; // the caller reuses its array after the call
    const first = chunk.takeBody(buffers).bytes;
    expect(chunk.bodyBytes).toBe(first.byteLength);
    expect(tokensOf(first)).toEqual([1, 2, 3]);
    expect(writes()).toBe(1);
  });

  it("writes again from the data for each later submission (a resend after HTTP 410)", () => {
    const tokens = new Int32Array([4, 5]);
    const { chunk, writes } = chunkOf(tokens);
    const buffers = buffersFor();
    const first = chunk.takeBody(buffers).bytes;
    tokens[1] = 6;
    const resent = chunk.takeBody(buffers).bytes;
    expect(resent).not.toBe(first);
    expect(tokensOf(first)).toEqual([4, 5]);
    expect(tokensOf(resent)).toEqual([4, 6]);
    expect(writes()).toBe(2);
  });

  it('with readDataAt "send" writes nothing until a submission takes the body, then reads the arrays as they are', () => {
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk, writes } = chunkOf(tokens, "send");
    const buffers = buffersFor();
    expect(writes()).toBe(0);
    tokens[0] = 7;
    const body = chunk.takeBody(buffers).bytes;
    expect(chunk.bodyBytes).toBe(body.byteLength);
    expect(tokensOf(body)).toEqual([7, 2, 3]);
    expect(tokensOf(chunk.takeBody(buffers).bytes)).toEqual([7, 2, 3]);
    expect(writes()).toBe(2);
  });

  it('with readDataAt "send" refuses to write an array whose buffer was transferred after the call', () => {
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk } = chunkOf(tokens, "send");
    const buffers = buffersFor();
    structuredClone(tokens.buffer, { transfer: [tokens.buffer] });
    expect(tokens.byteLength).toBe(0);
    expect(() => chunk.takeBody(buffers).bytes).toThrow(InvalidInputError);
    expect(() => chunk.takeBody(buffers).bytes).toThrow(/transferred or detached/);
  });

  it('with readDataAt "send" writes into a leased buffer that the next submission reuses once released', () => {
    const buffers = buffersFor(3);
    const { chunk: long } = chunkOf(new Int32Array([1, 2, 3, 4, 5]), "send");
    const { chunk: short } = chunkOf(new Int32Array([8]), "send");
    const first = long.takeBody(buffers);
    const firstBytes = Array.from(first.bytes);
    first.release();
    // The buffer still holds the longer body's bytes; the shorter body must be exactly its own.
    const second = short.takeBody(buffers);
    expect(second.bytes.buffer).toBe(first.bytes.buffer);
    expect(second.bytes.byteLength).toBe(short.bodyBytes);
    expect(tokensOf(second.bytes)).toEqual([8]);
    // Not released: a third submission in flight at the same time gets a buffer of its own.
    const third = long.takeBody(buffers);
    expect(third.bytes.buffer).not.toBe(second.bytes.buffer);
    expect(Array.from(third.bytes)).toEqual(firstBytes);
  });

  it("returns its lease when writing fails, so the buffer serves the next submission", () => {
    const buffers = buffersFor(3);
    const tokens = new Int32Array([1, 2, 3]);
    const { chunk } = chunkOf(tokens, "send");
    const { chunk: other } = chunkOf(new Int32Array([4]), "send");
    const warm = other.takeBody(buffers);
    warm.release();
    structuredClone(tokens.buffer, { transfer: [tokens.buffer] });
    expect(() => chunk.takeBody(buffers)).toThrow(InvalidInputError);
    expect(other.takeBody(buffers).bytes.buffer).toBe(warm.bytes.buffer);
  });
});
