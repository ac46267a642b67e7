import { TokenizerUnsupportedError } from "./errors.js";

/** A Hub repository and the revision to load it at; `revision` undefined means `main`. */
export interface TokenizerRepo {
  repoId: string;
  revision: string | undefined;
}

/** Llama 3 tokenizers come from an ungated copy, so that no Hugging Face access grant is needed. */
export const LLAMA3_TOKENIZER_REPO = "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer";

/**
 * Revisions the Python SDK pins for Kimi tokenizers (their repositories ship tokenizer code, which
 * is only trusted at a reviewed commit), keyed by the tokenizer id after aliasing.
 * Kimi-K3 is new in Python SDK 0.38.0.
 */
export const PINNED_TOKENIZER_REVISIONS: Readonly<Record<string, string>> = {
  "moonshotai/Kimi-K2-Thinking": "612681931a8c906ddb349f8ad0f582cb552189cd",
  "moonshotai/Kimi-K2.5": "4d01dfe0332d63057c186e0b262165819efb6611",
  "moonshotai/Kimi-K2.6": "b5aabbfb20227ed42becbf5541dbffd213942c58",
  "moonshotai/Kimi-K3": "f831ab66814297da540d832a5235f8e904f29d06",
};

/** Tokenizer ids that load another repository's tokenizer. */
const TOKENIZER_ALIASES: Readonly<Record<string, string>> = {
  "moonshotai/Kimi-K2.5-Text-Only": "moonshotai/Kimi-K2.5",
};

/**
 * Truncates the `tokenizer_id` of a `get_info` response at its first `:`, as the Python SDK does
 * when it parses the response (tinker-wire-spec.md §8.10). Empty or missing ids stay undefined.
 */
export function tokenizerIdFromGetInfo(tokenizerId: string | null | undefined): string | undefined {
  if (!tokenizerId) return undefined;
  return tokenizerId.split(":")[0];
}

/**
 * Picks the Hub repository and revision of a model's tokenizer, exactly as the Python SDK's
 * `_load_tokenizer_from_model_info` does (tinker-wire-spec.md §8.11, §9.5; Python SDK 0.38.0):
 *
 * 1. `modelName` is cut at its first `:`.
 * 2. Without a `tokenizerId`: a model name starting with `meta-llama/Llama-3` uses
 *    {@link LLAMA3_TOKENIZER_REPO}; `org/model/variant` uses `org/model`; anything else uses the
 *    model name itself.
 * 3. `moonshotai/Kimi-K2.5-Text-Only` loads `moonshotai/Kimi-K2.5`; the Kimi ids get the revisions in
 *    {@link PINNED_TOKENIZER_REVISIONS}.
 *
 * `tokenizerId` is used as given: pass it through {@link tokenizerIdFromGetInfo} first when it comes
 * from a raw `get_info` response.
 *
 * @throws TokenizerUnsupportedError for `TML/…` and `thinkingmachines/…` ids, which the Python SDK
 *   loads only through Thinking Machines' internal `tml_tokenizers` package.
 */
export function resolveTokenizerRepo(modelName: string, tokenizerId?: string): TokenizerRepo {
  const model = modelName.split(":")[0] ?? modelName;
  let id = tokenizerId;
  if (id === undefined) {
    if (model.startsWith("meta-llama/Llama-3")) {
      id = LLAMA3_TOKENIZER_REPO;
    } else {
      const parts = model.split("/");
      id = parts.length === 3 ? `${parts[0]}/${parts[1]}` : model;
    }
  }
  if (id.startsWith("TML/") || id.startsWith("thinkingmachines/")) {
    throw new TokenizerUnsupportedError(
      `The tokenizer ${id} is internal to Thinking Machines and cannot be loaded by this SDK. ` +
        "Build prompts with a renderer for this model instead (https://pypi.org/project/tml-renderers/).",
      { repoId: id },
    );
  }
  id = TOKENIZER_ALIASES[id] ?? id;
  return { repoId: id, revision: PINNED_TOKENIZER_REVISIONS[id] };
}
