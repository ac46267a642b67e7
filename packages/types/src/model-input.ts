/**
 * In-memory forms of the Tinker model input chunks and `ModelInput` (tinker-wire-spec.md §4.2).
 * Field names and the `type` discriminator are the wire's. Token ids are `Int32Array` (the
 * protobuf encoding is int32 little-endian); binary payloads are `Uint8Array` (base64 in JSON).
 */

/** Image formats accepted by image chunks. */
export type ImageFormat = "png" | "jpeg";

/** A run of token ids. Its length is the number of tokens. */
export interface EncodedTextChunk {
  type: "encoded_text";
  /** Token ids, int32. */
  tokens: Int32Array;
}

/** An inline image. Its length is `expected_tokens`, which must be set to know the length. */
export interface ImageChunk {
  type: "image";
  /** Encoded image bytes (base64 on the JSON wire). */
  data: Uint8Array;
  format: ImageFormat;
  /** Number of tokens the image occupies in the model's context. */
  expected_tokens?: number;
}

/** A reference to an image stored elsewhere. Sampling only: training rejects it. */
export interface ImageAssetPointerChunk {
  type: "image_asset_pointer";
  format: ImageFormat;
  /** Where the image is stored. */
  location: string;
  /** Number of tokens the image occupies in the model's context. */
  expected_tokens?: number;
}

/** A serialized TensorContainer (audio features); its length is the header's `shape[0]`. */
export interface DmelChunk {
  type: "dmel";
  /** TensorContainer bytes (base64 on the JSON wire). */
  dmel: Uint8Array;
}

/** One chunk of a model input, discriminated by `type`. */
export type ModelInputChunk = EncodedTextChunk | ImageChunk | ImageAssetPointerChunk | DmelChunk;

/** The input sequence of a datum or a sampling prompt: an ordered list of chunks. */
export interface ModelInput {
  chunks: ModelInputChunk[];
}
