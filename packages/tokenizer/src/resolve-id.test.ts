import { describe, expect, test } from "vitest";
import { TokenizerUnsupportedError } from "./errors.js";
import {
  LLAMA3_TOKENIZER_REPO,
  PINNED_TOKENIZER_REVISIONS,
  resolveTokenizerRepo,
  tokenizerIdFromGetInfo,
} from "./resolve-id.js";

describe("resolveTokenizerRepo (tinker-wire-spec.md §8.11, Python SDK 0.38.0)", () => {
  test.each([
    // [model name, tokenizer_id, expected repo, expected revision]
    ["Qwen/Qwen3-8B", undefined, "Qwen/Qwen3-8B", undefined],
    ["Qwen/Qwen3-8B:peft:abc", undefined, "Qwen/Qwen3-8B", undefined],
    ["meta-llama/Llama-3.1-8B", undefined, LLAMA3_TOKENIZER_REPO, undefined],
    ["meta-llama/Llama-3.3-70B-Instruct:x", undefined, LLAMA3_TOKENIZER_REPO, undefined],
    ["meta-llama/Llama-2-7b", undefined, "meta-llama/Llama-2-7b", undefined],
    ["Qwen/Qwen3-30B-A3B/fp8", undefined, "Qwen/Qwen3-30B-A3B", undefined],
    ["org/model/variant/extra", undefined, "org/model/variant/extra", undefined],
    ["gpt2", undefined, "gpt2", undefined],
    [
      "moonshotai/Kimi-K2-Thinking",
      undefined,
      "moonshotai/Kimi-K2-Thinking",
      "612681931a8c906ddb349f8ad0f582cb552189cd",
    ],
    ["moonshotai/Kimi-K2.5", undefined, "moonshotai/Kimi-K2.5", "4d01dfe0332d63057c186e0b262165819efb6611"],
    [
      "moonshotai/Kimi-K2.5-Text-Only",
      undefined,
      "moonshotai/Kimi-K2.5",
      "4d01dfe0332d63057c186e0b262165819efb6611",
    ],
    ["moonshotai/Kimi-K2.6", undefined, "moonshotai/Kimi-K2.6", "b5aabbfb20227ed42becbf5541dbffd213942c58"],
    ["moonshotai/Kimi-K3", undefined, "moonshotai/Kimi-K3", "f831ab66814297da540d832a5235f8e904f29d06"],
    // An explicit tokenizer_id wins over every name rule, and still gets the Kimi pins.
    ["meta-llama/Llama-3.1-8B", "meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B", undefined],
    [
      "some/finetune",
      "moonshotai/Kimi-K2.5-Text-Only",
      "moonshotai/Kimi-K2.5",
      "4d01dfe0332d63057c186e0b262165819efb6611",
    ],
    ["Qwen/Qwen3-8B/variant", "Qwen/Qwen3-8B-Base", "Qwen/Qwen3-8B-Base", undefined],
  ])("%s with tokenizer_id %s → %s @ %s", (model, tokenizerId, repoId, revision) => {
    expect(resolveTokenizerRepo(model, tokenizerId)).toEqual({ repoId, revision });
  });

  test("Thinking Machines' internal tokenizers are refused with a pointer to renderers", () => {
    for (const id of ["TML/some-model", "thinkingmachines/x"]) {
      expect(() => resolveTokenizerRepo("any/model", id)).toThrow(TokenizerUnsupportedError);
    }
    expect(() => resolveTokenizerRepo("TML/model")).toThrow(/tml-renderers/);
  });

  test("every pinned revision is a full commit hash", () => {
    for (const revision of Object.values(PINNED_TOKENIZER_REVISIONS))
      expect(revision).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe("tokenizerIdFromGetInfo (§8.10)", () => {
  test.each([
    ["Qwen/Qwen3-8B", "Qwen/Qwen3-8B"],
    ["Qwen/Qwen3-8B:rev:x", "Qwen/Qwen3-8B"],
    [":leading", ""],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ])("%s → %s", (raw, expected) => {
    expect(tokenizerIdFromGetInfo(raw)).toBe(expected);
  });
});
