import { readdirSync, readFileSync } from "node:fs";
import type { Datum } from "../datum.js";
import type { ModelInputChunk } from "../model-input.js";
import type { ForwardBackwardOutput, SampledSequence, SampleResponse } from "../results.js";
import type { TensorData } from "../tensor-data.js";
import type { ForwardBackwardProtoRequest } from "./forward-backward-request.js";

/**
 * Loads the protobuf vectors of fixtures/wire/proto/ (see its README) and turns their plain JSON
 * values into the in-memory types.
 */

const FIXTURE_DIR = new URL("../../../../fixtures/wire/proto/", import.meta.url);

/** A JSON number, or "NaN". */
type JsonNumber = number | "NaN";

export interface JsonTensor {
  dtype: "float32" | "int64";
  data: JsonNumber[];
  shape?: number[];
  sparse_crow_indices?: number[];
  sparse_col_indices?: number[];
}

type JsonChunk =
  | { type: "encoded_text"; tokens: number[] }
  | { type: "image"; data_hex: string; format: "png" | "jpeg"; expected_tokens?: number }
  | { type: "dmel"; dmel_hex: string };

interface JsonTopk {
  token_ids: number[];
  logprobs: JsonNumber[];
  k: number;
  length?: number;
  prompt_length?: number;
}

export interface Fixture {
  file: string;
  source: string;
  message: "ForwardBackwardRequest" | "ForwardBackwardOutput" | "SampleResponse";
  description: string;
  hex: string;
  hex_sorted_maps?: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON whose shape depends on `message`; converted below.
  value?: any;
  python_views?: {
    prompt_logprobs: Array<JsonNumber | null> | null;
    topk_prompt_logprobs: Array<Array<[number, JsonNumber]> | null> | null;
    sequences: Array<{
      tokens: number[];
      logprobs: JsonNumber[] | null;
      topk_logprobs: Array<Array<[number, JsonNumber]> | null> | null;
    }>;
  };
  proto_text?: string;
}

/** Every fixture file, parsed. */
export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((file) => ({ file, ...JSON.parse(readFileSync(new URL(file, FIXTURE_DIR), "utf8")) }));
}

/** One fixture by file name. */
export function loadFixture(file: string): Fixture {
  const fixture = loadFixtures().find((candidate) => candidate.file === file);
  if (fixture === undefined) throw new Error(`no fixture ${file}`);
  return fixture;
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Replaces "NaN" by NaN. */
export function numbers(values: readonly JsonNumber[]): number[] {
  return values.map((value) => (value === "NaN" ? Number.NaN : value));
}

export function tensor(json: JsonTensor): TensorData {
  const fields: Partial<TensorData> = {};
  if (json.shape !== undefined) fields.shape = json.shape;
  if (json.sparse_crow_indices !== undefined) {
    fields.sparse_crow_indices = BigInt64Array.from(json.sparse_crow_indices, BigInt);
    fields.sparse_col_indices = BigInt64Array.from(json.sparse_col_indices ?? [], BigInt);
  }
  return json.dtype === "float32"
    ? { ...fields, dtype: "float32", data: Float32Array.from(numbers(json.data)) }
    : { ...fields, dtype: "int64", data: BigInt64Array.from(numbers(json.data), BigInt) };
}

function chunk(json: JsonChunk): ModelInputChunk {
  switch (json.type) {
    case "encoded_text":
      return { type: "encoded_text", tokens: Int32Array.from(json.tokens) };
    case "image": {
      const image: ModelInputChunk = { type: "image", data: fromHex(json.data_hex), format: json.format };
      if (json.expected_tokens !== undefined) image.expected_tokens = json.expected_tokens;
      return image;
    }
    case "dmel":
      return { type: "dmel", dmel: fromHex(json.dmel_hex) };
  }
}

function entries<T>(record: Record<string, T>, sortKeys: boolean): Array<[string, T]> {
  const list = Object.entries(record);
  return sortKeys ? list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : list;
}

/**
 * The in-memory request of a fixture value. With `sortKeys`, map-like objects get their keys in
 * sorted order, which is the order of Python's deterministic serialization (`hex_sorted_maps`).
 */
export function request(
  // biome-ignore lint/suspicious/noExplicitAny: fixture JSON.
  json: any,
  sortKeys = false,
): ForwardBackwardProtoRequest {
  const data: Datum[] = json.data.map(
    // biome-ignore lint/suspicious/noExplicitAny: fixture JSON.
    (datum: any): Datum => ({
      model_input: { chunks: datum.model_input.chunks.map(chunk) },
      loss_fn_inputs: Object.fromEntries(
        entries<JsonTensor>(datum.loss_fn_inputs, sortKeys).map(([name, value]) => [name, tensor(value)]),
      ),
    }),
  );
  const out: ForwardBackwardProtoRequest = {
    model_id: json.model_id,
    seq_id: json.seq_id,
    data,
    loss_fn: json.loss_fn,
    forward_only: json.forward_only,
  };
  if (json.loss_fn_config !== undefined) {
    out.loss_fn_config = Object.fromEntries(entries(json.loss_fn_config, sortKeys));
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: fixture JSON.
export function forwardBackwardOutput(json: any): ForwardBackwardOutput {
  return {
    loss_fn_output_type: json.loss_fn_output_type,
    loss_fn_outputs: json.loss_fn_outputs.map((datum: Record<string, JsonTensor>) =>
      Object.fromEntries(Object.entries(datum).map(([name, value]) => [name, tensor(value)])),
    ),
    metrics: Object.fromEntries(
      Object.entries(json.metrics as Record<string, JsonNumber>).map(([key, value]) => [
        key,
        numbers([value])[0] as number,
      ]),
    ),
  };
}

function topk(json: JsonTopk) {
  return {
    token_ids: Int32Array.from(json.token_ids),
    logprobs: Float32Array.from(numbers(json.logprobs)),
    k: json.k,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: fixture JSON.
export function sampleResponse(json: any): SampleResponse {
  const response: SampleResponse = {
    // biome-ignore lint/suspicious/noExplicitAny: fixture JSON.
    sequences: json.sequences.map((sequence: any): SampledSequence => {
      const out: SampledSequence = {
        stop_reason: sequence.stop_reason,
        tokens: Int32Array.from(sequence.tokens),
      };
      if (sequence.logprobs !== undefined) out.logprobs = Float32Array.from(numbers(sequence.logprobs));
      if (sequence.topk_logprobs !== undefined) {
        out.topk_logprobs = { ...topk(sequence.topk_logprobs), length: sequence.topk_logprobs.length };
      }
      return out;
    }),
    prompt_cache_hit_tokens: json.prompt_cache_hit_tokens,
  };
  if (json.prompt_logprobs !== undefined)
    response.prompt_logprobs = Float32Array.from(numbers(json.prompt_logprobs));
  if (json.topk_prompt_logprobs !== undefined) {
    response.topk_prompt_logprobs = {
      ...topk(json.topk_prompt_logprobs),
      prompt_length: json.topk_prompt_logprobs.prompt_length,
    };
  }
  if (json.target_prompt_logprobs !== undefined)
    response.target_prompt_logprobs = tensor(json.target_prompt_logprobs);
  if (json.prompt_alt_tokens !== undefined) {
    response.prompt_alt_tokens = {
      tokens: tensor(json.prompt_alt_tokens.tokens),
      logprobs: tensor(json.prompt_alt_tokens.logprobs),
    };
  }
  return response;
}
