import type { ModelInput } from "@tinker-ts/types";
import type { EncodeOptions, Tokenizer } from "./tokenizer.js";

/**
 * A `ModelInput` holding the tokens of `text` as one `encoded_text` chunk (tinker-wire-spec.md §4.2),
 * as the Python SDK's `ModelInput.from_ints(tokenizer.encode(text))`.
 * @param options `addSpecialTokens` defaults to true, as Python's `encode`.
 * @throws InvalidInputError when `text` is not a string.
 */
export function modelInputFromText(
  text: string,
  tokenizer: Tokenizer,
  options: EncodeOptions = {},
): ModelInput {
  return { chunks: [{ type: "encoded_text", tokens: tokenizer.encode(text, options) }] };
}
