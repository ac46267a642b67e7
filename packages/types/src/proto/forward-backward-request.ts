import type { Datum } from "../datum.js";
import { InvalidInputError } from "../errors.js";
import type { ImageFormat, ModelInputChunk } from "../model-input.js";
import type { TensorData } from "../tensor-data.js";
import {
  type Chunk,
  type Datum as DatumMessage,
  ForwardBackwardRequestSchema,
} from "./gen/tinker_public_pb.js";
import { littleEndianBytes, readInt32 } from "./little-endian.js";
import { parseMessage } from "./parse.js";
import { decodeTensor, tensorNode } from "./tensor.js";
import { MessageNode } from "./wire-writer.js";

/**
 * The body of `POST /api/v1/forward_backward` in memory (tinker-wire-spec.md §4.3, §5.3). Field
 * names are the wire's.
 */
export interface ForwardBackwardProtoRequest {
  /** Model (training run) the pass runs on. */
  model_id: string;
  /** Position of the call in the model's request order; the SDK sends request id + 1 (≥ 1). */
  seq_id: number;
  /** Training examples, in order. */
  data: Datum[];
  /** Loss function name, for example `cross_entropy` or `ppo`. */
  loss_fn: string;
  /**
   * Loss function settings, for example `{ clip_low_threshold: 0.8 }`. Text values are a 0.38.0
   * addition and travel only in `loss_fn_config_v2`.
   */
  loss_fn_config?: Record<string, number | string>;
  /** True for `forward()`: no backward pass, no gradient accumulation. */
  forward_only: boolean;
}

/** Options of {@link encodeForwardBackwardRequest}. */
export interface EncodeForwardBackwardRequestOptions {
  /**
   * Write `loss_fn_config` only to the legacy `map<string, double>` (field 5), as Python SDK
   * 0.25.0 did, instead of also writing `loss_fn_config_v2` (field 7) as 0.38.0 does. Text values
   * cannot be written this way. Default `false`.
   */
  legacyLossFnConfig?: boolean;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const IMAGE_FORMATS: readonly string[] = ["png", "jpeg"] satisfies ImageFormat[];

function tokenBytes(tokens: unknown, path: string): Uint8Array {
  if (tokens instanceof Int32Array) return littleEndianBytes(tokens);
  if (Array.isArray(tokens) || (ArrayBuffer.isView(tokens) && !(tokens instanceof DataView))) {
    const list = tokens as ArrayLike<unknown>;
    const out = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const token = list[i];
      const value = typeof token === "bigint" ? Number(token) : token;
      if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        throw new InvalidInputError(
          `Token ${String(token)} at ${path}[${i}] is not an int32; token ids must be integers in ` +
            `[${INT32_MIN}, ${INT32_MAX}].`,
          { path: `${path}[${i}]` },
        );
      }
      out[i] = value;
    }
    return littleEndianBytes(out);
  }
  throw new InvalidInputError(`${path} must be an Int32Array of token ids.`, { path });
}

function binary(value: unknown, path: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new InvalidInputError(`${path} must be a Uint8Array.`, { path });
}

function chunkNode(chunk: ModelInputChunk, path: string): MessageNode {
  const node = new MessageNode();
  switch (chunk.type) {
    case "encoded_text": {
      const tokens = tokenBytes(chunk.tokens, `${path}.tokens`);
      const text = new MessageNode();
      if (tokens.byteLength > 0) text.bytes(1, tokens);
      return node.message(1, text);
    }
    case "image": {
      const data = binary(chunk.data, `${path}.data`);
      if (!IMAGE_FORMATS.includes(chunk.format)) {
        throw new InvalidInputError(`${path}.format is "${chunk.format}"; use "png" or "jpeg".`, {
          path: `${path}.format`,
        });
      }
      const image = new MessageNode();
      if (data.byteLength > 0) image.bytes(1, data);
      image.string(2, chunk.format);
      if (chunk.expected_tokens !== undefined) {
        const expected = chunk.expected_tokens;
        if (!Number.isInteger(expected) || expected < 0 || expected > INT32_MAX) {
          throw new InvalidInputError(
            `${path}.expected_tokens must be a non-negative int32, got ${expected}.`,
            {
              path: `${path}.expected_tokens`,
            },
          );
        }
        image.uint(3, expected);
      }
      return node.message(2, image);
    }
    case "dmel": {
      const dmel = binary(chunk.dmel, `${path}.dmel`);
      const message = new MessageNode();
      if (dmel.byteLength > 0) message.bytes(1, dmel);
      return node.message(3, message);
    }
    default:
      throw new InvalidInputError(
        `Unsupported model input chunk type "${(chunk as { type: unknown }).type}" at ${path}: training ` +
          "accepts encoded_text, image and dmel chunks. Image pointers cannot be used in training; " +
          "send the image bytes as an ImageChunk instead.",
        { path },
      );
  }
}

function datumNode(datum: Datum, path: string): MessageNode {
  const node = new MessageNode();
  const chunks = datum.model_input?.chunks;
  if (!Array.isArray(chunks)) {
    throw new InvalidInputError(`${path}.model_input.chunks must be an array of chunks.`, {
      path: `${path}.model_input.chunks`,
    });
  }
  chunks.forEach((chunk, i) => {
    node.message(1, chunkNode(chunk, `${path}.model_input.chunks[${i}]`));
  });
  // Entries follow the object's own key order (insertion order; integer-like keys first, as for
  // every JavaScript object). Python writes hash order, which servers must not depend on.
  for (const [name, tensor] of Object.entries(datum.loss_fn_inputs ?? {})) {
    const tensorPath = `${path}.loss_fn_inputs.${name}`;
    node.mapEntry(2, name, (entry) => entry.message(2, tensorNode(tensor, tensorPath)));
  }
  return node;
}

function checkConfigValue(value: unknown, path: string, legacy: boolean): void {
  if (typeof value === "string" && !legacy) return;
  if (typeof value === "number" && Number.isFinite(value)) return;
  const expected = legacy
    ? "a finite number (text values need the 0.38.0 loss_fn_config_v2 encoding)"
    : "a finite number or a string";
  throw new InvalidInputError(`${path} is ${String(value)}; a loss_fn_config value must be ${expected}.`, {
    path,
  });
}

/**
 * Encodes a forward / forward_backward request as the protobuf body of
 * `POST /api/v1/forward_backward` (tinker-wire-spec.md §5.2, §5.3, as Python SDK 0.38.0 writes it).
 *
 * - Fields are written in field-number order; defaults (empty strings, `seq_id` 0,
 *   `forward_only` false) are left out as proto3 does.
 * - Tokens become int32 little-endian bytes; dense tensors their raw little-endian bytes in their
 *   dtype (always written, even when empty); `shape` only when the TensorData has one; CSR tensors
 *   their values in the declared dtype and int64 row pointers and column indices.
 * - ImageChunk writes `expected_tokens` only when set; DmelChunk writes its bytes unchanged.
 * - `loss_fn_inputs` map entries follow each object's key order, so encoding is deterministic
 *   (Python writes them in hash order; the §5.5 vector has `weights` before `target_tokens`).
 * - `loss_fn_config`: numbers go to `loss_fn_config` (doubles) and also to `loss_fn_config_v2`,
 *   text goes only to `loss_fn_config_v2`, as 0.38.0 does; see
 *   {@link EncodeForwardBackwardRequestOptions.legacyLossFnConfig} for the 0.25.0 form.
 *
 * The result is one buffer of exactly the serialized size; typed arrays are viewed as bytes and
 * copied once into it (on a little-endian host; a big-endian host byte-swaps). Compression
 * (`Content-Encoding: zstd`) is the transport's job.
 *
 * @throws InvalidInputError (with `path`, for example `data[3].model_input.chunks[1]`) for an
 *   image pointer chunk, a token outside int32, a tensor dtype other than float32/int64, a CSR
 *   tensor without column indices, data or shapes that do not match, a `seq_id` outside
 *   [0, 2^31 - 1], or a non-finite `loss_fn_config` value.
 */
export function encodeForwardBackwardRequest(
  request: ForwardBackwardProtoRequest,
  options: EncodeForwardBackwardRequestOptions = {},
): Uint8Array {
  return prepareForwardBackwardRequest(request, options).serialize();
}

/**
 * A forward_backward body that has been checked and measured but not yet written: it views the
 * request's typed arrays, so {@link PreparedForwardBackwardRequest.serialize} writes what they hold
 * at that moment.
 */
export interface PreparedForwardBackwardRequest {
  /** Exact size of the serialized body in bytes (before any compression). */
  readonly byteLength: number;
  /**
   * Writes the body into a new buffer of exactly {@link byteLength} bytes, from the arrays' current
   * contents; each call writes a new buffer.
   * @throws InvalidInputError when a typed array's ArrayBuffer was transferred (detached) since
   *   the request was prepared.
   */
  serialize(): Uint8Array;
  /**
   * Writes the body into the first {@link byteLength} bytes of `target` (a buffer reused between
   * requests: every one of those bytes is overwritten) and returns the view of them.
   * @throws RangeError when `target` is shorter than {@link byteLength}.
   * @throws InvalidInputError as {@link serialize} does.
   */
  serializeInto(target: Uint8Array): Uint8Array;
}

/**
 * Checks and measures a forward / forward_backward request as {@link encodeForwardBackwardRequest}
 * encodes it, without writing the body yet: every error that encoding can raise is raised here,
 * and typed arrays are viewed, not copied (plain arrays of tokens are converted now), so a caller
 * can validate at call time and write the bytes only when the request is sent. The body then
 * carries the arrays' contents at {@link PreparedForwardBackwardRequest.serialize} time.
 *
 * @throws InvalidInputError as {@link encodeForwardBackwardRequest} does.
 */
export function prepareForwardBackwardRequest(
  request: ForwardBackwardProtoRequest,
  options: EncodeForwardBackwardRequestOptions = {},
): PreparedForwardBackwardRequest {
  const legacy = options.legacyLossFnConfig ?? false;
  const { model_id, seq_id, data, loss_fn, loss_fn_config, forward_only } = request;
  if (typeof model_id !== "string")
    throw new InvalidInputError("model_id must be a string.", { path: "model_id" });
  if (typeof loss_fn !== "string")
    throw new InvalidInputError("loss_fn must be a string.", { path: "loss_fn" });
  if (!Number.isInteger(seq_id) || seq_id < 0 || seq_id > INT32_MAX) {
    throw new InvalidInputError(`seq_id must be an integer in [0, ${INT32_MAX}], got ${seq_id}.`, {
      path: "seq_id",
    });
  }
  if (!Array.isArray(data)) throw new InvalidInputError("data must be an array of Datum.", { path: "data" });
  const config = Object.entries(loss_fn_config ?? {});
  for (const [key, value] of config) checkConfigValue(value, `loss_fn_config.${key}`, legacy);

  const root = new MessageNode();
  if (model_id !== "") root.string(1, model_id);
  if (seq_id !== 0) root.uint(2, seq_id);
  data.forEach((datum, i) => {
    root.message(3, datumNode(datum, `data[${i}]`));
  });
  if (loss_fn !== "") root.string(4, loss_fn);
  for (const [key, value] of config) {
    if (typeof value === "number") root.mapEntry(5, key, (entry) => entry.double(2, value));
  }
  if (forward_only) root.uint(6, 1);
  if (!legacy) {
    for (const [key, value] of config) {
      const configValue = new MessageNode();
      if (typeof value === "number") configValue.double(1, value);
      else configValue.string(2, value);
      root.mapEntry(7, key, (entry) => entry.message(2, configValue));
    }
  }
  return {
    byteLength: root.byteLength(),
    serialize: () => root.serialize(),
    serializeInto: (target) => root.serializeInto(target),
  };
}

function decodeChunk(chunk: Chunk, path: string): ModelInputChunk {
  switch (chunk.chunk.case) {
    case "encodedText":
      return { type: "encoded_text", tokens: readInt32(chunk.chunk.value.tokens, `${path}.tokens`) };
    case "image": {
      const image = chunk.chunk.value;
      if (!IMAGE_FORMATS.includes(image.format)) {
        throw new InvalidInputError(`${path}.format is "${image.format}"; expected "png" or "jpeg".`, {
          path: `${path}.format`,
        });
      }
      const decoded: ModelInputChunk = {
        type: "image",
        data: image.data,
        format: image.format as ImageFormat,
      };
      if (image.expectedTokens !== undefined) decoded.expected_tokens = image.expectedTokens;
      return decoded;
    }
    case "dmel":
      return { type: "dmel", dmel: chunk.chunk.value.dmel };
    default:
      throw new InvalidInputError(`${path} is a Chunk with no content (none of encoded_text, image, dmel).`, {
        path,
      });
  }
}

function decodeDatum(datum: DatumMessage, path: string): Datum {
  const loss_fn_inputs: Record<string, TensorData> = {};
  for (const [name, tensor] of Object.entries(datum.lossFnInputs)) {
    loss_fn_inputs[name] = decodeTensor(tensor, `${path}.loss_fn_inputs.${name}`);
  }
  return {
    model_input: {
      chunks: datum.modelInput.map((chunk, i) => decodeChunk(chunk, `${path}.model_input.chunks[${i}]`)),
    },
    loss_fn_inputs,
  };
}

/**
 * Decodes a `POST /api/v1/forward_backward` protobuf body (the server side of
 * {@link encodeForwardBackwardRequest}; tinker-wire-spec.md §5.3).
 *
 * Token ids and tensors view `bytes` when their offsets are aligned (so the result keeps `bytes`
 * alive) and are copied otherwise; INT32 and BFLOAT16 tensors are widened to int64 and float32.
 * `loss_fn_config` merges the legacy map and `loss_fn_config_v2`, v2 winning on a shared key
 * (servers prefer v2); it is omitted when both are empty. The 0.38.0 provenance spans
 * (`model_input_spans`, `loss_fn_input_spans`) and `ImageChunk.override_dimensions` have no place
 * in the in-memory Datum and are not returned.
 *
 * @throws InvalidInputError for malformed bytes, a chunk with no content, an image format other
 *   than png/jpeg, an unsupported tensor dtype, or tensor data that does not match its shape.
 */
export function decodeForwardBackwardRequest(bytes: Uint8Array): ForwardBackwardProtoRequest {
  const message = parseMessage(ForwardBackwardRequestSchema, bytes);
  const request: ForwardBackwardProtoRequest = {
    model_id: message.modelId,
    seq_id: message.seqId,
    data: message.data.map((datum, i) => decodeDatum(datum, `data[${i}]`)),
    loss_fn: message.lossFn,
    forward_only: message.forwardOnly,
  };
  const config: Record<string, number | string> = { ...message.lossFnConfig };
  for (const [key, value] of Object.entries(message.lossFnConfigV2)) {
    if (value.value.case === undefined) {
      throw new InvalidInputError(`loss_fn_config_v2.${key} holds neither a number nor a text value.`, {
        path: `loss_fn_config_v2.${key}`,
      });
    }
    config[key] = value.value.value;
  }
  if (Object.keys(config).length > 0) request.loss_fn_config = config;
  return request;
}
