import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import type { TokenizerBackend, WorkerSpec } from "./backend.js";
import { describeCause, TokenizerFormatError } from "./errors.js";
import { type Piece, RankEncoder, rankLayoutOf } from "./rank-encoder.js";

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
 * Byte-level BPE models whose merges follow their ranks (Qwen, Llama 3) are encoded by tiktoken
 * instead, which gives the same ids faster (see {@link RankEncoder}); decoding stays the library's.
 */
export class HfBackend implements TokenizerBackend {
  readonly vocabSize: number;
  readonly workerSpec: WorkerSpec;
  readonly #tokenizer: HfTokenizer;
  readonly #ranks: RankEncoder | undefined;
  readonly #cleanUpSpaces: boolean;
  /** The files, for {@link HfBackend.#libraryEncoder}. */
  readonly #files: { json: object; config: TokenizerConfig };
  #encoder: HfTokenizer | undefined;

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
    this.#files = { json: tokenizerJson, config };
    this.#ranks = this.#rankEncoder();
    // With tiktoken encoding, this copy of the library only decodes and maps tokens to ids: it is
    // built without the merges, whose table (a JSON.stringify key per merge) takes most of its
    // build time, and never encodes (see #libraryEncoder).
    const libraryJson = this.#ranks
      ? { ...tokenizerJson, model: { ...(tokenizerJson as { model: object }).model, merges: [] } }
      : tokenizerJson;
    try {
      this.#tokenizer = new HfTokenizer(libraryJson, config);
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
    const library = { tokenizerJson: source ?? tokenizerJson, tokenizerConfig: config };
    this.workerSpec = this.#ranks
      ? { kind: "ranks", ...this.#ranks.spec, ...library }
      : { kind: "hf", ...library };
  }

  /** tiktoken encoding, when {@link rankLayoutOf} allows it and tiktoken takes the regex. */
  #rankEncoder(): RankEncoder | undefined {
    const layout = rankLayoutOf(this.#files.json, this.#files.config);
    try {
      return (
        layout &&
        new RankEncoder(
          layout,
          (segment) => this.#libraryEncoder().encode(segment, { add_special_tokens: false }).ids,
        )
      );
    } catch {
      // tiktoken's regex engine (fancy-regex) rejects a few patterns that the library's accepts,
      // such as lookbehinds of variable length: the library encodes those tokenizers.
      return undefined;
    }
  }

  /**
   * The library with its merges, to encode: the tokenizer itself, or, with tiktoken encoding, a
   * second copy built the first time a text holds a piece too long for tiktoken (RankEncoder).
   */
  #libraryEncoder(): HfTokenizer {
    if (!this.#ranks) return this.#tokenizer;
    this.#encoder ??= new HfTokenizer(this.#files.json, this.#files.config);
    return this.#encoder;
  }

  encode(text: string, addSpecialTokens: boolean): Int32Array {
    if (this.#ranks) return this.#ranks.encode(text, addSpecialTokens);
    return Int32Array.from(this.#tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids);
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

  splitForWorker(text: string, addSpecialTokens: boolean): Piece[] {
    return this.#ranks ? this.#ranks.pieces(text, addSpecialTokens) : [text];
  }
}
