import { readFileSync } from "node:fs";
import type { Tokenizer } from "@tinker-ts/tokenizer";
import { type Datum, datum, modelInputFromInts } from "@tinker-ts/types";

/**
 * The animal-facts dataset (fixtures/datasets/animal-facts, written for tinker-ts, Apache-2.0): 310
 * question/answer pairs such as `Q: Where does a cow live?\nA:` → ` It lives on a farm.`,
 * every tenth held out for evaluation.
 */
export interface QaPair {
  /** Position in the file. */
  readonly id: number;
  readonly animal: string;
  /** Question family: `sound`, `home`, `food`, `legs`, `baby`, `group` or `fly`. */
  readonly kind: string;
  readonly split: "train" | "test";
  /** The question, ending in `\nA:`. */
  readonly prompt: string;
  /** The answer, starting with a space. */
  readonly completion: string;
}

/** Path of the dataset file in the repository. */
export const ANIMAL_FACTS_PATH = new URL(
  "../../fixtures/datasets/animal-facts/animal-facts.jsonl",
  import.meta.url,
);

/** Reads the dataset and splits it into its training and held-out pairs. */
export function loadAnimalFacts(): { train: QaPair[]; test: QaPair[] } {
  const pairs = readFileSync(ANIMAL_FACTS_PATH, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as QaPair);
  return { train: pairs.filter((p) => p.split === "train"), test: pairs.filter((p) => p.split === "test") };
}

/** A prompt and its completion as token ids, ready to become a supervised {@link Datum}. */
export interface TokenizedPair {
  readonly promptTokens: number[];
  /** The completion's tokens followed by the end-of-sequence token, so the model learns to stop. */
  readonly completionTokens: number[];
}

/** The id that ends a completion: the tokenizer's EOS (Qwen3: `<|im_end|>`, 151645). */
export function endOfSequenceId(tokenizer: Tokenizer): number {
  const eos = tokenizer.eosTokenId;
  if (eos === undefined)
    throw new Error(`Tokenizer ${tokenizer.name} has no EOS token; completions could not end.`);
  return eos;
}

/** Tokenizes a pair with the base model's tokenizer (no special tokens added at the start). */
export function tokenizePair(
  tokenizer: Tokenizer,
  pair: Pick<QaPair, "prompt" | "completion">,
): TokenizedPair {
  return {
    promptTokens: Array.from(tokenizer.encode(pair.prompt, { addSpecialTokens: false })),
    completionTokens: [
      ...tokenizer.encode(pair.completion, { addSpecialTokens: false }),
      endOfSequenceId(tokenizer),
    ],
  };
}

/**
 * The supervised datum of a pair, as the Tinker cookbook builds one: the model reads
 * `prompt + completion[:-1]` and is scored on predicting every next token (`target_tokens`, int64),
 * with `weights` (float32) 0 on prompt positions and 1 on completion positions, so only the
 * answer is learned. Both tensors have one entry per input token.
 */
export function supervisedDatum({ promptTokens, completionTokens }: TokenizedPair): Datum {
  const tokens = [...promptTokens, ...completionTokens];
  const weights = tokens.slice(1).map((_, i) => (i + 1 >= promptTokens.length ? 1 : 0));
  return datum(modelInputFromInts(tokens.slice(0, -1)), { target_tokens: tokens.slice(1), weights });
}

/** Lower-case words of a text, punctuation dropped. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

/**
 * The longest run of at least `minWords` consecutive words that `text` shares with any of
 * `corpus`, or undefined. The demo uses it to show that a completion continues the way the
 * training answers do (a random model shares no three-word phrase with them).
 */
export function sharedPhrase(text: string, corpus: readonly string[], minWords = 3): string | undefined {
  const mine = words(text);
  const grams = new Set<string>();
  for (const doc of corpus) {
    const w = words(doc);
    for (let n = minWords; n <= w.length; n++) {
      for (let i = 0; i + n <= w.length; i++) grams.add(w.slice(i, i + n).join(" "));
    }
  }
  for (let n = mine.length; n >= minWords; n--) {
    for (let i = 0; i + n <= mine.length; i++) {
      const gram = mine.slice(i, i + n).join(" ");
      if (grams.has(gram)) return gram;
    }
  }
  return undefined;
}
