import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import type { TokenizerBackend, WorkerSpec } from "./backend.js";
import { describeCause, TokenizerFormatError } from "./errors.js";

/** A parsed `tokenizer_config.json`: only the fields read here are typed. */
export interface TokenizerConfig {
  bos_token?: SpecialTokenValue;
  eos_token?: SpecialTokenValue;
  pad_token?: SpecialTokenValue;
  unk_token?: SpecialTokenValue;
  additional_special_tokens?: SpecialTokenValue[];
  chat_template?: string | Array<{ name: string; template: string }>;
  clean_up_tokenization_spaces?: boolean;
  tokenizer_class?: string;
  auto_map?: Record<string, unknown>;
  added_tokens_decoder?: Record<string, { content: string; special?: boolean }>;
  [key: string]: unknown;
}

/** A special token in tokenizer_config.json: a string, or an AddedToken object with `content`. */
export type SpecialTokenValue = string | { content: string } | null;

/** The token string of a config entry, if set. */
export function specialTokenContent(value: SpecialTokenValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : value.content;
}

/**
 * A `tokenizer.json` tokenizer run by @huggingface/tokenizers, for every layout the library reads
 * (normalizers, pre-tokenizers, models, post-processors and decoders are all the library's). Its ids
 * are those of the Rust `tokenizers` library (checked against it over fixtures/tokenizer/corpus.json).
 */
export class HfBackend implements TokenizerBackend {
  readonly vocabSize: number;
  readonly workerSpec: WorkerSpec;
  readonly #tokenizer: HfTokenizer;
  readonly #cleanUpSpaces: boolean;

  /**
   * @param tokenizerJson parsed tokenizer.json.
   * @param config parsed tokenizer_config.json (`{}` when the repository has none).
   * @param source the tokenizer.json path workers re-read, or undefined to hand them the object.
   * @throws TokenizerFormatError when the tokenizer cannot be built from these files.
   */
  constructor(tokenizerJson: unknown, config: TokenizerConfig, source: string | undefined) {
    if (typeof tokenizerJson !== "object" || tokenizerJson === null || !("model" in tokenizerJson)) {
      throw new TokenizerFormatError("tokenizer.json is not a tokenizer: it has no `model` object.", {
        filename: "tokenizer.json",
      });
    }
    try {
      this.#tokenizer = new HfTokenizer(tokenizerJson, config);
    } catch (error) {
      throw new TokenizerFormatError(`tokenizer.json cannot be loaded: ${describeCause(error)}`, {
        filename: "tokenizer.json",
        cause: error,
      });
    }
    const modelType = (tokenizerJson as { model: { type?: unknown } }).model.type;
    // transformers 5 ignores clean_up_tokenization_spaces for BPE models: the clean-up deletes real
    // spaces before punctuation, so decode(encode(text)) would not give the text back.
    this.#cleanUpSpaces = modelType !== "BPE" && config.clean_up_tokenization_spaces === true;
    this.vocabSize = this.#tokenizer.model?.vocab.length ?? 0;
    this.workerSpec = { kind: "hf", tokenizerJson: source ?? tokenizerJson, tokenizerConfig: config };
  }

  encode(text: string, addSpecialTokens: boolean): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    // The Rust tokenizers skip ids they do not know; @huggingface/tokenizers would fail on them.
    const known = ids.filter((id) => this.#tokenizer.id_to_token(id) !== undefined);
    if (known.length === 0) return "";
    return this.#tokenizer.decode(known, {
      skip_special_tokens: skipSpecialTokens,
      clean_up_tokenization_spaces: this.#cleanUpSpaces,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.#tokenizer.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.#tokenizer.id_to_token(id);
  }

  splitForWorker(text: string): string[] {
    return [text];
  }
}
