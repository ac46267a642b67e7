import { Tiktoken } from "js-tiktoken/lite";
import type { TokenizerBackend, WorkerSpec } from "../backend.js";
import { BYTE_LEVEL_CHARS } from "../byte-level.js";
import { describeCause, TokenizerFormatError } from "../errors.js";
import { specialTokenContent, type TokenizerConfig } from "../hf-backend.js";
import { translateTiktokenPattern } from "./translate-pattern.js";

/** Special-token ids reserved after the base vocabulary when tokenization_kimi.py does not say. */
export const DEFAULT_NUM_RESERVED_SPECIAL_TOKENS = 256;

/** The Kimi tokenizer's special tokens when tokenizer_config.json lists no `additional_special_tokens`. */
const KIMI_DEFAULT_ADDITIONAL_SPECIAL_TOKENS = [
  "<|im_end|>",
  "<|im_user|>",
  "<|im_assistant|>",
  "<|start_header_id|>",
  "<|end_header_id|>",
  "[EOT]",
  "<|im_system|>",
  "<|im_middle|>",
];

/** tiktoken panics on very long inputs; the Kimi tokenizer encodes at most this many chars at a time. */
const MAX_ENCODE_CHARS = 400_000;
/** …and splits runs of more than this many consecutive whitespace or non-whitespace chars. */
const MAX_RUN_CHARS = 25_000;

/** Python's `str.isspace()` characters: bidirectional classes WS, B, S and category Zs. */
const PYTHON_SPACES = new Set(
  [
    [0x09, 0x0d],
    [0x1c, 0x20],
    [0x85, 0x85],
    [0xa0, 0xa0],
    [0x1680, 0x1680],
    [0x2000, 0x200a],
    [0x2028, 0x2029],
    [0x202f, 0x202f],
    [0x205f, 0x205f],
    [0x3000, 0x3000],
  ].flatMap(([from, to]) =>
    Array.from({ length: to! - from! + 1 }, (_, i) => String.fromCodePoint(from! + i)),
  ),
);

/** The inputs of a tiktoken tokenizer, as a Kimi repository provides them. */
export interface TiktokenFiles {
  /** Contents of `tiktoken.model`: one `<base64 token> <rank>` line per token. */
  tiktokenModel: string;
  /** Parsed tokenizer_config.json; its `added_tokens_decoder` names the special tokens. */
  config: TokenizerConfig;
  /** Pre-tokenizer pattern in tiktoken's (Rust regex) syntax. */
  patStr: string;
  numReservedSpecialTokens?: number | undefined;
}

/**
 * A tiktoken BPE tokenizer (Kimi K2 and later), built the way the Kimi repositories'
 * `tokenization_kimi.py` builds it: the ranks of `tiktoken.model`, the pattern `pat_str`, and
 * `num_reserved_special_tokens` special ids after the base vocabulary, named by
 * `added_tokens_decoder` (unnamed ones are `<|reserved_token_<id>|>`). Special tokens written in the
 * text are recognised, as with Kimi's default `allow_special_tokens=True`; no BOS/EOS is ever added.
 *
 * Encoding and decoding are js-tiktoken's. Its merge loop is quadratic in the length of one
 * pre-tokenizer piece, and the Kimi pattern keeps a run of one repeated character (spaces, letters,
 * punctuation, Han, emoji; digits excepted) as one piece, up to the 25 000 chars {@link splitLongRuns}
 * allows: such runs take seconds to minutes (README, "Performance"). No cut inside a run is known to
 * keep the ids, so none is made; ordinary text has short pieces and is not affected.
 */
export class TiktokenBackend implements TokenizerBackend {
  readonly vocabSize: number;
  readonly workerSpec: WorkerSpec;
  readonly #tiktoken: Tiktoken;
  readonly #tokens: string[];
  readonly #specialTokens: Record<string, number>;
  readonly #skipIds: ReadonlySet<number>;
  /** Rank of the one-byte token "a", put before the ids to decode (see decode); -1 if absent. */
  readonly #guardId: number;
  #byteLevelVocab: { idToToken: string[]; tokenToId: Map<string, number> } | undefined;

  /** @throws TokenizerFormatError for a malformed rank line or a pattern outside the supported syntax. */
  constructor(files: TiktokenFiles) {
    const tokens = parseRanks(files.tiktokenModel);
    this.#tokens = tokens;
    const numBase = tokens.length;
    const reserved = files.numReservedSpecialTokens ?? DEFAULT_NUM_RESERVED_SPECIAL_TOKENS;
    const named = new Map<number, string>();
    for (const [id, entry] of Object.entries(files.config.added_tokens_decoder ?? {})) {
      named.set(Number(id), entry.content);
    }
    const specials: Record<string, number> = {};
    for (let id = numBase; id < numBase + reserved; id++)
      specials[named.get(id) ?? `<|reserved_token_${id}|>`] = id;
    // Some Kimi revisions name a few ids past the reserved block: they are special tokens too.
    for (const [id, content] of named) if (id >= numBase + reserved) specials[content] = id;
    this.#specialTokens = specials;
    this.vocabSize = Math.max(numBase + reserved, ...Object.values(specials).map((id) => id + 1));

    let pattern: string;
    try {
      pattern = translateTiktokenPattern(files.patStr);
    } catch (error) {
      throw new TokenizerFormatError(`The tiktoken pattern cannot be used: ${describeCause(error)}`, {
        filename: "tokenization_kimi.py",
        cause: error,
      });
    }
    const bpe = {
      pat_str: pattern,
      // js-tiktoken tries special tokens in key order; longest first makes a token that extends
      // another win at the same position (tiktoken itself leaves that order unspecified).
      special_tokens: Object.fromEntries(Object.entries(specials).sort(([a], [b]) => b.length - a.length)),
      // js-tiktoken's rank format: lines of `<label> <first rank> <base64 token> …`.
      bpe_ranks: `tiktoken.model 0 ${tokens.join(" ")}`,
    };
    this.#tiktoken = new Tiktoken(bpe);
    this.#guardId = tokens.indexOf(Buffer.from("a").toString("base64"));
    this.workerSpec = { kind: "tiktoken", bpe };

    // skip_special_tokens in transformers skips the tokenizer's declared special tokens only.
    const config = files.config;
    const declared = [config.bos_token, config.eos_token, config.pad_token, config.unk_token]
      .map(specialTokenContent)
      .concat(
        (config.additional_special_tokens ?? KIMI_DEFAULT_ADDITIONAL_SPECIAL_TOKENS).map(specialTokenContent),
      );
    this.#skipIds = new Set(
      declared.flatMap((token) => (token !== undefined && token in specials ? [specials[token]!] : [])),
    );
  }

  encode(text: string): Int32Array {
    const ids: number[] = [];
    for (const piece of splitLongRuns(text)) {
      for (const id of this.#tiktoken.encode(piece, "all")) ids.push(id);
    }
    return Int32Array.from(ids);
  }

  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    const kept = skipSpecialTokens ? ids.filter((id) => !this.#skipIds.has(id)) : [...ids];
    // js-tiktoken decodes with a non-fatal TextDecoder: bytes cut inside a character become U+FFFD,
    // as with Python's errors="replace"; ids it does not know are skipped. That decoder also drops
    // a leading byte-order mark, which Python keeps: a leading "a" keeps the mark from leading.
    if (this.#guardId < 0) return this.#tiktoken.decode(kept);
    return this.#tiktoken.decode([this.#guardId, ...kept]).slice(1);
  }

  tokenToId(token: string): number | undefined {
    return this.#specialTokens[token] ?? this.#vocab().tokenToId.get(token);
  }

  idToToken(id: number): string | undefined {
    if (id >= this.#tokens.length) {
      return Object.entries(this.#specialTokens).find(([, special]) => special === id)?.[0];
    }
    return this.#vocab().idToToken[id];
  }

  splitForWorker(text: string): string[] {
    return splitLongRuns(text);
  }

  /** Token strings in GPT-2's byte-to-unicode form, which the Kimi tokenizer uses as its vocabulary. */
  #vocab() {
    if (!this.#byteLevelVocab) {
      const idToToken = this.#tokens.map((b64) =>
        Array.from(Buffer.from(b64, "base64"), (byte) => BYTE_LEVEL_CHARS[byte]).join(""),
      );
      this.#byteLevelVocab = { idToToken, tokenToId: new Map(idToToken.map((token, id) => [token, id])) };
    }
    return this.#byteLevelVocab;
  }
}

/** Reads `tiktoken.model`: the base64 tokens in rank order, ranks dense from 0. */
function parseRanks(model: string): string[] {
  const tokens: string[] = [];
  const lines = model.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const match = /^([A-Za-z0-9+/]+={0,2}) (\d+)$/.exec(line);
    if (!match || Number(match[2]) !== tokens.length) {
      throw new TokenizerFormatError(
        `tiktoken.model line ${i + 1} is not "<base64 token> <rank>" with ranks counting up from 0: ${line.slice(0, 80)}`,
        { filename: "tiktoken.model" },
      );
    }
    tokens.push(match[1]!);
  }
  if (tokens.length === 0)
    throw new TokenizerFormatError("tiktoken.model is empty.", { filename: "tiktoken.model" });
  return tokens;
}

/**
 * The Kimi tokenizer's guard against tiktoken's stack limits: slices of at most 400 000 chars, each
 * cut so that no piece holds more than 25 000 consecutive whitespace or non-whitespace chars.
 * Lengths count code points, as Python does.
 */
export function splitLongRuns(text: string): string[] {
  if (text.length <= MAX_RUN_CHARS) return [text];
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let sliceStart = 0; sliceStart < chars.length; sliceStart += MAX_ENCODE_CHARS) {
    const slice = chars.slice(sliceStart, sliceStart + MAX_ENCODE_CHARS);
    let runLength = 0;
    let inSpace = slice.length > 0 && PYTHON_SPACES.has(slice[0]!);
    let pieceStart = 0;
    for (let i = 0; i < slice.length; i++) {
      const isSpace = PYTHON_SPACES.has(slice[i]!);
      if (isSpace !== inSpace) {
        runLength = 1;
        inSpace = isSpace;
      } else if (++runLength > MAX_RUN_CHARS) {
        pieces.push(slice.slice(pieceStart, i).join(""));
        pieceStart = i;
        runLength = 1;
      }
    }
    pieces.push(slice.slice(pieceStart).join(""));
  }
  return pieces;
}
