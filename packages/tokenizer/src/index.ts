/**
 * @tinker-ts/tokenizer: the tokenizers of Tinker's base models (tinker-wire-spec.md §8.11, §9.5),
 * run by @huggingface/tokenizers (tokenizer.json) or js-tiktoken (Kimi's tiktoken.model), with files
 * from the Hugging Face Hub through the huggingface_hub cache.
 */
export type { ChatMessage, ChatTemplateOptions } from "./chat-template.js";
export {
  ChatTemplateError,
  EncodeBatchError,
  type NotFoundKind,
  TokenizerAccessError,
  TokenizerDownloadError,
  type TokenizerFileRef,
  TokenizerFormatError,
  TokenizerLoadError,
  TokenizerNotFoundError,
  TokenizerOfflineError,
  TokenizerUnsupportedError,
} from "./errors.js";
export {
  clearTokenizerCache,
  type GetTokenizerOptions,
  getTokenizer,
  TOKENIZER_CACHE_SIZE,
} from "./get-tokenizer.js";
export {
  DEFAULT_HF_ENDPOINT,
  type HubOptions,
  type HubSettings,
  resolveHubSettings,
} from "./hub/settings.js";
export { type LoadTokenizerOptions, loadTokenizer, type TokenizerSource } from "./load.js";
export { modelInputFromText } from "./model-input.js";
export {
  LLAMA3_TOKENIZER_REPO,
  PINNED_TOKENIZER_REVISIONS,
  resolveTokenizerRepo,
  type TokenizerRepo,
  tokenizerIdFromGetInfo,
} from "./resolve-id.js";
export type {
  BatchSettings,
  DecodeOptions,
  EncodeOptions,
  SpecialToken,
  SpecialTokens,
  Tokenizer,
} from "./tokenizer.js";
