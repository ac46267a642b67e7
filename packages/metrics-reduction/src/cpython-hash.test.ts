import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pythonIntHash, pythonTupleHash } from "./cpython-hash.js";
import { readCpythonHashes } from "./fixtures.test-helpers.js";

const vectors = readCpythonHashes();
const MODULUS = (1n << 61n) - 1n;

describe(`pythonIntHash matches CPython ${vectors.python_version}`, () => {
  it.each(vectors.int_hashes.map(({ value, hash }) => [value, hash]))("hash(%s) = %s", (value, hash) => {
    expect(pythonIntHash(BigInt(value))).toBe(BigInt(hash));
  });

  it("is congruent to the value modulo 2^61 - 1, with the value's sign, never -1", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }), (value) => {
        const hash = pythonIntHash(value);
        expect(hash).not.toBe(-1n);
        expect(hash < MODULUS && hash > -MODULUS).toBe(true);
        if (hash !== -2n || value % MODULUS === -2n) expect((hash - value) % MODULUS).toBe(0n);
        if (hash !== 0n) expect(hash < 0n).toBe(value < 0n);
      }),
    );
  });
});

describe(`pythonTupleHash matches CPython ${vectors.python_version}`, () => {
  it.each(
    vectors.tuple_hashes.map(({ values, hash }) => [`(${values.join(", ")})`, values, hash] as const),
  )("hash(%s)", (_label, values, hash) => {
    expect(pythonTupleHash(values.map(BigInt))).toBe(BigInt(hash));
  });

  it("covers CPython's replacement of an all-ones accumulator", () => {
    expect(vectors.tuple_hashes.some(({ hash }) => hash === "1546275796")).toBe(true);
  });

  it("returns a signed 64-bit value", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), { maxLength: 20 }), (values) => {
        const hash = pythonTupleHash(values);
        expect(BigInt.asIntN(64, hash)).toBe(hash);
      }),
    );
  });
});
