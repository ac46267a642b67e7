import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { MessageNode } from "./wire-writer.js";

// @bufbuild/protobuf's BinaryWriter is the reference for every wire primitive.

describe("MessageNode", () => {
  it("writes varints of every length like the reference writer", () => {
    const values = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 32, 2 ** 35 + 5, Number.MAX_SAFE_INTEGER];
    const ours = new MessageNode();
    const reference = new BinaryWriter();
    for (const value of values) {
      ours.uint(3, value);
      reference.tag(3, WireType.Varint).uint64(value);
    }
    ours.packedUints(4, values);
    reference.tag(4, WireType.LengthDelimited).fork();
    for (const value of values) reference.uint64(value);
    reference.join();
    const bytes = ours.serialize();
    expect(bytes).toEqual(reference.finish());
    expect(ours.byteLength()).toBe(bytes.byteLength);
  });

  it("writes doubles, strings, gathered bytes and nested messages like the reference writer", () => {
    const inner = new MessageNode().string(1, "héllo").bytes(2, Uint8Array.of(1, 2));
    const ours = new MessageNode()
      .double(1, -0.1)
      .gatheredBytes(2, [Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)])
      .message(3, inner)
      .message(4, new MessageNode())
      .packedUints(5, [])
      .mapEntry(6, "", (entry) => entry.double(2, 0));
    const reference = new BinaryWriter()
      .tag(1, WireType.Bit64)
      .double(-0.1)
      .tag(2, WireType.LengthDelimited)
      .bytes(Uint8Array.of(1, 2, 3))
      .tag(3, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.LengthDelimited)
      .string("héllo")
      .tag(2, WireType.LengthDelimited)
      .bytes(Uint8Array.of(1, 2))
      .join()
      .tag(4, WireType.LengthDelimited)
      .bytes(new Uint8Array(0))
      .tag(6, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.LengthDelimited)
      .string("")
      .tag(2, WireType.Bit64)
      .double(0)
      .join();
    expect(ours.serialize()).toEqual(reference.finish());
  });

  it("writes strings of 1- to 4-byte characters, and lone surrogates, as TextEncoder does", () => {
    for (const value of ["", "ascii", "héllo", "€uro", "😀 ok", "a\ud800b", "\udc00", "x\ud83d"]) {
      const ours = new MessageNode().string(1, value).serialize();
      const reference = new BinaryWriter()
        .tag(1, WireType.LengthDelimited)
        .bytes(new TextEncoder().encode(value));
      expect(ours).toEqual(reference.finish());
    }
  });

  it("rejects values a varint of this writer cannot hold", () => {
    expect(() => new MessageNode().uint(1, -1)).toThrow(RangeError);
    expect(() => new MessageNode().uint(1, 1.5)).toThrow(RangeError);
    expect(() => new MessageNode().packedUints(1, [2 ** 53])).toThrow(RangeError);
  });
});
