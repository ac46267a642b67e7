import { Tiktoken } from "tiktoken/lite";
import { BYTE_OF_CODE_POINT } from "./byte-level.js";
import { translateTiktokenPattern } from "./tiktoken/translate-pattern.js";

/**
 * A piece of a text: a string for tiktoken, a token id that goes into the ids as it is, or
 * `{ library }`, text for the library to encode (it holds a piece too long for tiktoken).
 */
export type Piece = string | number | { library: string };

/** What tiktoken is built from: plain data, sent as it is to `encodeBatch` worker threads. */
export interface RankEncoderSpec {
  /** tiktoken's rank file: a `<base64 of the token's bytes> <id>` line per vocabulary token. */
  ranks: string;
  /** The pre-tokenizer's regex, in the Rust syntax that tokenizer.json and tiktoken's `pat_str` share. */
  pattern: string;
}

/**
 * Pre-tokenizer pieces longer than this many UTF-8 bytes are not given to tiktoken: its merge loop is
 * quadratic in a piece's length, and from about here on the library's (a heap) is faster (a run of
 * 1 000 Han characters, 3 000 bytes: 10 ms against 6 ms; of 4 000: 150 ms against 26 ms).
 */
export const MAX_TIKTOKEN_PIECE_BYTES = 2_048;

/** The ids a post-processor puts before and after a text when special tokens are added. */
interface Affixes {
  prefix: number[];
  suffix: number[];
}

/** What {@link RankEncoder} is built from, read from a tokenizer.json by {@link rankLayoutOf}. */
export interface RankLayout {
  spec: RankEncoderSpec;
  /** Added tokens by content; all are matched in the raw text. */
  added: ReadonlyMap<string, number>;
  /** Whether the text between added tokens is NFC-normalized. */
  nfc: boolean;
  affixes: Affixes;
}

/** The tokenizer.json fields read here, all optional: the file is checked, not trusted. */
interface TokenizerJsonFields {
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  post_processor?: unknown;
  added_tokens?: unknown;
  model?: unknown;
}

/**
 * Encodes a `tokenizer.json` byte-level BPE tokenizer with tiktoken (OpenAI's Rust BPE, as
 * WebAssembly, from the `tiktoken` package) where that gives the ids of the Rust `tokenizers`
 * library, and faster than @huggingface/tokenizers, which keeps decoding and everything else.
 *
 * tiktoken merges, at each step, the adjacent pair whose concatenation has the lowest id; the Rust
 * library merges the pair that comes first in `merges`. The two agree when every merge makes a
 * vocabulary token, merges come in the order of the ids they make, and every token of more than one
 * byte is made by a merge: tokenizers converted from tiktoken ranks, as Llama 3's and Qwen's are.
 * {@link rankLayoutOf} checks this and the rest of the layout. What the model does not do, this
 * class does as the Rust library does: added tokens are matched in the raw text (leftmost, longest
 * first), the text between them is NFC-normalized when the normalizer says so, and the
 * post-processor's special tokens go around the ids.
 */
export class RankEncoder {
  readonly spec: RankEncoderSpec;
  readonly #tiktoken: Tiktoken;
  readonly #addedIds: ReadonlyMap<string, number>;
  readonly #addedPattern: RegExp | undefined;
  readonly #nfc: boolean;
  readonly #affixes: Affixes;
  /** The pre-tokenizer regex in JavaScript, to find pieces too long for tiktoken. */
  readonly #piecePattern: RegExp;
  readonly #libraryIds: (text: string) => number[];

  /**
   * @param layout from {@link rankLayoutOf}.
   * @param libraryIds the library's ids of a normalized text without added tokens (no special
   *   tokens added), for text holding a piece longer than {@link MAX_TIKTOKEN_PIECE_BYTES}.
   * @throws Error when tiktoken rejects the regex, or it has no JavaScript translation.
   */
  constructor(layout: RankLayout, libraryIds: (text: string) => number[]) {
    this.spec = layout.spec;
    this.#piecePattern = new RegExp(translateTiktokenPattern(layout.spec.pattern), "gu");
    this.#libraryIds = libraryIds;
    // No special tokens of tiktoken's own: added tokens are split off before it sees the text.
    this.#tiktoken = new Tiktoken(layout.spec.ranks, {}, layout.spec.pattern);
    this.#addedIds = layout.added;
    // Longest first, so that the alternation takes the longest token at the leftmost match.
    const alternatives = [...layout.added.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.#addedPattern = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : undefined;
    this.#nfc = layout.nfc;
    this.#affixes = layout.affixes;
  }

  /** Token ids of `text`, with the post-processor's special tokens when `addSpecialTokens`. */
  encode(text: string, addSpecialTokens: boolean): Int32Array {
    const pieces = this.pieces(text, addSpecialTokens);
    if (pieces.length === 1 && typeof pieces[0] === "string") {
      // The common case, without a copy: ids are below 2^31, so the int32 view reads them as they are.
      const ids = this.#tiktoken.encode_ordinary(pieces[0]);
      return new Int32Array(ids.buffer, ids.byteOffset, ids.length);
    }
    return encodePieces(pieces, (piece) => this.#tiktoken.encode_ordinary(piece), this.#libraryIds);
  }

  /**
   * `text` as {@link encode} encodes it: the text between added tokens (normalized), the ids of the
   * added tokens, and the post-processor's ids around them. Workers encode the strings with a
   * tiktoken built from {@link spec}, keep the ids, and give `{ library }` text to the library.
   */
  pieces(text: string, addSpecialTokens: boolean): Piece[] {
    const pieces: Piece[] = addSpecialTokens ? [...this.#affixes.prefix] : [];
    let start = 0;
    const added = this.#addedPattern;
    if (added) {
      // exec, not matchAll: matchAll copies the RegExp, which costs more than the rest of a short text.
      added.lastIndex = 0;
      for (let match = added.exec(text); match; match = added.exec(text)) {
        if (match.index > start) this.#pushSegment(pieces, text.slice(start, match.index));
        pieces.push(this.#addedIds.get(match[0])!);
        start = match.index + match[0].length;
      }
    }
    if (start < text.length) this.#pushSegment(pieces, text.slice(start));
    if (addSpecialTokens) pieces.push(...this.#affixes.suffix);
    return pieces;
  }

  /** A text between added tokens, normalized: a string for tiktoken, or text for the library. */
  #pushSegment(pieces: Piece[], raw: string): void {
    const segment = this.#nfc ? raw.normalize("NFC") : raw;
    pieces.push(this.#hasLongPiece(segment) ? { library: segment } : segment);
  }

  #hasLongPiece(segment: string): boolean {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: shorter texts cannot hold a long piece.
    const minUnits = MAX_TIKTOKEN_PIECE_BYTES / 3;
    if (segment.length <= minUnits) return false;
    const pattern = this.#piecePattern;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(segment); match; match = pattern.exec(segment)) {
      const piece = match[0];
      if (piece.length > minUnits && Buffer.byteLength(piece) > MAX_TIKTOKEN_PIECE_BYTES) return true;
      if (piece === "") pattern.lastIndex++;
    }
    return false;
  }
}

/**
 * What {@link RankEncoder} needs from a parsed tokenizer.json, or undefined when its layout is not
 * one whose ids tiktoken is known to reproduce (the caller then encodes with the library):
 * - model: BPE without dropout, byte fallback or subword affixes; a vocabulary of byte-level
 *   tokens with distinct ids, all 256 bytes among them; merges that follow the ids (see
 *   {@link RankEncoder});
 * - normalizer: none or NFC; pre-tokenizer: a Split regex (`Isolated`), then ByteLevel without
 *   prefix space or regex of its own;
 * - post-processor: none, ByteLevel or TemplateProcessing, or a Sequence of them (fixed ids around
 *   the text);
 * - added tokens: none that strips spaces, matches single words only or is normalized;
 * - tokenizer_config.json: no text clean-up that @huggingface/tokenizers would do
 *   (`remove_space`, `do_lowercase_and_remove_accent`).
 */
export function rankLayoutOf(json: unknown, config: Record<string, unknown>): RankLayout | undefined {
  if (!isRecord(json) || config["remove_space"] || config["do_lowercase_and_remove_accent"]) return undefined;
  const fields = json as TokenizerJsonFields;
  const nfc = normalizerIsNfc(fields.normalizer);
  const pattern = splitPattern(fields.pre_tokenizer);
  const added = addedTokens(fields.added_tokens);
  const affixes = affixesOf(fields.post_processor, { prefix: [], suffix: [] });
  if (nfc === undefined || pattern === undefined || added === undefined || affixes === undefined) {
    return undefined;
  }
  const ranks = bpeRanks(fields.model);
  return ranks === undefined ? undefined : { spec: { ranks, pattern }, added, nfc, affixes };
}

/** The ids of `pieces`, in order: strings encoded by tiktoken, numbers as they are, `{ library }` by the library. */
function encodePieces(
  pieces: readonly Piece[],
  tiktoken: (text: string) => Uint32Array,
  library: (text: string) => number[],
): Int32Array {
  const parts = pieces.map((piece) =>
    typeof piece === "number"
      ? [piece]
      : typeof piece === "string"
        ? tiktoken(piece)
        : library(piece.library),
  );
  const ids = new Int32Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    ids.set(part, at);
    at += part.length;
  }
  return ids;
}

/** true for NFC, false for no normalizer, undefined for any other. */
function normalizerIsNfc(normalizer: unknown): boolean | undefined {
  if (normalizer === null || normalizer === undefined) return false;
  return isRecord(normalizer) && normalizer["type"] === "NFC" ? true : undefined;
}

/** The regex of a `Sequence[Split(Regex, Isolated), ByteLevel(no prefix space, no regex)]`. */
function splitPattern(preTokenizer: unknown): string | undefined {
  if (!isRecord(preTokenizer) || preTokenizer["type"] !== "Sequence") return undefined;
  const steps = preTokenizer["pretokenizers"];
  if (!Array.isArray(steps) || steps.length !== 2) return undefined;
  const [split, byteLevel] = steps as unknown[];
  if (!isRecord(split) || !isRecord(byteLevel)) return undefined;
  const pattern = isRecord(split["pattern"]) ? split["pattern"]["Regex"] : undefined;
  const isolated = split["type"] === "Split" && split["behavior"] === "Isolated" && split["invert"] === false;
  // Both ByteLevel options default to true in the Rust library: only an explicit false will do.
  const plainBytes =
    byteLevel["type"] === "ByteLevel" &&
    byteLevel["add_prefix_space"] === false &&
    byteLevel["use_regex"] === false;
  return isolated && plainBytes && typeof pattern === "string" ? pattern : undefined;
}

/**
 * The ids `processor` puts around a text that already has `inner` around it (the processors of a
 * Sequence apply in order), or undefined for a processor that does more than that.
 */
function affixesOf(processor: unknown, inner: Affixes): Affixes | undefined {
  if (processor === null || processor === undefined) return inner;
  if (!isRecord(processor)) return undefined;
  switch (processor["type"]) {
    case "ByteLevel": // Changes offsets only.
      return inner;
    case "TemplateProcessing":
      return templateAffixes(processor, inner);
    case "Sequence": {
      const steps = processor["processors"];
      if (!Array.isArray(steps)) return undefined;
      let affixes: Affixes | undefined = inner;
      for (const step of steps as unknown[]) {
        affixes = affixes && step !== null ? affixesOf(step, affixes) : undefined;
      }
      return affixes;
    }
    default:
      return undefined;
  }
}

/** A TemplateProcessing's `single` template: special tokens' ids, `$A` (the text), more ids. */
function templateAffixes(template: Record<string, unknown>, inner: Affixes): Affixes | undefined {
  const { single, special_tokens: specials } = template;
  if (!Array.isArray(single) || !isRecord(specials)) return undefined;
  const prefix: number[] = [];
  const suffix: number[] = [];
  let sequences = 0;
  for (const item of single as unknown[]) {
    if (!isRecord(item)) return undefined;
    if (isRecord(item["Sequence"]) && item["Sequence"]["id"] === "A") {
      sequences++;
      continue;
    }
    const name = isRecord(item["SpecialToken"]) ? item["SpecialToken"]["id"] : undefined;
    const special = typeof name === "string" && Object.hasOwn(specials, name) ? specials[name] : undefined;
    const ids = isRecord(special) ? special["ids"] : undefined;
    if (!Array.isArray(ids) || !ids.every(isId)) return undefined;
    (sequences === 0 ? prefix : suffix).push(...ids);
  }
  if (sequences !== 1) return undefined;
  return { prefix: [...prefix, ...inner.prefix], suffix: [...inner.suffix, ...suffix] };
}

/** Added tokens by content, when none needs more than an exact match in the raw text. */
function addedTokens(tokens: unknown): Map<string, number> | undefined {
  const added = new Map<string, number>();
  if (tokens === undefined) return added;
  if (!Array.isArray(tokens)) return undefined;
  for (const token of tokens as unknown[]) {
    if (!isRecord(token)) return undefined;
    const { content, id } = token;
    const exact =
      token["lstrip"] === false &&
      token["rstrip"] === false &&
      token["single_word"] === false &&
      token["normalized"] === false;
    if (!exact || typeof content !== "string" || content === "" || !isId(id)) return undefined;
    added.set(content, id);
  }
  return added;
}

/** tiktoken's rank file for a plain byte-level BPE model whose merges follow its ids, else undefined. */
function bpeRanks(model: unknown): string | undefined {
  if (!isRecord(model) || model["type"] !== "BPE" || !isRecord(model["vocab"])) return undefined;
  const plain =
    (model["dropout"] ?? null) === null &&
    !model["byte_fallback"] &&
    !model["continuing_subword_prefix"] &&
    !model["end_of_word_suffix"];
  if (!plain || !Array.isArray(model["merges"])) return undefined;
  const vocab = new Map<string, number>();
  const ids = new Set<number>();
  const lines: string[] = [];
  let bytes = Buffer.alloc(64);
  for (const [token, id] of Object.entries(model["vocab"])) {
    if (!isId(id) || ids.has(id) || token === "") return undefined;
    vocab.set(token, id);
    ids.add(id);
    if (token.length > bytes.length) bytes = Buffer.alloc(token.length * 2);
    for (let i = 0; i < token.length; i++) {
      const byte = BYTE_OF_CODE_POINT[token.charCodeAt(i)] ?? -1;
      if (byte < 0) return undefined;
      bytes[i] = byte;
    }
    lines.push(`${bytes.toString("base64", 0, token.length)} ${id}`);
  }
  // A byte-level char is one byte: the 256 bytes are the one-char tokens, which no merge makes.
  const oneByte = [...vocab.keys()].filter((token) => token.length === 1).length;
  return oneByte === 256 && mergesFollowIds(vocab, model["merges"]) ? lines.join("\n") : undefined;
}

/**
 * Whether every merge makes a vocabulary token, merges come in the order of those tokens' ids, and
 * every token longer than one byte is made by some merge (the condition in {@link RankEncoder}).
 */
function mergesFollowIds(vocab: ReadonlyMap<string, number>, merges: unknown[]): boolean {
  const made = new Set<number>();
  let previous = -1;
  for (const merge of merges) {
    const id = vocab.get(mergedToken(merge) ?? "");
    if (id === undefined || id < previous) return false;
    previous = id;
    made.add(id);
  }
  for (const [token, id] of vocab) if (token.length > 1 && !made.has(id)) return false;
  return true;
}

/** The token a merge makes: `["left", "right"]` or `"left right"` (byte-level tokens hold no space). */
function mergedToken(merge: unknown): string | undefined {
  if (Array.isArray(merge)) return merge.length === 2 ? `${merge[0]}${merge[1]}` : undefined;
  if (typeof merge !== "string") return undefined;
  const space = merge.indexOf(" ");
  const pair = space > 0 && space < merge.length - 1 && !merge.includes(" ", space + 1);
  return pair ? merge.slice(0, space) + merge.slice(space + 1) : undefined;
}

function isId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 31;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}
