/**
 * What a tokenizer implementation provides to {@link Tokenizer}: @huggingface/tokenizers for
 * `tokenizer.json` repositories, js-tiktoken for Kimi's `tiktoken.model`.
 */
export interface TokenizerBackend {
  /** Token ids of `text`; special tokens written in the text are always recognised. */
  encode(text: string, addSpecialTokens: boolean): number[];
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
  /** Pieces a text is encoded in, separately and concatenated (Kimi splits very long runs). */
  splitForWorker(text: string): string[];
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
  | {
      /** A js-tiktoken `Tiktoken`, built from these constructor arguments. */
      kind: "tiktoken";
      /** js-tiktoken's `TiktokenBPE`: pattern (JavaScript RegExp source), special tokens, ranks. */
      bpe: { pat_str: string; special_tokens: Record<string, number>; bpe_ranks: string };
    };
