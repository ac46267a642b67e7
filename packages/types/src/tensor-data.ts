/**
 * In-memory form of the Tinker `TensorData` wire type (tinker-wire-spec.md §4.3).
 *
 * Field names are the wire's (snake_case) because a TensorData is wire data; numeric payloads are
 * typed arrays so that protobuf encoding and decoding never copy element by element:
 * `float32` tensors hold a `Float32Array`, `int64` tensors a `BigInt64Array`.
 *
 * Dense tensors store their elements in row-major order; `shape` is optional for 1-D data.
 * Sparse CSR tensors (2-D only) keep the non-zero values in `data`, `sparse_crow_indices`
 * (length nrows + 1) and `sparse_col_indices` (length nnz), and require `shape`.
 */
export type TensorDtype = "int64" | "float32";

interface TensorDataCommon {
  /** Dimensions, row-major. Required for sparse tensors; omitted means 1-D of `data.length`. */
  shape?: number[];
  /** CSR row pointers, int64, length `shape[0] + 1`. Present only for sparse tensors. */
  sparse_crow_indices?: BigInt64Array;
  /** CSR column index of each non-zero value, int64, length nnz. Present only for sparse tensors. */
  sparse_col_indices?: BigInt64Array;
}

/** A float32 tensor: `weights`, `advantages`, `logprobs`, clip thresholds, loss outputs. */
export interface Float32TensorData extends TensorDataCommon {
  dtype: "float32";
  data: Float32Array;
}

/** An int64 tensor: `target_tokens` and integer loss outputs. */
export interface Int64TensorData extends TensorDataCommon {
  dtype: "int64";
  data: BigInt64Array;
}

/** A dense or sparse CSR tensor of float32 or int64 elements (tinker-wire-spec.md §4.3). */
export type TensorData = Float32TensorData | Int64TensorData;
