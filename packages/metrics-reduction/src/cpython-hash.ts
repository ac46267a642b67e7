/**
 * CPython's `hash()` for `int` and for tuples of ints, on 64-bit builds (Python 3.8 and later),
 * computed exactly with BigInt. The `0.25.0` `:hash_unordered` reduction is defined as a Python
 * hash, so reproducing it needs CPython's arithmetic rather than any portable hash.
 */

/** `sys.hash_info.modulus` on 64-bit CPython: the Mersenne prime 2^61 − 1. */
const MODULUS = (1n << 61n) - 1n;

// Constants of CPython's xxHash-based tuple hash (Objects/tupleobject.c, since Python 3.8).
const XXPRIME_1 = 11400714785074694791n;
const XXPRIME_2 = 14029467366897019727n;
const XXPRIME_5 = 2870177450012600261n;
const LENGTH_MANGLE = XXPRIME_5 ^ 3527539n;
/** Returned instead of an accumulator of all ones, which would read as the C error value −1. */
const MINUS_ONE_REPLACEMENT = 1546275796n;

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/**
 * `hash(value)` for a Python `int`: the value reduced modulo 2^61 − 1 keeping its sign, with −1
 * mapped to −2 (−1 signals an error in CPython's C API). The result lies in [−(2^61 − 2), 2^61 − 2].
 */
export function pythonIntHash(value: bigint): bigint {
  const magnitude = (value < 0n ? -value : value) % MODULUS;
  const hash = value < 0n ? -magnitude : magnitude;
  return hash === -1n ? -2n : hash;
}

/**
 * `hash(tuple(values))` for a tuple of Python ints, in the given order, as a signed 64-bit value
 * (`Py_hash_t`). Each element's {@link pythonIntHash} is folded in with xxHash's round
 * (multiply, rotate left 31, multiply) over unsigned 64-bit arithmetic.
 */
export function pythonTupleHash(values: readonly bigint[]): bigint {
  let acc = XXPRIME_5;
  for (const value of values) {
    // A lane is the element hash read as an unsigned 64-bit integer.
    acc = u64(acc + u64(pythonIntHash(value)) * XXPRIME_2);
    acc = u64((acc << 31n) | (acc >> 33n));
    acc = u64(acc * XXPRIME_1);
  }
  // CPython mangles the length this way to keep the historical value of hash(()).
  acc = u64(acc + (BigInt(values.length) ^ LENGTH_MANGLE));
  if (acc === u64(-1n)) return MINUS_ONE_REPLACEMENT;
  return BigInt.asIntN(64, acc);
}
