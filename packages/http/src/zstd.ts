import { compress, decompress, init } from "@bokuweb/zstd-wasm";

// `init()` re-instantiates the binding's one wasm module, which corrupts work in flight, so it must
// run once per process, not once per importing module: tinker-local (apps/local-server
// src/http/body.ts) shares this key when both run in one process.
const zstdReadyKey = Symbol.for("tinker-ts.zstd-wasm.ready");

/** Loads the zstd WebAssembly module once per process. */
function ensureZstd(): Promise<void> {
  const shared = globalThis as { [zstdReadyKey]?: Promise<void> };
  shared[zstdReadyKey] ??= init();
  return shared[zstdReadyKey];
}

/**
 * zstd-compresses `data` as one frame at level 3 with the content size in the frame header and no
 * checksum — the frame python-zstandard's `ZstdCompressor().compress()` writes (0.38
 * `resources/training.py`, tinker-wire-spec.md §1.3 `Content-Encoding: zstd`).
 */
export async function zstdCompress(data: Uint8Array): Promise<Uint8Array> {
  await ensureZstd();
  return compress(data, 3);
}

const MAX_DECOMPRESSED_BYTES = 2 ** 31 - 1;

/**
 * Decompresses a zstd body. A frame that records its content size (what python-zstandard and
 * {@link zstdCompress} write) decompresses in one step; for a streamed frame without a size the
 * output buffer is grown (×4 from max(1 MiB, 8 × input)) until it fits. Concatenated frames are
 * only supported when the first frame does not record its size (a limit of the wasm binding,
 * which has no streaming API).
 *
 * @throws Error when the data is not valid zstd or decompresses to more than 2 GiB.
 */
export async function zstdDecompress(data: Uint8Array): Promise<Uint8Array> {
  const sized = frameRecordsContentSize(data);
  await ensureZstd();
  if (sized) {
    try {
      return decompress(data);
    } catch (error) {
      throw new Error(`zstd decompression failed: ${String(error)}`);
    }
  }
  let capacity = Math.max(1 << 20, data.byteLength * 8);
  for (;;) {
    try {
      // The binding uses defaultHeapSize only when the frame header carries no content size.
      return decompress(data, { defaultHeapSize: capacity });
    } catch (error) {
      if (capacity >= MAX_DECOMPRESSED_BYTES) throw new Error(`zstd decompression failed: ${String(error)}`);
      capacity = Math.min(capacity * 4, MAX_DECOMPRESSED_BYTES);
    }
  }
}

/**
 * Reads the first frame header (RFC 8878 §3.1.1): whether it records the content size.
 *
 * @throws Error when `data` does not start with the zstd magic number.
 */
function frameRecordsContentSize(data: Uint8Array): boolean {
  const magic = data.byteLength >= 5 ? new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true) : 0;
  if (magic !== 0xfd2fb528) throw new Error("zstd decompression failed: not a zstd frame");
  const descriptor = data[4] ?? 0;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  return fcsFlag !== 0 || singleSegment === 1;
}
