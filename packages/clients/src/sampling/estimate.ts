import type { ModelInput, ModelInputChunk } from "@tinker-ts/types";

/** Bytes assumed per prompt token by the dispatch estimate: 10 (tinker-wire-spec.md §9.2 step 1). */
export const ESTIMATED_BYTES_PER_TOKEN = 10;

/**
 * Estimated size in bytes of one chunk, as Python's `estimate_bytes_count_in_chunk`: text
 * tokens × 10, an image's byte length, an image pointer's location length, a dmel chunk's byte
 * length.
 */
export function estimateChunkBytes(chunk: ModelInputChunk): number {
  switch (chunk.type) {
    case "encoded_text":
      return chunk.tokens.length * ESTIMATED_BYTES_PER_TOKEN;
    case "image":
      return chunk.data.byteLength;
    case "image_asset_pointer":
      return chunk.location.length;
    case "dmel":
      return chunk.dmel.byteLength;
  }
}

/**
 * Estimated size in bytes of a sampling prompt (tinker-wire-spec.md §9.2 step 1): the sum of
 * {@link estimateChunkBytes}. It is charged against the dispatch byte budget and picks the 429
 * backoff (1 s up to 128 KiB, else 5 s).
 */
export function estimatePromptBytes(prompt: ModelInput): number {
  let total = 0;
  for (const chunk of prompt.chunks) total += estimateChunkBytes(chunk);
  return total;
}
