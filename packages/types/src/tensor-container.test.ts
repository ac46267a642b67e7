import { describe, expect, test } from "vitest";
import { tensorContainerDim, tensorContainerShape } from "./tensor-container.js";

const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
};

describe("TensorContainer header (§4.2)", () => {
  test.each([0, 1, 127, 128, 16383, 16384, 2 ** 40])("varint boundary %i", (dim) => {
    expect(tensorContainerShape(new Uint8Array([3, 2, ...varint(dim), 5]))).toEqual([dim, 5]);
  });

  test("constant marker, scalar and dims", () => {
    expect(tensorContainerShape(new Uint8Array([254, 1, 1, 4]))).toEqual([4]);
    expect(tensorContainerShape(new Uint8Array([0, 0]))).toEqual([]);
    expect(tensorContainerDim(new Uint8Array([1, 2, 3, 4]), 1)).toBe(4);
    expect(tensorContainerDim(new Uint8Array([1, 2, 3, 4]), -1)).toBe(4);
  });

  test.each([
    [[], "TensorContainer bytes are empty"],
    [[254], "Truncated TensorContainer header"],
    [[1], "Truncated TensorContainer header"],
    [[1, 2, 3], "Truncated TensorContainer header"],
    [[1, 1, 0x80], "Truncated TensorContainer header"],
    [[8, 0], "Unknown TensorContainer dtype byte: 8"],
    [[1, ...new Array(10).fill(0x80), 1], "TensorContainer varint is too long"],
  ])("%j fails with the Python SDK's message", (bytes, message) => {
    expect(() => tensorContainerShape(new Uint8Array(bytes))).toThrow(message);
  });

  test("a missing dimension", () => {
    expect(() => tensorContainerDim(new Uint8Array([1, 1, 3]), 1)).toThrow(
      "TensorContainer tensor has no dimension 1",
    );
  });
});
