import { access } from "node:fs/promises";
import { join } from "node:path";
import type { HubOptions } from "@tinker-ts/tokenizer";
import type { Catalogue } from "./catalogue.js";
import type { TinyDecoder } from "./tiny/backend.js";

/**
 * Where tinker-local finds the tokenizers of its base models. The tiny backend needs one to match
 * stop strings against sampled text (tinker-compute-semantics.md §6.2); everything else works
 * without.
 */
export interface TokenizerSettings {
  /**
   * A folder of local tokenizers, looked at before the Hub cache: the tokenizer of a base model is
   * read from `<directory>/<tokenizer repo id>/` (tokenizer.json, tokenizer_config.json), the repo
   * id being the catalogue's `tokenizer_id` resolved as the SDK does (tinker-wire-spec.md §8.11),
   * for example `<directory>/Qwen/Qwen3-8B/` or
   * `<directory>/thinkingmachineslabinc/meta-llama-3-instruct-tokenizer/`.
   */
  directory?: string;
  /**
   * Hugging Face Hub settings (`cacheDir`, `offline`, `endpoint`, `token`, `env`); each defaults to
   * its environment variable (`HF_HUB_CACHE` / `HF_HOME`, `HF_HUB_OFFLINE`, `HF_ENDPOINT`,
   * `HF_TOKEN`). Not offline, a tokenizer missing from the cache is downloaded.
   */
  hub?: HubOptions;
}

/**
 * A `loadDecoder` for the tiny backend (see `TinyBackendOptions`): loads a base model's tokenizer
 * through @tinker-ts/tokenizer, from `settings.directory` when it has the tokenizer, else with
 * `getTokenizer` from the Hub cache, and returns its `decode`.
 *
 * @returns a loader that rejects with an Error saying what failed and how to make the tokenizer
 *   available (cache, offline mode, directory).
 */
export function tokenizerDecoderLoader(
  settings: TokenizerSettings,
  catalogue: Catalogue,
): (baseModel: string) => Promise<TinyDecoder> {
  return async (baseModel) => {
    // Loaded on first use: the tokenizer stack is only needed for stop strings, not to start.
    const { getTokenizer, loadTokenizer, resolveTokenizerRepo } = await import("@tinker-ts/tokenizer");
    const tokenizerId = catalogue.get(baseModel)?.tokenizer_id;
    let repoId: string | undefined;
    try {
      repoId = resolveTokenizerRepo(baseModel, tokenizerId).repoId;
      const local =
        settings.directory === undefined ? undefined : join(settings.directory, ...repoId.split("/"));
      const tokenizer =
        local !== undefined && (await exists(join(local, "tokenizer.json")))
          ? await loadTokenizer({ directory: local })
          : await getTokenizer(baseModel, { ...settings.hub, tokenizerId });
      return (ids) => tokenizer.decode(ids);
    } catch (error) {
      const where = repoId ?? tokenizerId ?? baseModel;
      throw new Error(
        `${(error as Error)?.message ?? String(error)} To use stop strings with ${baseModel}, put the tokenizer ` +
          `${where} in the Hugging Face cache (HF_HOME or --hf-hub-cache) or under --tokenizer-dir as ` +
          `<dir>/${where}/tokenizer.json; or stop on token ids instead.`,
        { cause: error },
      );
    }
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
