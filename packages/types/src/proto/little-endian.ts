import { InvalidInputError } from "../errors.js";

/**
 * Numeric protobuf `bytes` fields are raw little-endian arrays (tinker-wire-spec.md §5.1). Typed
 * arrays use the host's byte order, so on a little-endian host (every platform Node and the
 * browsers ship on today) a typed array's memory *is* the wire form and is used without copying.
 * A big-endian host gets byte-swapped copies instead; the `hostLittleEndian` parameters exist so
 * that tests can run that path on a little-endian machine.
 */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed arrays whose elements travel as little-endian bytes. */
export type NumericArray = Int32Array | Float32Array | BigInt64Array | Uint16Array;

function swapBytes(bytes: Uint8Array, elementSize: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let start = 0; start < bytes.byteLength; start += elementSize) {
    for (let i = 0; i < elementSize; i++) out[start + i] = bytes[start + elementSize - 1 - i]!;
  }
  return out;
}

/**
 * The little-endian bytes of `array`: a view of its memory on a little-endian host, a byte-swapped
 * copy on a big-endian one.
 */
export function littleEndianBytes(array: NumericArray, hostLittleEndian = HOST_LITTLE_ENDIAN): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return hostLittleEndian ? bytes : swapBytes(bytes, array.BYTES_PER_ELEMENT);
}

interface ElementKind<T> {
  name: string;
  size: number;
  view(buffer: ArrayBufferLike, byteOffset: number, length: number): T;
}

const INT32: ElementKind<Int32Array> = {
  name: "int32",
  size: 4,
  view: (buffer, byteOffset, length) => new Int32Array(buffer, byteOffset, length),
};
const FLOAT32: ElementKind<Float32Array> = {
  name: "float32",
  size: 4,
  view: (buffer, byteOffset, length) => new Float32Array(buffer, byteOffset, length),
};
const INT64: ElementKind<BigInt64Array> = {
  name: "int64",
  size: 8,
  view: (buffer, byteOffset, length) => new BigInt64Array(buffer, byteOffset, length),
};
const UINT16: ElementKind<Uint16Array> = {
  name: "uint16",
  size: 2,
  view: (buffer, byteOffset, length) => new Uint16Array(buffer, byteOffset, length),
};

/**
 * Reads little-endian elements. On a little-endian host the result views `bytes`' buffer when
 * `bytes` starts at a multiple of the element size (typed arrays require that alignment), and
 * views a copy otherwise; a big-endian host always gets a byte-swapped copy.
 */
function read<T>(kind: ElementKind<T>, bytes: Uint8Array, path: string, hostLittleEndian: boolean): T {
  if (bytes.byteLength % kind.size !== 0) {
    throw new InvalidInputError(
      `Malformed protobuf payload: ${path} holds ${bytes.byteLength} bytes, which is not a whole number ` +
        `of ${kind.name} values (${kind.size} bytes each). The message is corrupt or was written for a ` +
        "different dtype.",
      { path },
    );
  }
  let source = bytes;
  if (!hostLittleEndian) source = swapBytes(bytes, kind.size);
  else if (bytes.byteOffset % kind.size !== 0) {
    // A fresh Uint8Array starts at offset 0 of its own buffer. `bytes.slice()` would not do: on a
    // Node Buffer it returns a view of the same (unaligned) memory.
    source = new Uint8Array(bytes.byteLength);
    source.set(bytes);
  }
  return kind.view(source.buffer, source.byteOffset, source.byteLength / kind.size);
}

/** int32 values from little-endian bytes (no copy when aligned on a little-endian host). */
export function readInt32(
  bytes: Uint8Array,
  path: string,
  hostLittleEndian = HOST_LITTLE_ENDIAN,
): Int32Array {
  return read(INT32, bytes, path, hostLittleEndian);
}

/** float32 values from little-endian bytes (no copy when aligned on a little-endian host). */
export function readFloat32(
  bytes: Uint8Array,
  path: string,
  hostLittleEndian = HOST_LITTLE_ENDIAN,
): Float32Array {
  return read(FLOAT32, bytes, path, hostLittleEndian);
}

/** int64 values from little-endian bytes (no copy when aligned on a little-endian host). */
export function readInt64(
  bytes: Uint8Array,
  path: string,
  hostLittleEndian = HOST_LITTLE_ENDIAN,
): BigInt64Array {
  return read(INT64, bytes, path, hostLittleEndian);
}

/** uint16 words (bfloat16 bit patterns) from little-endian bytes. */
export function readUint16(
  bytes: Uint8Array,
  path: string,
  hostLittleEndian = HOST_LITTLE_ENDIAN,
): Uint16Array {
  return read(UINT16, bytes, path, hostLittleEndian);
}

/** Widens int32 values to int64 (a new array). */
export function widenInt32(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  return out;
}

/**
 * Widens bfloat16 bit patterns to float32 (a new array): a bfloat16 is the upper half of a
 * float32, so the widening is exact.
 */
export function widenBfloat16(words: Uint16Array): Float32Array {
  const out = new Float32Array(words.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < words.length; i++) bits[i] = words[i]! << 16;
  return out;
}
