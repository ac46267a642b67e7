import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { lenmlFiles, tinyTokenizerJson } from "./fixtures.test-helpers.js";
import { HfBackend, type TokenizerConfig } from "./hf-backend.js";

/** Characters that exercise the pre-tokenizer: scripts, digits, spaces, contractions, NFC, specials. */
const pieces = [
  ..."aZé ß\t\n\r  0123456789.,!?'-_/()[]{}<>@#$%&*+=:;\"`~|\\",
  ..."你好世界こんにちは한국어ДжΩ",
  "e\u0301",
  "A\u030a",
  "\u00a0",
  "\u3000",
  "\u0085",
  "\ufeff",
  "\u200b",
  "🙂",
  "👍🏽",
  "'s",
  "'LL",
  "'ſ",
  " the",
  "    ",
  "\n\n",
  "<|im_start|>",
  "<|im_end|>",
  "<|endoftext|>",
  "<|begin_of_text|>",
  "<|eot_id|>",
  "<|im_start",
];

describe.each(["qwen3", "llama3"] as const)("the byte-level BPE fast path of %s", (model) => {
  const files = lenmlFiles(model);
  const json = JSON.parse(files.tokenizerJson) as object;
  const config = JSON.parse(files.tokenizerConfig) as TokenizerConfig;
  const backend = new HfBackend(json, config, undefined);
  const library = new HfTokenizer(json, config);

  test("is the encoder in use (and the one workers get)", () => {
    expect(backend.workerSpec.kind).toBe("core");
  });

  test("gives @huggingface/tokenizers' ids on random texts", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), fc.boolean(), (parts, add) => {
        const text = parts.join("");
        expect(backend.encode(text, add)).toEqual(library.encode(text, { add_special_tokens: add }).ids);
      }),
      { numRuns: 400 },
    );
  });
});

describe("layouts left to @huggingface/tokenizers", () => {
  const qwen = JSON.parse(lenmlFiles("qwen3").tokenizerJson) as Record<string, unknown> & {
    pre_tokenizer: object;
  };

  test.each([
    ["GPT-2 style ByteLevel pre-tokenizer", JSON.parse(tinyTokenizerJson())],
    ["a normalizer other than NFC", { ...qwen, normalizer: { type: "Lowercase" } }],
    [
      "an added token with lstrip",
      { ...qwen, added_tokens: [{ id: 151643, content: "<|endoftext|>", lstrip: true }] },
    ],
    [
      "a pattern the translator rejects",
      {
        ...qwen,
        pre_tokenizer: {
          type: "Sequence",
          pretokenizers: [
            { type: "Split", pattern: { Regex: "\\p{L}+|[\\W]" }, behavior: "Isolated", invert: false },
            { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
          ],
        },
      },
    ],
    [
      "an Oniguruma-only pattern",
      {
        ...qwen,
        pre_tokenizer: {
          type: "Sequence",
          pretokenizers: [
            {
              type: "Split",
              pattern: { Regex: "[[:alpha:]]+|\\s+|[^[:alpha:]\\s]+" },
              behavior: "Isolated",
              invert: false,
            },
            { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
          ],
        },
      },
    ],
  ])("%s", (_label, json) => {
    const backend = new HfBackend(json, {}, undefined);
    expect(backend.workerSpec.kind).toBe("hf");
    const library = new HfTokenizer(json, {});
    expect(backend.encode("Hello, wörld 12", true)).toEqual(library.encode("Hello, wörld 12").ids);
  });

  test("a merge whose result is missing from the vocabulary falls back to the library", () => {
    const vocab: Record<string, number> = { a: 0, b: 1 };
    const json = {
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: {
        type: "Sequence",
        pretokenizers: [
          { type: "Split", pattern: { Regex: "\\p{L}+" }, behavior: "Isolated", invert: false },
          { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
        ],
      },
      post_processor: null,
      decoder: { type: "ByteLevel" },
      model: { type: "BPE", vocab, merges: [["a", "b"]], unk_token: null },
    };
    const backend = new HfBackend(json, {}, undefined);
    expect(backend.workerSpec.kind).toBe("core");
    expect(backend.encode("ab", false)).toEqual(
      new HfTokenizer(json, {}).encode("ab", { add_special_tokens: false }).ids,
    );
    expect(backend.encode("ba", false)).toEqual([1, 0]);
  });
});
