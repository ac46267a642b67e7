import { InvalidInputError } from "./errors.js";

/**
 * Reads the header of a serialized TensorContainer — the payload of a dmel chunk
 * (tinker-wire-spec.md §4.2) — without touching the tensor data: an optional constant-tensor
 * marker byte `0xFE`, a dtype byte (0–7), `ndim` as an unsigned LEB128 varint, then `ndim` varint
 * dimensions. Error messages are the Python SDK's (`types/_tensor_container.py`).
 */

const CONSTANT_TENSOR_MARKER = 254;
const MAX_DTYPE_BYTE = 7;

/**
 * Returns the tensor shape stored in a TensorContainer header.
 *
 * Dimensions beyond 2^53 − 1 lose precision (they never occur in practice).
 *
 * @throws InvalidInputError "TensorContainer bytes are empty", "Truncated TensorContainer header",
 *   "Unknown TensorContainer dtype byte: N" or "TensorContainer varint is too long".
 */
export function tensorContainerShape(bytes: Uint8Array): number[] {
  if (bytes.length === 0) throw new InvalidInputError("TensorContainer bytes are empty");
  let offset = 0;
  if (bytes[0] === CONSTANT_TENSOR_MARKER) {
    offset = 1;
    if (offset >= bytes.length) throw new InvalidInputError("Truncated TensorContainer header");
  }
  const dtype = bytes[offset]!;
  if (dtype > MAX_DTYPE_BYTE) throw new InvalidInputError(`Unknown TensorContainer dtype byte: ${dtype}`);
  offset += 1;
  const [ndim, afterNdim] = readVarint(bytes, offset);
  offset = afterNdim;
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) {
    const [dim, next] = readVarint(bytes, offset);
    shape.push(dim);
    offset = next;
  }
  return shape;
}

/**
 * Returns one dimension of a TensorContainer's shape (a dmel chunk's length is dimension 0).
 *
 * @throws InvalidInputError as {@link tensorContainerShape}, or
 *   "TensorContainer tensor has no dimension N".
 */
export function tensorContainerDim(bytes: Uint8Array, dim: number): number {
  const shape = tensorContainerShape(bytes);
  // Python indexing: negative dims count from the end.
  const size = shape[dim < 0 ? shape.length + dim : dim];
  if (size === undefined) throw new InvalidInputError(`TensorContainer tensor has no dimension ${dim}`);
  return size;
}

function readVarint(bytes: Uint8Array, start: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let offset = start;
  for (;;) {
    if (offset >= bytes.length) throw new InvalidInputError("Truncated TensorContainer header");
    const byte = bytes[offset]!;
    offset += 1;
    // Multiplication instead of `<<` so that values past 2^31 stay correct.
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, offset];
    shift += 7;
    if (shift > 63) throw new InvalidInputError("TensorContainer varint is too long");
  }
}
