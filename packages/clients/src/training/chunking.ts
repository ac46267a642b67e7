import type { Datum, ModelInputChunk, TensorData } from "@tinker-ts/types";

/** Bytes per token in the protobuf body: tokens travel as int32 (tinker-wire-spec.md §5.3, §8.2). */
const BYTES_PER_TOKEN = 4;
/** Bytes per CSR index: crow and col indices travel as int64. */
const BYTES_PER_SPARSE_INDEX = 8;

/** The limits that split a forward / forward_backward call (from the client config, §8.2). */
export interface ChunkLimits {
  /** `fwdbwd_max_chunk_len`: most datums per chunk (default 1024). */
  readonly maxDatums: number;
  /** `fwdbwd_max_chunk_bytes_count`: byte estimate a chunk may reach (default 5,000,000). */
  readonly maxBytes: number;
}

/** One chunk: a run of consecutive datums and its byte estimate. */
export interface DataChunk {
  readonly data: Datum[];
  readonly bytes: number;
}

function chunkBytes(chunk: ModelInputChunk): number {
  switch (chunk.type) {
    case "encoded_text":
      return chunk.tokens.length * BYTES_PER_TOKEN;
    case "image":
      return chunk.data.byteLength;
    case "image_asset_pointer":
      return chunk.location.length;
    case "dmel":
      return chunk.dmel.byteLength;
  }
}

function tensorBytes(tensor: TensorData): number {
  return (
    tensor.data.byteLength +
    BYTES_PER_SPARSE_INDEX *
      ((tensor.sparse_crow_indices?.length ?? 0) + (tensor.sparse_col_indices?.length ?? 0))
  );
}

/**
 * The protobuf byte estimate of one datum, as the Python SDK 0.38 computes it
 * (`_estimate_datum_bytes_count_proto`, tinker-wire-spec.md §8.2): 4 bytes per token, the image,
 * pointer and dmel payload lengths, the raw tensor bytes (4 per float32, 8 per int64 element) and
 * 8 bytes per sparse index.
 */
export function estimateDatumBytes(datum: Datum): number {
  let bytes = 0;
  for (const chunk of datum.model_input.chunks) bytes += chunkBytes(chunk);
  for (const tensor of Object.values(datum.loss_fn_inputs)) bytes += tensorBytes(tensor);
  return bytes;
}

/**
 * Splits `data` into chunks in order (tinker-wire-spec.md §8.2): a new chunk starts before a datum
 * when the current one is non-empty and the datum would take it past `maxBytes`, or when it already
 * holds `maxDatums` datums. A datum larger than `maxBytes` forms a chunk of its own.
 */
export function planChunks(data: readonly Datum[], limits: ChunkLimits): DataChunk[] {
  const chunks: DataChunk[] = [];
  let current: Datum[] = [];
  let currentBytes = 0;
  for (const datum of data) {
    const bytes = estimateDatumBytes(datum);
    if (
      (current.length > 0 && currentBytes + bytes > limits.maxBytes) ||
      current.length === limits.maxDatums
    ) {
      chunks.push({ data: current, bytes: currentBytes });
      current = [];
      currentBytes = 0;
    }
    current.push(datum);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push({ data: current, bytes: currentBytes });
  return chunks;
}
