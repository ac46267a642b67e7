/**
 * Numeric storage of the tiny model. Every weight, activation and gradient is a flat row-major
 * typed array; the model runs in float32 in the server and in float64 in gradient checks, so the
 * kernels accept either (scalars are always accumulated in JavaScript doubles).
 */

/** Element type of a model's arrays. */
export type Dtype = "float32" | "float64";

/** A flat row-major array of the model's element type. */
export type FloatArray = Float32Array | Float64Array;

/** A zero-filled array of `length` elements of `dtype`. */
export function allocate(dtype: Dtype, length: number): FloatArray {
  return dtype === "float32" ? new Float32Array(length) : new Float64Array(length);
}

/** A copy of `source` in the same element type. */
export function cloneArray(source: FloatArray): FloatArray {
  return source.slice();
}
