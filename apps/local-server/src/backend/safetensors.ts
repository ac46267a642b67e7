import { InvalidInputError } from "@tinker-ts/types";

/**
 * The safetensors format (https://huggingface.co/docs/safetensors), shared by every backend for
 * the `adapter_model.safetensors` and `optimizer.safetensors` files of a checkpoint archive
 * (tinker-compute-semantics.md §8.3): an 8-byte little-endian header length N, N bytes of JSON
 * mapping each tensor name to `{ dtype, shape, data_offsets }` (byte offsets into the data
 * section, end exclusive) plus an optional string map `__metadata__`, then the raw little-endian
 * tensor data. The header is padded with spaces so that the data section starts at a multiple of
 * 8 bytes.
 */

/** A float tensor: F32 from a Float32Array, F64 from a Float64Array; row-major `shape`. */
export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array | Float64Array;
}

/** A decoded file. */
export interface SafetensorsFile {
  /** Tensors in file order. */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/**
 * Encodes tensors (in the order given) and string metadata as one safetensors file.
 * @returns the file's bytes: header plus 4 bytes per F32 and 8 bytes per F64 element.
 */
export function encodeSafetensors(
  tensors: ReadonlyArray<[name: string, tensor: SafetensorsTensor]>,
  metadata: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const bytes = tensor.data.byteLength;
    header[name] = {
      dtype: tensor.data instanceof Float32Array ? "F32" : "F64",
      shape: tensor.shape,
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  const encoder = new TextEncoder();
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (encoder.encode(json).length % 8)) % 8);
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const [, tensor] of tensors) {
    writeLittleEndian(tensor.data, view, cursor);
    cursor += tensor.data.byteLength;
  }
  return out;
}

/**
 * Decodes a safetensors file holding F32 and F64 tensors (each copied out of `bytes`).
 * @param file the file's name, used in error messages and as the error's `path`.
 * @throws InvalidInputError (path `file`) when the header is truncated or not a JSON object, the
 *   metadata is not a string map, a tensor has another dtype, or its offsets do not match its
 *   shape or lie outside the file.
 */
export function decodeSafetensors(bytes: Uint8Array, file = "adapter_model.safetensors"): SafetensorsFile {
  const bad = (why: string) =>
    new InvalidInputError(`${file} is not a valid safetensors file: ${why}.`, { path: file });
  if (bytes.length < 8) throw bad("it is shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw bad("the header length exceeds the file");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw bad("the header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw bad("the header is not a JSON object");
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!isStringMap(entry)) throw bad("__metadata__ is not a map of strings");
      metadata = entry;
      continue;
    }
    const { dtype, shape, data_offsets } = (entry ?? {}) as {
      dtype?: string;
      shape?: number[];
      data_offsets?: number[];
    };
    if (dtype !== "F32" && dtype !== "F64") {
      throw bad(`tensor ${name} has dtype ${dtype}; only F32 and F64 are read`);
    }
    if (!Array.isArray(shape) || !Array.isArray(data_offsets) || data_offsets.length !== 2) {
      throw bad(`tensor ${name} lacks shape or data_offsets`);
    }
    const [begin, end] = data_offsets as [number, number];
    const width = dtype === "F32" ? 4 : 8;
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * width || dataStart + end > bytes.length || begin < 0) {
      throw bad(`tensor ${name} has data_offsets that do not match its shape or the file`);
    }
    const data = dtype === "F32" ? new Float32Array(count) : new Float64Array(count);
    readLittleEndian(view, dataStart + begin, data);
    tensors.set(name, { shape: [...shape], data });
  }
  return { tensors, metadata };
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}

// DataView accessors are explicit about byte order, so files are the same on every host.
function writeLittleEndian(data: Float32Array | Float64Array, view: DataView, at: number): void {
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i]!, true);
  }
}

function readLittleEndian(view: DataView, at: number, out: Float32Array | Float64Array): void {
  if (out instanceof Float32Array) {
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(at + 4 * i, true);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(at + 8 * i, true);
  }
}
