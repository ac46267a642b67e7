import { InvalidInputError } from "../errors.js";
import type {
  SampledSequence,
  SampleResponse,
  StopReason,
  TopkPromptLogprobs,
  TopkSampledLogprobs,
} from "../results.js";
import {
  type SampledSequence as SampledSequenceMessage,
  SampleResponseSchema,
  type Tensor,
  type TopkLogprobs,
  StopReason as WireStopReason,
} from "./gen/tinker_public_pb.js";
import { littleEndianBytes, readFloat32, readInt32 } from "./little-endian.js";
import { parseMessage } from "./parse.js";
import { decodeTensor, tensorNode } from "./tensor.js";
import { MessageNode } from "./wire-writer.js";

/** SampleResponse ↔ protobuf (tinker-wire-spec.md §5.4, with the fields Python SDK 0.38.0 added). */

const INT32_MAX = 2 ** 31 - 1;

interface TopkMatrices {
  token_ids: Int32Array;
  logprobs: Float32Array;
  k: number;
  length: number;
}

/** Reads a top-k message; `undefined` unless both the row count and k are positive. */
function decodeTopk(topk: TopkLogprobs, path: string): TopkMatrices | undefined {
  const { k, length } = topk;
  if (k === 0 || length === 0) return undefined;
  const cells = k * length;
  const token_ids = readInt32(topk.tokenIds, `${path}.token_ids`);
  const logprobs = readFloat32(topk.logprobs, `${path}.logprobs`);
  if (token_ids.length < cells || logprobs.length < cells) {
    throw new InvalidInputError(
      `Malformed protobuf SampleResponse: ${path} declares ${length} rows of k = ${k} but holds ` +
        `${token_ids.length} token ids and ${logprobs.length} logprobs.`,
      { path },
    );
  }
  return { token_ids: token_ids.subarray(0, cells), logprobs: logprobs.subarray(0, cells), k, length };
}

function stopReasonOf(value: WireStopReason, path: string): StopReason {
  if (value === WireStopReason.STOP) return "stop";
  if (value === WireStopReason.LENGTH) return "length";
  throw new InvalidInputError(
    `Malformed protobuf SampleResponse: unknown stop_reason ${value} at ${path} (known: STOP=0, LENGTH=1).`,
    { path },
  );
}

function decodeSequence(sequence: SampledSequenceMessage, path: string): SampledSequence {
  const decoded: SampledSequence = {
    stop_reason: stopReasonOf(sequence.stopReason, `${path}.stop_reason`),
    tokens: readInt32(sequence.tokens, `${path}.tokens`),
  };
  if (sequence.logprobs !== undefined && sequence.logprobs.byteLength > 0) {
    decoded.logprobs = readFloat32(sequence.logprobs, `${path}.logprobs`);
  }
  const topk =
    sequence.topkSampledLogprobs && decodeTopk(sequence.topkSampledLogprobs, `${path}.topk_sampled_logprobs`);
  if (topk !== undefined) decoded.topk_logprobs = topk;
  return decoded;
}

function requiredTensor(tensor: Tensor | undefined, path: string) {
  if (tensor === undefined) {
    throw new InvalidInputError(`Malformed protobuf SampleResponse: ${path} is missing.`, { path });
  }
  return decodeTensor(tensor, path);
}

/**
 * Decodes the protobuf result of `sample` / `compute_logprobs` (tinker-wire-spec.md §5.4, as
 * Python SDK 0.38.0's `response_conv.py` reads it).
 *
 * - `stop_reason` 0 → `"stop"`, 1 → `"length"`; `tokens` int32; `logprobs` float32, only when
 *   the bytes are non-empty.
 * - `prompt_logprobs` float32 (NaN where there is no value), only when non-empty.
 * - `topk_prompt_logprobs` only when present with `prompt_length > 0` and `k > 0`: row-major
 *   (N, k) int32 / float32 matrices.
 * - 0.38.0 additions, with the same rules: a sequence's `topk_sampled_logprobs` becomes
 *   `topk_logprobs`; `target_prompt_logprobs` and `prompt_alt_tokens` become TensorData
 *   (int32 → int64, bfloat16 → float32).
 *
 * Arrays view `bytes` when their offsets are aligned (so the result keeps `bytes` alive) and are
 * copied otherwise.
 *
 * @throws InvalidInputError for malformed bytes, an unknown stop reason, a byte length that is not
 *   a whole number of elements, top-k matrices smaller than declared, or an invalid tensor.
 */
export function decodeSampleResponse(bytes: Uint8Array): SampleResponse {
  const message = parseMessage(SampleResponseSchema, bytes);
  const response: SampleResponse = {
    sequences: message.sequences.map((sequence, i) => decodeSequence(sequence, `sequences[${i}]`)),
    prompt_cache_hit_tokens: message.promptCacheHitTokens,
  };
  if (message.promptLogprobs !== undefined && message.promptLogprobs.byteLength > 0) {
    response.prompt_logprobs = readFloat32(message.promptLogprobs, "prompt_logprobs");
  }
  const topk = message.topkPromptLogprobs && decodeTopk(message.topkPromptLogprobs, "topk_prompt_logprobs");
  if (topk !== undefined) {
    const { length, ...matrices } = topk;
    response.topk_prompt_logprobs = { ...matrices, prompt_length: length };
  }
  if (message.targetPromptLogprobs !== undefined) {
    response.target_prompt_logprobs = decodeTensor(message.targetPromptLogprobs, "target_prompt_logprobs");
  }
  if (message.promptAltTokens !== undefined) {
    response.prompt_alt_tokens = {
      tokens: requiredTensor(message.promptAltTokens.tokens, "prompt_alt_tokens.tokens"),
      logprobs: requiredTensor(message.promptAltTokens.logprobs, "prompt_alt_tokens.logprobs"),
    };
  }
  return response;
}

function typedArray<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
  what: string,
  path: string,
): T {
  if (value instanceof type) return value;
  throw new InvalidInputError(`${path} must be ${what}.`, { path });
}

function topkNode(topk: TopkPromptLogprobs | TopkSampledLogprobs, rows: number, path: string): MessageNode {
  const tokenIds = typedArray(topk.token_ids, Int32Array, "an Int32Array", `${path}.token_ids`);
  const logprobs = typedArray(topk.logprobs, Float32Array, "a Float32Array", `${path}.logprobs`);
  const { k } = topk;
  for (const [name, value] of [
    ["k", k],
    ["rows", rows],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 2 ** 32 - 1) {
      throw new InvalidInputError(`${path} ${name} must be a uint32, got ${value}.`, { path });
    }
  }
  if (tokenIds.length !== k * rows || logprobs.length !== k * rows) {
    throw new InvalidInputError(
      `${path} must hold ${rows} × ${k} cells, got ${tokenIds.length} token ids and ${logprobs.length} logprobs.`,
      { path },
    );
  }
  const node = new MessageNode();
  if (tokenIds.length > 0) node.bytes(1, littleEndianBytes(tokenIds));
  if (logprobs.length > 0) node.bytes(2, littleEndianBytes(logprobs));
  if (k !== 0) node.uint(3, k);
  if (rows !== 0) node.uint(4, rows);
  return node;
}

function sequenceNode(sequence: SampledSequence, path: string): MessageNode {
  const node = new MessageNode();
  if (sequence.stop_reason === "length") node.uint(1, WireStopReason.LENGTH);
  else if (sequence.stop_reason !== "stop") {
    throw new InvalidInputError(`${path}.stop_reason must be "stop" or "length".`, {
      path: `${path}.stop_reason`,
    });
  }
  const tokens = typedArray(sequence.tokens, Int32Array, "an Int32Array", `${path}.tokens`);
  if (tokens.length > 0) node.bytes(2, littleEndianBytes(tokens));
  if (sequence.logprobs !== undefined) {
    node.bytes(
      3,
      littleEndianBytes(typedArray(sequence.logprobs, Float32Array, "a Float32Array", `${path}.logprobs`)),
    );
  }
  if (sequence.topk_logprobs !== undefined) {
    const topk = sequence.topk_logprobs;
    node.message(4, topkNode(topk, topk.length, `${path}.topk_logprobs`));
  }
  return node;
}

/**
 * Encodes a SampleResponse as protobuf, as a Tinker server returns it (tinker-wire-spec.md §5.4;
 * the local server's side of {@link decodeSampleResponse}). Optional arrays are written when
 * defined (an empty one reads back as absent); `prompt_cache_hit_tokens` when non-zero.
 *
 * @throws InvalidInputError for an unknown stop reason, arrays of the wrong type, top-k matrices
 *   whose size is not rows × k, a negative or non-int32 `prompt_cache_hit_tokens`, or an invalid
 *   tensor.
 */
export function encodeSampleResponse(response: SampleResponse): Uint8Array {
  const root = new MessageNode();
  response.sequences.forEach((sequence, i) => {
    root.message(1, sequenceNode(sequence, `sequences[${i}]`));
  });
  if (response.prompt_logprobs !== undefined) {
    root.bytes(
      2,
      littleEndianBytes(
        typedArray(response.prompt_logprobs, Float32Array, "a Float32Array", "prompt_logprobs"),
      ),
    );
  }
  if (response.topk_prompt_logprobs !== undefined) {
    const topk = response.topk_prompt_logprobs;
    root.message(3, topkNode(topk, topk.prompt_length, "topk_prompt_logprobs"));
  }
  const cacheHits = response.prompt_cache_hit_tokens;
  if (!Number.isInteger(cacheHits) || cacheHits < 0 || cacheHits > INT32_MAX) {
    throw new InvalidInputError(`prompt_cache_hit_tokens must be a non-negative int32, got ${cacheHits}.`, {
      path: "prompt_cache_hit_tokens",
    });
  }
  if (cacheHits !== 0) root.uint(4, cacheHits);
  if (response.target_prompt_logprobs !== undefined) {
    root.message(5, tensorNode(response.target_prompt_logprobs, "target_prompt_logprobs"));
  }
  if (response.prompt_alt_tokens !== undefined) {
    const alt = response.prompt_alt_tokens;
    root.message(
      6,
      new MessageNode()
        .message(1, tensorNode(alt.tokens, "prompt_alt_tokens.tokens"))
        .message(2, tensorNode(alt.logprobs, "prompt_alt_tokens.logprobs")),
    );
  }
  return root.serialize();
}
