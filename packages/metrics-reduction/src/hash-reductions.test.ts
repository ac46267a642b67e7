import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetricsReductionError } from "./errors.js";
import { hash2, hashUnordered } from "./hash-reductions.js";

const TWO_64 = 1n << 64n;
// Doubles of every magnitude, including those far beyond 2^64, whose truncation must stay exact.
const hashInput = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }),
);

/** A permutation of `values` chosen by fast-check. */
const shuffled = (values: number[]) =>
  fc.shuffledSubarray(values, { minLength: values.length, maxLength: values.length });

describe("hash2", () => {
  it("is the sum modulo 2^64 of the truncated values", () => {
    expect(hash2([])).toBe(0n);
    expect(hash2([-1])).toBe(TWO_64 - 1n);
    expect(hash2([2.9, -2.9, -0.5])).toBe(0n);
    expect(hash2([2 ** 64, 2 ** 63, 2 ** 63])).toBe(0n);
  });

  it("splits over concatenation and ignores order", () => {
    fc.assert(
      fc.property(fc.array(hashInput), fc.array(hashInput), (a, b) => {
        expect(hash2([...a, ...b])).toBe((hash2(a) + hash2(b)) % TWO_64);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(hashInput).chain((values) => fc.tuple(fc.constant(values), shuffled(values))),
        ([values, permuted]) => {
          expect(hash2(permuted)).toBe(hash2(values));
        },
      ),
    );
  });
});

describe("hashUnordered", () => {
  it("ignores order and only sees the integer part", () => {
    fc.assert(
      fc.property(
        fc
          .array(hashInput, { maxLength: 30 })
          .chain((values) => fc.tuple(fc.constant(values), shuffled(values))),
        ([values, permuted]) => {
          expect(hashUnordered(permuted)).toBe(hashUnordered(values));
          expect(hashUnordered(values.map(Math.trunc))).toBe(hashUnordered(values));
        },
      ),
    );
  });

  it("counts duplicates", () => {
    expect(hashUnordered([5, 5])).not.toBe(hashUnordered([5]));
  });
});

describe("hash inputs", () => {
  it.each([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ])("%s has no integer value", (bad) => {
    for (const hash of [hash2, hashUnordered]) {
      expect(() => hash([1, bad])).toThrow(MetricsReductionError);
      expect(() => hash([bad], "x:hash2")).toThrow(/in metric "x:hash2"/);
    }
  });
});
