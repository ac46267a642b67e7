import { describe, expect, it } from "vitest";
import {
  HOST_LITTLE_ENDIAN,
  littleEndianBytes,
  readFloat32,
  readInt32,
  readInt64,
  readUint16,
  widenBfloat16,
  widenInt32,
} from "./little-endian.js";

describe("on this (little-endian) host", () => {
  it("is little-endian, which the zero-copy paths rely on", () => {
    expect(HOST_LITTLE_ENDIAN).toBe(true);
  });

  it("views a typed array's memory as its wire bytes", () => {
    const values = Int32Array.of(0x01020304, -1).subarray(1);
    const bytes = littleEndianBytes(values);
    expect(bytes.buffer).toBe(values.buffer);
    expect(Array.from(bytes)).toEqual([255, 255, 255, 255]);
  });
});

describe("on a big-endian host (simulated)", () => {
  it("writes byte-swapped copies, so the wire stays little-endian", () => {
    // In this process's memory the value is 04 03 02 01; a big-endian host would hold 01 02 03 04
    // and has to reverse each element to reach the wire's 04 03 02 01.
    const values = Int32Array.of(0x01020304);
    const bytes = littleEndianBytes(values, false);
    expect(bytes.buffer).not.toBe(values.buffer);
    expect(Array.from(bytes)).toEqual([1, 2, 3, 4]);
  });

  it("reads by swapping each element back", () => {
    const wire = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect(Array.from(readInt32(wire, "x", false))).toEqual([0x01020304, 0x05060708]);
    expect(Array.from(readInt64(wire, "x", false))).toEqual([0x0102030405060708n]);
    expect(Array.from(readUint16(wire, "x", false))).toEqual([0x0102, 0x0304, 0x0506, 0x0708]);
    const float = littleEndianBytes(Float32Array.of(1.5), false);
    expect(Array.from(readFloat32(float, "x", false))).toEqual([1.5]);
  });
});

describe("reading", () => {
  it("copies unaligned input into aligned memory, also when the input is a Node Buffer", () => {
    // HTTP bodies arrive as Buffers carved out of a shared pool at arbitrary offsets; Buffer#slice
    // returns a view of the same memory, so the realigning copy must not rely on it.
    const pool = new Uint8Array(17);
    pool.set([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0], 1);
    const unaligned = Buffer.from(pool.buffer, 1, 16);
    expect(unaligned.byteOffset % 8).not.toBe(0);
    const values = readInt64(unaligned, "x");
    expect(Array.from(values)).toEqual([1n, 2n]);
    expect(values.buffer).not.toBe(pool.buffer);
  });

  it("rejects a byte length that is not a whole number of elements, naming the path", () => {
    expect(() => readInt64(new Uint8Array(12), "f.offsets")).toThrow(
      expect.objectContaining({ path: "f.offsets", message: expect.stringMatching(/12 bytes.*int64/) }),
    );
  });

  it("widens int32 to int64 and bfloat16 to float32 exactly", () => {
    expect(widenInt32(Int32Array.of(-2147483648, 0, 2147483647))).toEqual(
      BigInt64Array.of(-2147483648n, 0n, 2147483647n),
    );
    // bfloat16 0x3fc0 = 1.5, 0xc2f7 = -123.5, 0x7f80 = +Infinity, 0xff80 = -Infinity.
    expect(Array.from(widenBfloat16(Uint16Array.of(0x3fc0, 0xc2f7, 0x7f80, 0xff80)))).toEqual([
      1.5,
      -123.5,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
  });
});
