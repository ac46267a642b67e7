import { resolveHubSettings } from "./hub/settings.js";
import { type LoadTokenizerOptions, loadTokenizer } from "./load.js";
import { resolveTokenizerRepo } from "./resolve-id.js";
import type { Tokenizer } from "./tokenizer.js";

/** Loaded tokenizers kept by {@link getTokenizer}: 32, the size of the Python SDK's `lru_cache`. */
export const TOKENIZER_CACHE_SIZE = 32;

/** Loads (or loading) tokenizers in least-recently-used order: the first key is the oldest. */
const cache = new Map<string, Promise<Tokenizer>>();

/** Options of {@link getTokenizer}. */
export interface GetTokenizerOptions extends LoadTokenizerOptions {
  /**
   * The `tokenizer_id` of the model's `get_info` (already cut at `:`, see `tokenizerIdFromGetInfo`);
   * without it the name rules of tinker-wire-spec.md §8.11 apply.
   */
  tokenizerId?: string | undefined;
}

/**
 * The tokenizer of a Tinker base model, as `TrainingClient.get_tokenizer()` /
 * `SamplingClient.get_tokenizer()` load it (tinker-wire-spec.md §8.11, §9.5): the repository and
 * revision come from {@link resolveTokenizerRepo}, the files from the Hub cache (see
 * `loadTokenizer`). Results are kept in an LRU of {@link TOKENIZER_CACHE_SIZE} entries keyed by
 * repository, revision, endpoint and cache directory; concurrent calls share one load, and a failed
 * load is not kept. A tokenizer pushed out of the LRU has its `encodeBatch` workers stopped (it
 * stays usable).
 *
 * @param modelName base model name, for example `Qwen/Qwen3-8B` or `meta-llama/Llama-3.1-8B:peft`.
 * @throws the errors of `resolveTokenizerRepo` and `loadTokenizer`.
 */
export async function getTokenizer(modelName: string, options: GetTokenizerOptions = {}): Promise<Tokenizer> {
  const { repoId, revision } = resolveTokenizerRepo(modelName, options.tokenizerId);
  const settings = resolveHubSettings(options);
  const key = [settings.endpoint, settings.cacheDir, repoId, revision ?? "main"].join("\u0000");
  const cached = cache.get(key);
  if (cached) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const loading = loadTokenizer({ repoId, revision }, options);
  cache.set(key, loading);
  loading.catch(() => {
    if (cache.get(key) === loading) cache.delete(key);
  });
  while (cache.size > TOKENIZER_CACHE_SIZE) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, Promise<Tokenizer>];
    cache.delete(oldestKey);
    oldest.then((tokenizer) => tokenizer.close()).catch(() => undefined);
  }
  return loading;
}

/** Empties the {@link getTokenizer} cache and stops the worker threads of the tokenizers in it. */
export async function clearTokenizerCache(): Promise<void> {
  const entries = [...cache.values()];
  cache.clear();
  await Promise.all(
    entries.map((entry) => entry.then((tokenizer) => tokenizer.close()).catch(() => undefined)),
  );
}
