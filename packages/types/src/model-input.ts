import { InvalidInputError } from "./errors.js";
import { base64ToBytes, bytesToBase64 } from "./json/base64.js";
import type { WireModelInput, WireModelInputChunk } from "./schemas/model-input.js";
import { tensorContainerDim } from "./tensor-container.js";

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

/** Tokens are int32 on the protobuf wire (tinker-wire-spec.md §5.3). */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A model input with no chunks (`ModelInput.empty()`). */
export function emptyModelInput(): ModelInput {
  return { chunks: [] };
}

/**
 * A model input made of one `encoded_text` chunk holding `tokens` (`ModelInput.from_ints`).
 * An `Int32Array` is used as is (not copied); other inputs are copied into a new `Int32Array`.
 *
 * @throws InvalidInputError when a token is not an integer in the int32 range (the protobuf
 *   encoding is int32), naming its index.
 */
export function modelInputFromInts(tokens: Int32Array | ArrayLike<number> | Iterable<number>): ModelInput {
  return { chunks: [encodedTextChunk(tokens)] };
}

function encodedTextChunk(tokens: Int32Array | ArrayLike<number> | Iterable<number>): EncodedTextChunk {
  if (tokens instanceof Int32Array) return { type: "encoded_text", tokens };
  const values = Array.from(tokens as ArrayLike<number>);
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const token = values[i]!;
    if (!Number.isInteger(token) || token < INT32_MIN || token > INT32_MAX) {
      throw new InvalidInputError(`tokens[${i}] is ${token}; token ids must be integers in the int32 range`, {
        path: `tokens[${i}]`,
      });
    }
    out[i] = token;
  }
  return { type: "encoded_text", tokens: out };
}

/**
 * All token ids of a text-only model input, in order (`ModelInput.to_ints`), as a new `Int32Array`.
 *
 * @throws InvalidInputError when a chunk is not `encoded_text` (images and audio have no token ids).
 */
export function modelInputToInts(input: ModelInput): Int32Array {
  let total = 0;
  for (const [i, chunk] of input.chunks.entries()) {
    if (chunk.type !== "encoded_text") {
      throw new InvalidInputError(
        `modelInputToInts only supports encoded_text chunks, but chunk ${i} is "${chunk.type}"`,
        { path: `chunks[${i}]` },
      );
    }
    total += chunk.tokens.length;
  }
  const out = new Int32Array(total);
  let offset = 0;
  for (const chunk of input.chunks as EncodedTextChunk[]) {
    out.set(chunk.tokens, offset);
    offset += chunk.tokens.length;
  }
  return out;
}

/**
 * Number of context positions (tokens) a chunk occupies (tinker-wire-spec.md §4.2): the token
 * count of text, `expected_tokens` of an image or image pointer, and dimension 0 of a dmel chunk's
 * TensorContainer header.
 *
 * @throws InvalidInputError when an image chunk has no `expected_tokens`, or the dmel header is
 *   malformed (the messages are the Python SDK's).
 */
export function chunkLength(chunk: ModelInputChunk): number {
  switch (chunk.type) {
    case "encoded_text":
      return chunk.tokens.length;
    case "image":
    case "image_asset_pointer":
      if (chunk.expected_tokens === undefined) {
        const name = chunk.type === "image" ? "ImageChunk" : "ImageAssetPointerChunk";
        throw new InvalidInputError(`${name} expected_tokens needs to be set in order to compute the length`);
      }
      return chunk.expected_tokens;
    case "dmel":
      return tensorContainerDim(chunk.dmel, 0);
  }
}

/**
 * Total length in tokens of a model input (`ModelInput.length`): the sum of {@link chunkLength}.
 *
 * @throws InvalidInputError as {@link chunkLength}.
 */
export function modelInputLength(input: ModelInput): number {
  let total = 0;
  for (const chunk of input.chunks) total += chunkLength(chunk);
  return total;
}

/** A new model input with `chunk` appended (`ModelInput.append`); the input is not modified. */
export function modelInputAppend(input: ModelInput, chunk: ModelInputChunk): ModelInput {
  return { chunks: [...input.chunks, chunk] };
}

/**
 * A new model input with one token appended as a chunk of its own (`ModelInput.append_int`; the
 * Python SDK does not merge it into the last text chunk, and neither do we, so the wire bytes
 * match).
 *
 * @throws InvalidInputError when the token is not an int32 integer.
 */
export function modelInputAppendInt(input: ModelInput, token: number): ModelInput {
  return modelInputAppend(input, encodedTextChunk([token]));
}

/**
 * The JSON form of a model input (tinker-wire-spec.md §4.2): token arrays become number arrays and
 * bytes become base64 text. {@link encodeRequestBody} does this itself; this is for callers that
 * need the plain object.
 */
export function modelInputToWire(input: ModelInput): WireModelInput {
  return { chunks: input.chunks.map(chunkToWire) };
}

function chunkToWire(chunk: ModelInputChunk): WireModelInputChunk {
  if (chunk.type === "encoded_text") return { tokens: Array.from(chunk.tokens), type: "encoded_text" };
  if (chunk.type === "dmel") return { dmel: bytesToBase64(chunk.dmel), type: "dmel" };
  const expected = chunk.expected_tokens === undefined ? {} : { expected_tokens: chunk.expected_tokens };
  if (chunk.type === "image") {
    return { data: bytesToBase64(chunk.data), format: chunk.format, ...expected, type: "image" };
  }
  return { format: chunk.format, location: chunk.location, ...expected, type: "image_asset_pointer" };
}

/**
 * The in-memory form of a model input parsed from JSON (for example by `ModelInputSchema.parse`):
 * tokens become an `Int32Array`, base64 becomes `Uint8Array`. A null `expected_tokens` is dropped.
 *
 * @throws InvalidInputError when a token is outside the int32 range or base64 text is invalid.
 */
export function modelInputFromWire(input: WireModelInput): ModelInput {
  return { chunks: input.chunks.map(chunkFromWire) };
}

function chunkFromWire(chunk: WireModelInputChunk, i: number): ModelInputChunk {
  if (chunk.type === "encoded_text") return encodedTextChunk(chunk.tokens);
  if (chunk.type === "dmel") return { type: "dmel", dmel: decodeBase64(chunk.dmel, `chunks[${i}].dmel`) };
  const expected = chunk.expected_tokens == null ? {} : { expected_tokens: chunk.expected_tokens };
  if (chunk.type === "image") {
    return {
      type: "image",
      data: decodeBase64(chunk.data, `chunks[${i}].data`),
      format: chunk.format,
      ...expected,
    };
  }
  return { type: "image_asset_pointer", format: chunk.format, location: chunk.location, ...expected };
}

function decodeBase64(text: string, path: string): Uint8Array {
  const bytes = base64ToBytes(text);
  if (bytes === undefined) throw new InvalidInputError(`${path} is not valid base64`, { path });
  return bytes;
}
