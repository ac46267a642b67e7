/**
 * Minimal safetensors writer (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header mapping tensor names to dtype/shape/byte offsets (plus string
 * `__metadata__`), then the raw little-endian tensor bytes.
 */

/** A float32 tensor to store. */
export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

/** Serializes float32 tensors and string metadata as a safetensors file. */
export function encodeSafetensors(
  tensors: Record<string, F32Tensor>,
  metadata: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensor.data.byteLength;
    header[name] = { dtype: "F32", shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The format asks for the header to be padded with spaces to an 8-byte boundary.
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const tensor of Object.values(tensors)) {
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), cursor);
    cursor += tensor.data.byteLength;
  }
  return out;
}

/** Reads the `__metadata__` of a safetensors file (undefined when it is not one). */
export function readSafetensorsMetadata(file: Uint8Array): Record<string, string> | undefined {
  if (file.length < 8) return undefined;
  const length = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  if (length > file.length - 8) return undefined;
  try {
    const header = JSON.parse(Buffer.from(file.subarray(8, 8 + length)).toString("utf8"));
    return header.__metadata__ ?? {};
  } catch {
    return undefined;
  }
}
