import type { Piece, RankEncoderSpec } from "./rank-encoder.js";

/**
 * What a tokenizer implementation provides to {@link Tokenizer}: @huggingface/tokenizers (with
 * tiktoken encoding where it gives the same ids) for `tokenizer.json` repositories, js-tiktoken for
 * Kimi's `tiktoken.model`.
 */
export interface TokenizerBackend {
  /** Token ids of `text` (a new array); special tokens written in the text are always recognised. */
  encode(text: string, addSpecialTokens: boolean): Int32Array;
  /** Text of `ids` (all valid, non-negative integers); ids unknown to the vocabulary are skipped. */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string;
  /** Id of a token string (a vocabulary entry or an added/special token). */
  tokenToId(token: string): number | undefined;
  /** Token string of an id. */
  idToToken(id: number): string | undefined;
  /** One more than the largest id, added tokens included. */
  readonly vocabSize: number;
  /** How a worker thread rebuilds the same library tokenizer for `encodeBatch`; see worker-source.ts. */
  readonly workerSpec: WorkerSpec;
  /**
   * `text` as a worker encodes it: strings encoded one by one and numbers kept as ids, all
   * concatenated (Kimi cuts very long runs; tiktoken-encoded tokenizer.json files split off added
   * and special tokens).
   */
  splitForWorker(text: string, addSpecialTokens: boolean): Piece[];
}

/** Plain data (structured-cloneable) from which a worker thread builds the same library tokenizer. */
export type WorkerSpec =
  | {
      /** An @huggingface/tokenizers `Tokenizer`. */
      kind: "hf";
      /** Path of tokenizer.json, or its parsed contents when it was passed in as an object. */
      tokenizerJson: string | object;
      tokenizerConfig: object;
    }
  | ({
      /**
       * A tiktoken (WebAssembly) `Tiktoken` for a tokenizer.json's model (see rank-encoder.ts), and
       * the @huggingface/tokenizers `Tokenizer`, built when a text first needs it.
       */
      kind: "ranks";
      tokenizerJson: string | object;
      tokenizerConfig: object;
    } & RankEncoderSpec)
  | {
      /** A js-tiktoken `Tiktoken`, built from these constructor arguments. */
      kind: "tiktoken";
      /** js-tiktoken's `TiktokenBPE`: pattern (JavaScript RegExp source), special tokens, ranks. */
      bpe: { pat_str: string; special_tokens: Record<string, number>; bpe_ranks: string };
    };
