import { pythonTupleHash } from "./cpython-hash.js";
import { MetricsReductionError } from "./errors.js";

/**
 * Python's `int(value)` for a float64: truncation toward zero, exact however large the value.
 * Throws {@link MetricsReductionError} (`non_finite_hash_input`) for NaN and ±Infinity, where Python
 * raises ValueError / OverflowError.
 */
function pythonInt(value: number, metricKey: string | undefined): bigint {
  if (!Number.isFinite(value)) {
    const where = metricKey === undefined ? "" : ` in metric "${metricKey}"`;
    throw new MetricsReductionError(
      `Cannot hash ${value}${where}: hash reductions convert each chunk's value to an integer, and ` +
        `${value} has no integer value. The server sent a non-finite hash metric; report it to the ` +
        "server operator (the Python SDK fails the same way).",
      { failure: "non_finite_hash_input", metricKey },
    );
  }
  return BigInt(Math.trunc(value));
}

/**
 * The `:hash2` reduction of Python SDK 0.38.0 (`_hash2`): each value truncated toward zero, taken
 * modulo 2^64 (two's complement for negatives), summed modulo 2^64. Order-insensitive and portable.
 *
 * @param values one float64 per chunk.
 * @param metricKey named in the error message, when called for a metric.
 * @returns the exact result, an integer in [0, 2^64).
 * @throws MetricsReductionError (`non_finite_hash_input`) if a value is NaN or ±Infinity.
 */
export function hash2(values: readonly number[], metricKey?: string): bigint {
  let sum = 0n;
  for (const value of values) sum += BigInt.asUintN(64, pythonInt(value, metricKey));
  return BigInt.asUintN(64, sum);
}

/**
 * The `:hash_unordered` reduction of Python SDK 0.25.0 (`_order_insensitive_hash`):
 * `hash(tuple(sorted(int(v) for v in values)))` with CPython 3.8+'s 64-bit int and tuple hashes.
 * 0.38.0 dropped this reduction (it is not portable across Python builds) in favour of `:hash2`.
 *
 * @param values one float64 per chunk.
 * @param metricKey named in the error message, when called for a metric.
 * @returns the exact result, a signed 64-bit integer as CPython's `hash` returns it.
 * @throws MetricsReductionError (`non_finite_hash_input`) if a value is NaN or ±Infinity.
 */
export function hashUnordered(values: readonly number[], metricKey?: string): bigint {
  const ints = values.map((value) => pythonInt(value, metricKey));
  ints.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return pythonTupleHash(ints);
}
