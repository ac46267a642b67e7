import { InvalidInputError } from "../errors.js";
import type { TensorData } from "../tensor-data.js";
import { DType, type Tensor } from "./gen/tinker_public_pb.js";
import {
  littleEndianBytes,
  readFloat32,
  readInt32,
  readInt64,
  readUint16,
  widenBfloat16,
  widenInt32,
} from "./little-endian.js";
import { MessageNode } from "./wire-writer.js";

/**
 * TensorData ↔ protobuf `Tensor` (tinker-wire-spec.md §5.3 for the request side; the decoder also
 * serves the 0.38.0 tensors inside SampleResponse).
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isNumericList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/**
 * The float32 elements of `data`. A `Float32Array` is used as is; JavaScript callers may also pass
 * a plain array or another typed array of numbers, which is converted as numpy's `astype` would.
 */
export function float32Values(data: unknown, path: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (isNumericList(data)) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      if (typeof value !== "number") {
        throw new InvalidInputError(`${path}[${i}] is ${typeof value}, expected a number.`, {
          path: `${path}[${i}]`,
        });
      }
      out[i] = value;
    }
    return out;
  }
  throw new InvalidInputError(`${path} must be a Float32Array (float32 elements).`, { path });
}

/**
 * The int64 elements of `data`. A `BigInt64Array` is used as is; JavaScript callers may also pass
 * a plain array or a typed array of integers (numbers or bigints), which is range-checked and
 * converted. Non-integers are rejected rather than truncated.
 */
export function int64Values(data: unknown, path: string): BigInt64Array {
  if (data instanceof BigInt64Array) return data;
  if (isNumericList(data)) {
    const out = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      const big =
        typeof value === "bigint" ? value : Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
      if (big === undefined || big < INT64_MIN || big > INT64_MAX) {
        throw new InvalidInputError(
          `${path}[${i}] is ${String(value)}; int64 elements must be integers in the int64 range.`,
          { path: `${path}[${i}]` },
        );
      }
      out[i] = big;
    }
    return out;
  }
  throw new InvalidInputError(`${path} must be a BigInt64Array (int64 elements).`, { path });
}

/** Checks a shape: an array of non-negative safe integers. */
export function checkShape(shape: unknown, path: string): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InvalidInputError(`${path} must be an array of non-negative integers.`, { path });
  }
  return shape;
}

function product(dims: readonly number[]): number {
  let result = 1;
  for (const dim of dims) result *= dim;
  return result;
}

/** Checks the CSR invariants: 2-D shape, `crow` of nrows + 1 entries, one column per value. */
function checkCsr(
  shape: readonly number[] | undefined,
  nnz: number,
  crowLength: number,
  colLength: number,
  path: string,
): void {
  if (shape?.length !== 2) {
    throw new InvalidInputError(`${path} is sparse CSR, which needs a 2-D shape [nrows, ncols].`, {
      path: `${path}.shape`,
    });
  }
  if (crowLength !== shape[0]! + 1) {
    throw new InvalidInputError(
      `${path}.sparse_crow_indices has ${crowLength} entries; a CSR tensor of ${shape[0]} rows needs ${shape[0]! + 1}.`,
      { path: `${path}.sparse_crow_indices` },
    );
  }
  if (colLength !== nnz) {
    throw new InvalidInputError(
      `${path}.sparse_col_indices has ${colLength} entries but data holds ${nnz} values; they must match.`,
      { path: `${path}.sparse_col_indices` },
    );
  }
}

function checkDenseShape(shape: readonly number[] | undefined, length: number, path: string): void {
  if (shape !== undefined && product(shape) !== length) {
    throw new InvalidInputError(
      `${path} has ${length} elements but shape [${shape.join(", ")}] needs ${product(shape)}.`,
      { path: `${path}.shape` },
    );
  }
}

/**
 * Builds the protobuf `Tensor` of a TensorData (tinker-wire-spec.md §5.3): dtype FLOAT32 or INT64,
 * `shape` only when the TensorData has one, dense bytes always written (even when empty), CSR
 * values in the declared dtype with int64 row pointers and column indices. Byte payloads are views
 * of the typed arrays, copied once when the request is serialized.
 *
 * @throws InvalidInputError for an unsupported dtype, data of the wrong kind, a shape that does not
 *   match the data, or an inconsistent CSR tensor (missing column list, wrong index counts).
 */
export function tensorNode(tensor: TensorData, path: string): MessageNode {
  const dtype = tensor.dtype as string;
  let values: Float32Array | BigInt64Array;
  let wireDtype: DType;
  if (dtype === "float32") {
    values = float32Values(tensor.data, `${path}.data`);
    wireDtype = DType.DTYPE_FLOAT32;
  } else if (dtype === "int64") {
    values = int64Values(tensor.data, `${path}.data`);
    wireDtype = DType.DTYPE_INT64;
  } else {
    throw new InvalidInputError(
      `Unsupported TensorData dtype "${dtype}" at ${path}; the wire accepts "float32" and "int64".`,
      { path: `${path}.dtype` },
    );
  }
  const shape = tensor.shape === undefined ? undefined : checkShape(tensor.shape, `${path}.shape`);
  const node = new MessageNode();
  if (tensor.sparse_crow_indices !== undefined) {
    if (tensor.sparse_col_indices === undefined) {
      throw new InvalidInputError(
        `${path} has sparse_crow_indices but no sparse_col_indices; a CSR tensor needs both.`,
        { path: `${path}.sparse_col_indices` },
      );
    }
    const crow = int64Values(tensor.sparse_crow_indices, `${path}.sparse_crow_indices`);
    const col = int64Values(tensor.sparse_col_indices, `${path}.sparse_col_indices`);
    checkCsr(shape, values.length, crow.length, col.length, path);
    const csr = new MessageNode();
    if (values.length > 0) csr.bytes(1, littleEndianBytes(values));
    if (crow.length > 0) csr.bytes(2, littleEndianBytes(crow));
    if (col.length > 0) csr.bytes(3, littleEndianBytes(col));
    node.message(2, csr);
  } else {
    if (tensor.sparse_col_indices !== undefined) {
      throw new InvalidInputError(
        `${path} has sparse_col_indices but no sparse_crow_indices; a CSR tensor needs both.`,
        { path: `${path}.sparse_crow_indices` },
      );
    }
    checkDenseShape(shape, values.length, path);
    node.bytes(1, littleEndianBytes(values));
  }
  node.uint(3, wireDtype);
  if (shape !== undefined) node.packedUints(4, shape);
  return node;
}

/** A wire int64 (a dimension) as a number. */
export function dimension(value: bigint, path: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidInputError(`Malformed protobuf payload: ${path} is ${value}, not a valid dimension.`, {
      path,
    });
  }
  return Number(value);
}

/**
 * Reads a numeric payload in its wire dtype and widens it to the public dtypes
 * (tinker-wire-spec.md §5.4): INT32 → int64, BFLOAT16 → float32. FLOAT32 and INT64 payloads view
 * the message buffer when aligned.
 *
 * @throws InvalidInputError for DTYPE_UNSPECIFIED or an unknown dtype, or a byte length that is
 *   not a whole number of elements.
 */
export function readValues(
  bytes: Uint8Array,
  dtype: DType,
  path: string,
  dtypePath: string,
): { dtype: "float32"; values: Float32Array } | { dtype: "int64"; values: BigInt64Array } {
  switch (dtype) {
    case DType.DTYPE_FLOAT32:
      return { dtype: "float32", values: readFloat32(bytes, path) };
    case DType.DTYPE_BFLOAT16:
      return { dtype: "float32", values: widenBfloat16(readUint16(bytes, path)) };
    case DType.DTYPE_INT64:
      return { dtype: "int64", values: readInt64(bytes, path) };
    case DType.DTYPE_INT32:
      return { dtype: "int64", values: widenInt32(readInt32(bytes, path)) };
    default:
      throw new InvalidInputError(
        `Malformed protobuf payload: unsupported dtype ${dtype} at ${dtypePath} ` +
          "(known: FLOAT32=1, INT64=2, INT32=3, BFLOAT16=4).",
        { path: dtypePath },
      );
  }
}

/** Element size in bytes of a wire dtype, for slicing by byte offsets. */
export function wireElementSize(dtype: DType): number {
  return dtype === DType.DTYPE_INT64 ? 8 : dtype === DType.DTYPE_BFLOAT16 ? 2 : 4;
}

function typed(read: ReturnType<typeof readValues>, fields: Omit<TensorData, "dtype" | "data">): TensorData {
  return read.dtype === "float32"
    ? { ...fields, dtype: "float32", data: read.values }
    : { ...fields, dtype: "int64", data: read.values };
}

/**
 * Decodes a protobuf `Tensor` into a TensorData, keeping a CSR tensor sparse (the inverse of
 * {@link tensorNode}). An empty wire shape means no shape; a missing encoding reads as an empty
 * dense tensor, as proto3 defaults would.
 *
 * @throws InvalidInputError for an unsupported dtype, ragged bytes, or a shape or CSR layout
 *   that does not match the data.
 */
export function decodeTensor(message: Tensor, path: string): TensorData {
  const shape =
    message.shape.length > 0
      ? message.shape.map((dim, i) => dimension(dim, `${path}.shape[${i}]`))
      : undefined;
  const fields: Omit<TensorData, "dtype" | "data"> = shape === undefined ? {} : { shape };
  if (message.encoding.case === "sparseCsr") {
    const csr = message.encoding.value;
    const read = readValues(csr.values, message.dtype, `${path}.sparse_csr.values`, `${path}.dtype`);
    const crow = readInt64(csr.crowIndices, `${path}.sparse_csr.crow_indices`);
    const col = readInt64(csr.colIndices, `${path}.sparse_csr.col_indices`);
    checkCsr(shape, read.values.length, crow.length, col.length, path);
    return typed(read, { ...fields, sparse_crow_indices: crow, sparse_col_indices: col });
  }
  const dense = message.encoding.case === "dense" ? message.encoding.value : new Uint8Array(0);
  const read = readValues(dense, message.dtype, `${path}.dense`, `${path}.dtype`);
  checkDenseShape(shape, read.values.length, path);
  return typed(read, fields);
}
