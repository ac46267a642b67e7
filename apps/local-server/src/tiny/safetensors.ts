import { InvalidInputError } from "@tinker-ts/types";

/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON mapping each tensor name to `{ dtype, shape, data_offsets }`
 * (byte offsets into the data section, end exclusive) plus an optional string map
 * `__metadata__`, then the raw little-endian tensor data. The header is padded with spaces to a
 * multiple of 8 bytes so that the data section is aligned.
 */

/** A float tensor: F32 from a Float32Array, F64 from a Float64Array; row-major `shape`. */
export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array | Float64Array;
}

/** A decoded file. */
export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Encodes tensors (in the order given) and string metadata as one safetensors file. */
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
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
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
 * @throws InvalidInputError (path `file`) when the header is truncated or not JSON, a tensor
 *   has another dtype, or its offsets do not match its shape or lie outside the file.
 */
export function decodeSafetensors(bytes: Uint8Array, file = "adapter_model.safetensors"): SafetensorsFile {
  const bad = (why: string) =>
    new InvalidInputError(`${file} is not a valid safetensors file: ${why}.`, { path: file });
  if (bytes.length < 8) throw bad("it is shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw bad("the header length exceeds the file");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw bad("the header is not JSON");
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as {
      dtype?: string;
      shape?: number[];
      data_offsets?: number[];
    };
    if (dtype !== "F32" && dtype !== "F64")
      throw bad(`tensor ${name} has dtype ${dtype}; only F32 and F64 are read`);
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

// DataView accessors are explicit about byte order, so files are the same on every host.
function writeLittleEndian(data: Float32Array | Float64Array, view: DataView, at: number): void {
  if (data instanceof Float32Array)
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
  else for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i]!, true);
}

function readLittleEndian(view: DataView, at: number, out: Float32Array | Float64Array): void {
  if (out instanceof Float32Array)
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(at + 4 * i, true);
  else for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(at + 8 * i, true);
}
