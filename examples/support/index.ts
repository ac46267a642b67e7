/**
 * Shared plumbing of the tinker-ts examples, the demo and the smoke run: where to connect
 * (tinker-local in-process, or the service named by `TINKER_API_KEY`), the offline Qwen3
 * tokenizer cache, and the animal-facts dataset.
 */
export {
  ANIMAL_FACTS_PATH,
  endOfSequenceId,
  loadAnimalFacts,
  type QaPair,
  sharedPhrase,
  supervisedDatum,
  type TokenizedPair,
  tokenizePair,
  words,
} from "./dataset.js";
export { QWEN3_TOKENIZER_REPOS, seedQwen3TokenizerCache } from "./hub-cache.js";
export { isMain, runMain } from "./main.js";
export {
  BASE_MODEL,
  describeModel,
  type ExampleSession,
  type ExampleSessionOptions,
  LEARNING_RATES,
  openExampleSession,
} from "./session.js";
export { LOCAL_API_KEY, openTarget, type Target, type TargetOptions } from "./target.js";
