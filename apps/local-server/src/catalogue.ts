/**
 * Base models the server offers (`get_server_capabilities`, `get_info`; tinker-wire-spec.md §4.5,
 * tinker-compute-semantics.md §9). `tokenizer_id` is what `get_info` reports in
 * `model_data.tokenizer_id`; the SDK loads that tokenizer (Llama 3 maps to the ungated copy).
 */
export interface BaseModelInfo {
  /** Name clients pass as `base_model`, for example `Qwen/Qwen3-8B`. */
  model_name: string;
  /** Context window in tokens (prompt + generated). */
  max_context_length: number;
  /** Hugging Face id of the tokenizer. */
  tokenizer_id: string;
  /** Architecture family reported in `get_info.model_data.arch`. */
  arch: string;
}

/** The default catalogue: the two models the SDK's examples use, plus two small ones. */
export const defaultCatalogue: readonly BaseModelInfo[] = [
  { model_name: "Qwen/Qwen3-8B", max_context_length: 32768, tokenizer_id: "Qwen/Qwen3-8B", arch: "qwen3" },
  {
    model_name: "meta-llama/Llama-3.1-8B",
    max_context_length: 131072,
    tokenizer_id: "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer",
    arch: "llama",
  },
  {
    model_name: "meta-llama/Llama-3.2-1B",
    max_context_length: 131072,
    tokenizer_id: "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer",
    arch: "llama",
  },
  {
    model_name: "Qwen/Qwen3-4B-Instruct-2507",
    max_context_length: 32768,
    tokenizer_id: "Qwen/Qwen3-4B-Instruct-2507",
    arch: "qwen3",
  },
];

/** Lookup over a catalogue. */
export class Catalogue {
  readonly models: readonly BaseModelInfo[];
  #byName: Map<string, BaseModelInfo>;

  constructor(models: readonly BaseModelInfo[]) {
    this.models = models;
    this.#byName = new Map(models.map((m) => [m.model_name, m]));
  }

  /** The model called `name`, if offered. */
  get(name: string): BaseModelInfo | undefined {
    return this.#byName.get(name);
  }
}
