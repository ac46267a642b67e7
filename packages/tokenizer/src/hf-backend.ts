import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import type { TokenizerBackend, WorkerSpec } from "./backend.js";
import { type BpeCore, type BpeCoreSpec, createBpeCore } from "./bpe-core.js";
import { describeCause, TokenizerFormatError } from "./errors.js";
import { translateTiktokenPattern } from "./tiktoken/translate-pattern.js";

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
 * A `tokenizer.json` tokenizer run by @huggingface/tokenizers, which produces the same ids as the
 * Rust `tokenizers` library (checked against it over fixtures/tokenizer/corpus.json).
 *
 * Byte-level BPE tokenizers of the modern layout (Qwen, Llama 3, DeepSeek: an optional NFC
 * normalizer, a `Split` regex then `ByteLevel` pre-tokenizer, plain added tokens) are encoded by
 * {@link createBpeCore} instead, about ten times faster on the benchmark corpus; the library still builds the tokenizer, decodes,
 * and encodes everything else. The same reference ids check both paths.
 */
export class HfBackend implements TokenizerBackend {
  readonly vocabSize: number;
  readonly workerSpec: WorkerSpec;
  readonly #tokenizer: HfTokenizer;
  readonly #cleanUpSpaces: boolean;
  readonly #fast: BpeCore | undefined;

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
    const fast = fastPathSpec(tokenizerJson as TokenizerJson, this.#tokenizer);
    this.#fast = fast && createBpeCore(fast);
    this.workerSpec = fast
      ? { kind: "core", core: fast }
      : { kind: "hf", tokenizerJson: source ?? tokenizerJson, tokenizerConfig: config };
  }

  encode(text: string, addSpecialTokens: boolean): number[] {
    if (this.#fast) {
      try {
        return this.#fast.encode(text, addSpecialTokens);
      } catch {
        // A merge whose result is not in the vocabulary (a malformed file): the library decides
        // what that becomes (the unknown token, or nothing).
      }
    }
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

/** The parts of tokenizer.json the fast path looks at. */
interface TokenizerJson {
  added_tokens?: Array<{
    id: number;
    content: string;
    lstrip?: boolean;
    rstrip?: boolean;
    single_word?: boolean;
    normalized?: boolean;
  }>;
  normalizer?: { type?: string } | null;
  pre_tokenizer?: {
    type?: string;
    pretokenizers?: Array<{
      type?: string;
      pattern?: { Regex?: string };
      behavior?: string;
      invert?: boolean;
      add_prefix_space?: boolean;
      use_regex?: boolean;
    }>;
  } | null;
  model: {
    type?: string;
    dropout?: number | null;
    byte_fallback?: boolean;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
    ignore_merges?: boolean;
    vocab?: Record<string, number>;
    merges?: Array<string | [string, string]>;
  };
}

/**
 * The {@link createBpeCore} spec of a tokenizer.json in the byte-level BPE layout it implements, or
 * undefined to leave the tokenizer to @huggingface/tokenizers. The ids the post-processor adds
 * around a text are read off the library's own encoding of a probe text.
 */
function fastPathSpec(json: TokenizerJson, library: HfTokenizer): BpeCoreSpec | undefined {
  const { model, normalizer, pre_tokenizer: pre } = json;
  const [split, byteLevel] = pre?.type === "Sequence" ? (pre.pretokenizers ?? []) : [];
  const layoutFits =
    model.type === "BPE" &&
    !model.dropout &&
    !model.byte_fallback &&
    !model.continuing_subword_prefix &&
    !model.end_of_word_suffix &&
    model.vocab !== undefined &&
    Array.isArray(model.merges) &&
    (!normalizer || normalizer.type === "NFC") &&
    pre?.pretokenizers?.length === 2 &&
    split?.type === "Split" &&
    split.behavior === "Isolated" &&
    !split.invert &&
    byteLevel?.type === "ByteLevel" &&
    !byteLevel.add_prefix_space &&
    byteLevel.use_regex === false &&
    (json.added_tokens ?? []).every((t) => !t.lstrip && !t.rstrip && !t.single_word && !t.normalized);
  const source = split?.pattern?.Regex;
  if (!layoutFits || source === undefined) return undefined;
  // Oniguruma constructs outside the Rust-regex subset the translator knows (POSIX brackets,
  // \h, \A, \z, \G, \x{…}, flag groups) stay with the library, which translates them itself.
  if (/\[:|\\[hHAzZGKRX]|\\x\{|\(\?(?![:=!]|<[=!]|i:)/.test(source)) return undefined;
  let pattern: string;
  try {
    pattern = translateTiktokenPattern(source);
  } catch {
    return undefined;
  }
  const probe = "a";
  const bare: number[] = library.encode(probe, { add_special_tokens: false }).ids;
  const full: number[] = library.encode(probe, { add_special_tokens: true }).ids;
  const at = full.findIndex((_id: number, i: number) =>
    bare.every((id: number, k: number) => full[i + k] === id),
  );
  if (at < 0) return undefined;
  return {
    kind: "merges",
    addedTokens: Object.fromEntries((json.added_tokens ?? []).map((t) => [t.content, t.id])),
    pattern,
    vocab: model.vocab!,
    merges: model.merges!.map((m) => (typeof m === "string" ? (m.split(" ", 2) as [string, string]) : m)),
    ignoreMerges: model.ignore_merges ?? false,
    nfc: normalizer?.type === "NFC",
    prefix: full.slice(0, at),
    suffix: full.slice(at + bare.length),
  };
}
