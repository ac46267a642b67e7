import { InvalidInputError } from "./errors.js";
import type { WireTensorData } from "./schemas/tensors.js";

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

/** Values {@link tensorData} accepts: a typed array, or a (nested, rectangular) number array. */
export type TensorValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | readonly number[]
  | readonly bigint[]
  | readonly NestedNumbers[];

/** A rectangular nested array of numbers, such as `[[1, 2], [3, 4]]`. */
export type NestedNumbers = readonly (number | NestedNumbers)[];

/** Options of {@link tensorData}. */
export interface TensorDataOptions {
  /** Element type. Defaults to the typed array's kind, or for plain arrays to int64 when every value is an integer, else float32. */
  dtype?: TensorDtype;
  /** Row-major dimensions; their product must equal the element count. Defaults to the array's own shape. */
  shape?: readonly number[];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * A dense `TensorData` from a typed array or a plain (possibly nested) number array, following the
 * Python SDK's `TensorData.from_numpy` (tinker-wire-spec.md §4.3): floating data becomes float32
 * (a `Float64Array` is narrowed), integer data becomes int64, and `shape` defaults to the data's
 * own shape (`[n]` for flat data). A `Float32Array` or `BigInt64Array` of the requested dtype is
 * used without copying. Casting follows numpy `astype`: float to int64 truncates toward zero.
 *
 * Plain arrays cannot say whether `1` was meant as a float; without `dtype`, an all-integer array
 * becomes int64. Pass `dtype: "float32"` when that matters.
 *
 * @throws InvalidInputError for unsigned or boolean data (`Uint8Array` and friends, as numpy's
 *   unsigned kinds), ragged nested arrays, non-numbers, non-finite values bound for int64, integers
 *   beyond ±2^53 − 1 given as numbers, or a `shape` whose product differs from the element count.
 */
export function tensorData(values: TensorValues, options: TensorDataOptions = {}): TensorData {
  let flat:
    | Float32Array
    | Float64Array
    | Int8Array
    | Int16Array
    | Int32Array
    | BigInt64Array
    | number[]
    | bigint[];
  let naturalShape: number[];
  if (ArrayBuffer.isView(values)) {
    if (!isSignedOrFloatArray(values)) {
      throw new InvalidInputError(
        `tensorData does not accept a ${(values as object).constructor.name}: unsigned data is not supported; ` +
          "convert it to Int32Array, BigInt64Array or Float32Array",
      );
    }
    flat = values;
    naturalShape = [values.length];
  } else {
    const flattened = flattenRectangular(values as readonly unknown[], "values");
    flat = flattened.flat;
    naturalShape = flattened.shape;
  }
  const dtype = options.dtype ?? inferDtype(flat);
  const shape = options.shape ? [...options.shape] : naturalShape;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== flat.length) {
    throw new InvalidInputError(`cannot reshape ${flat.length} elements into shape [${shape.join(", ")}]`);
  }
  return dtype === "float32"
    ? { dtype, data: toFloat32(flat), shape }
    : { dtype, data: toInt64(flat, "values"), shape };
}

function isSignedOrFloatArray(
  view: ArrayBufferView,
): view is Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array {
  return (
    view instanceof Float32Array ||
    view instanceof Float64Array ||
    view instanceof Int8Array ||
    view instanceof Int16Array ||
    view instanceof Int32Array ||
    view instanceof BigInt64Array
  );
}

function inferDtype(flat: ArrayLike<number | bigint>): TensorDtype {
  if (flat instanceof Float32Array || flat instanceof Float64Array) return "float32";
  if (ArrayBuffer.isView(flat)) return "int64";
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (typeof v === "number" && !Number.isInteger(v)) return "float32";
  }
  return "int64";
}

function toFloat32(flat: ArrayLike<number | bigint>): Float32Array {
  if (flat instanceof Float32Array) return flat;
  const out = new Float32Array(flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = Number(flat[i]!);
  return out;
}

function toInt64(flat: ArrayLike<number | bigint>, path: string): BigInt64Array {
  if (flat instanceof BigInt64Array) return flat;
  const out = new BigInt64Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (typeof v === "bigint") {
      out[i] = v;
      continue;
    }
    const truncated = Math.trunc(v);
    if (!Number.isSafeInteger(truncated)) {
      throw new InvalidInputError(`${path}[${i}] is ${v}, which int64 data cannot hold exactly`, {
        path: `${path}[${i}]`,
      });
    }
    out[i] = BigInt(truncated);
  }
  return out;
}

/**
 * Flattens a nested number array in row-major order and returns its shape, or throws the Python
 * SDK's message for ragged input.
 */
export function flattenRectangular(
  values: readonly unknown[],
  key: string,
): { flat: number[] | bigint[]; shape: number[] } {
  const ragged = () =>
    new InvalidInputError(
      `${key} must be a rectangular numeric array; ragged nested lists are not supported`,
      {
        path: key,
      },
    );
  const shape: number[] = [];
  let level: readonly unknown[] = values;
  for (;;) {
    shape.push(level.length);
    const first = level[0];
    if (!Array.isArray(first)) break;
    level = first;
  }
  const flat: (number | bigint)[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw ragged();
      if (typeof node !== "number" && typeof node !== "bigint") {
        throw new InvalidInputError(
          `${key} holds ${node === null ? "null" : typeof node}; expected numbers`,
          {
            path: key,
          },
        );
      }
      flat.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) throw ragged();
    for (const item of node) walk(item, depth + 1);
  };
  walk(values, 0);
  const kinds = new Set(flat.map((v) => typeof v));
  if (kinds.size > 1) throw new InvalidInputError(`${key} mixes numbers and bigints`, { path: key });
  return { flat: flat as number[] | bigint[], shape };
}

/** Inputs of {@link csrTensorData}: a 2-D sparse tensor in CSR layout. */
export interface CsrTensorInput {
  dtype: TensorDtype;
  /** `[nrows, ncols]` of the dense tensor. */
  shape: readonly [number, number] | readonly number[];
  /** The non-zero (non-pad) values in row-major order, length nnz. */
  values: TensorValues;
  /** Row pointers, length nrows + 1, from 0 to nnz, non-decreasing. */
  crowIndices: BigInt64Array | readonly number[];
  /** Column of each value, length nnz, each in [0, ncols). */
  colIndices: BigInt64Array | readonly number[];
}

/**
 * A sparse CSR `TensorData` (tinker-wire-spec.md §4.3): `data` holds the listed values,
 * `sparse_crow_indices` the nrows + 1 row pointers, `sparse_col_indices` the column of each value.
 * Entries not listed take the pad value (0 unless the loss says otherwise) when densified.
 *
 * @throws InvalidInputError when the shape is not 2-D or the indices do not describe a valid CSR
 *   layout (wrong lengths, pointers not starting at 0 or decreasing, columns out of range).
 */
export function csrTensorData(input: CsrTensorInput): TensorData {
  if (input.shape.length !== 2)
    throw new InvalidInputError("a CSR tensor must be 2-D (shape [nrows, ncols])");
  const [nrows, ncols] = input.shape as [number, number];
  const values = tensorData(input.values, { dtype: input.dtype });
  const crow = toInt64(indexArray(input.crowIndices), "crowIndices");
  const col = toInt64(indexArray(input.colIndices), "colIndices");
  const nnz = values.data.length;
  if (crow.length !== nrows + 1) {
    throw new InvalidInputError(
      `crowIndices has ${crow.length} entries; a CSR tensor with ${nrows} rows needs ${nrows + 1}`,
    );
  }
  if (crow[0] !== 0n || crow[nrows] !== BigInt(nnz)) {
    throw new InvalidInputError(`crowIndices must start at 0 and end at the number of values (${nnz})`);
  }
  for (let r = 0; r < nrows; r++) {
    if (crow[r + 1]! < crow[r]!) throw new InvalidInputError(`crowIndices decreases at row ${r}`);
  }
  if (col.length !== nnz) {
    throw new InvalidInputError(`colIndices has ${col.length} entries but there are ${nnz} values`);
  }
  for (let i = 0; i < nnz; i++) {
    if (col[i]! < 0n || col[i]! >= BigInt(ncols)) {
      throw new InvalidInputError(`colIndices[${i}] is ${col[i]}, outside [0, ${ncols})`);
    }
  }
  return { ...values, shape: [nrows, ncols], sparse_crow_indices: crow, sparse_col_indices: col };
}

function indexArray(indices: BigInt64Array | readonly number[]): BigInt64Array | number[] {
  return indices instanceof BigInt64Array ? indices : [...indices];
}

/**
 * Re-encodes a dense 2-D tensor as CSR when that is smaller, as the Python SDK does for 2-D
 * `target_tokens` and `weights` (`TensorData.from_torch_sparse`): CSR is used only when
 * `(nrows + 1) + 2 * nnz < nrows * ncols`, nnz counting entries that differ from `padValue`.
 * Other tensors (not 2-D, already sparse, or dense enough) are returned unchanged.
 */
export function sparsifyTensorData(tensor: TensorData, padValue = 0): TensorData {
  if (tensor.sparse_crow_indices !== undefined || tensor.shape?.length !== 2) return tensor;
  const [nrows, ncols] = tensor.shape as [number, number];
  const pad = tensor.dtype === "int64" ? BigInt(padValue) : padValue;
  const data = tensor.data;
  let nnz = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== pad) nnz++;
  if (nrows + 1 + 2 * nnz >= nrows * ncols) return tensor;
  const crow = new BigInt64Array(nrows + 1);
  const col = new BigInt64Array(nnz);
  const keep: number[] = [];
  for (let r = 0; r < nrows; r++) {
    for (let c = 0; c < ncols; c++) {
      const i = r * ncols + c;
      if (data[i] !== pad) {
        col[keep.length] = BigInt(c);
        keep.push(i);
      }
    }
    crow[r + 1] = BigInt(keep.length);
  }
  const shape = [nrows, ncols];
  if (tensor.dtype === "float32") {
    return {
      dtype: "float32",
      data: Float32Array.from(keep, (i) => tensor.data[i]!),
      shape,
      sparse_crow_indices: crow,
      sparse_col_indices: col,
    };
  }
  return {
    dtype: "int64",
    data: BigInt64Array.from(keep, (i) => tensor.data[i]!),
    shape,
    sparse_crow_indices: crow,
    sparse_col_indices: col,
  };
}

/**
 * The dense form of a tensor: a CSR tensor is expanded with `padValue` in every unlisted entry
 * (`TensorData.to_numpy(pad_value)`); a dense tensor is returned unchanged.
 *
 * @throws InvalidInputError when a sparse tensor lacks its shape or column indices.
 */
export function tensorDataToDense(tensor: TensorData, padValue = 0): TensorData {
  const crow = tensor.sparse_crow_indices;
  if (crow === undefined) return tensor;
  const col = tensor.sparse_col_indices;
  if (col === undefined || tensor.shape?.length !== 2) {
    throw new InvalidInputError("a sparse tensor needs sparse_col_indices and a 2-D shape");
  }
  const [nrows, ncols] = tensor.shape as [number, number];
  const shape = [nrows, ncols];
  const place = (set: (at: number, from: number) => void) => {
    for (let r = 0; r < nrows; r++) {
      for (let k = Number(crow[r]); k < Number(crow[r + 1]); k++) set(r * ncols + Number(col[k]), k);
    }
  };
  if (tensor.dtype === "float32") {
    const out = new Float32Array(nrows * ncols).fill(padValue);
    place((at, from) => {
      out[at] = tensor.data[from]!;
    });
    return { dtype: "float32", data: out, shape };
  }
  const out = new BigInt64Array(nrows * ncols).fill(BigInt(padValue));
  place((at, from) => {
    out[at] = tensor.data[from]!;
  });
  return { dtype: "int64", data: out, shape };
}

/**
 * The JSON form of a tensor (tinker-wire-spec.md §4.3): typed arrays become number arrays, absent
 * fields are left out. {@link encodeRequestBody} does this itself.
 *
 * @throws InvalidInputError when an int64 value lies beyond ±2^53 − 1 (JSON numbers would round it).
 */
export function tensorDataToWire(tensor: TensorData): WireTensorData {
  const rest = {
    ...(tensor.shape === undefined ? {} : { shape: [...tensor.shape] }),
    ...(tensor.sparse_crow_indices === undefined
      ? {}
      : { sparse_crow_indices: int64ToNumbers(tensor.sparse_crow_indices, "sparse_crow_indices") }),
    ...(tensor.sparse_col_indices === undefined
      ? {}
      : { sparse_col_indices: int64ToNumbers(tensor.sparse_col_indices, "sparse_col_indices") }),
  };
  return tensor.dtype === "float32"
    ? { data: Array.from(tensor.data), dtype: "float32", ...rest }
    : { data: int64ToNumbers(tensor.data, "data"), dtype: "int64", ...rest };
}

function int64ToNumbers(values: BigInt64Array, path: string): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > MAX_SAFE || v < MIN_SAFE) {
      throw new InvalidInputError(
        `${path}[${i}] is ${v}, beyond ±2^53 − 1, which JSON numbers cannot carry exactly`,
        {
          path: `${path}[${i}]`,
        },
      );
    }
    out[i] = Number(v);
  }
  return out;
}

/** The in-memory form of a tensor parsed from JSON (for example by `TensorDataSchema.parse`). */
export function tensorDataFromWire(wire: WireTensorData): TensorData {
  const rest: TensorDataCommon = {};
  if (wire.shape != null) rest.shape = [...wire.shape];
  if (wire.sparse_crow_indices != null)
    rest.sparse_crow_indices = BigInt64Array.from(wire.sparse_crow_indices, BigInt);
  if (wire.sparse_col_indices != null)
    rest.sparse_col_indices = BigInt64Array.from(wire.sparse_col_indices, BigInt);
  return wire.dtype === "float32"
    ? { dtype: "float32", data: Float32Array.from(wire.data), ...rest }
    : { dtype: "int64", data: BigInt64Array.from(wire.data, BigInt), ...rest };
}
