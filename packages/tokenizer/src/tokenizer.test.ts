import { InvalidInputError } from "@tinker-ts/types";
import { beforeAll, describe, expect, test } from "vitest";
import { lenmlFiles, tinyTokenizerJson } from "./fixtures.test-helpers.js";
import { loadTokenizer } from "./load.js";
import { modelInputFromText } from "./model-input.js";
import type { Tokenizer } from "./tokenizer.js";

let qwen: Tokenizer;
let llama: Tokenizer;

beforeAll(async () => {
  qwen = await loadTokenizer(lenmlFiles("qwen3"));
  llama = await loadTokenizer(lenmlFiles("llama3"));
});

describe("Tokenizer", () => {
  test("special tokens and ids come from tokenizer_config.json", () => {
    expect(qwen.specialTokens.bos).toBeUndefined();
    expect(qwen.bosTokenId).toBeUndefined();
    expect(qwen.specialTokens.eos).toEqual({ token: "<|im_end|>", id: 151645 });
    expect(qwen.eosTokenId).toBe(151645);
    expect(qwen.padTokenId).toBe(151643);
    expect(qwen.specialTokens.additional[0]).toEqual({ token: "<|im_start|>", id: 151644 });
    expect(llama.bosTokenId).toBe(128000);
    expect(llama.eosTokenId).toBe(128001);
    expect(llama.padTokenId).toBeUndefined();
  });

  test("vocabSize counts added tokens, like Python's len(tokenizer)", () => {
    expect(qwen.vocabSize).toBe(151669);
    expect(llama.vocabSize).toBe(128256);
  });

  test("tokenToId and idToToken cover vocabulary and added tokens", () => {
    expect(qwen.tokenToId("<|im_start|>")).toBe(151644);
    expect(qwen.idToToken(151644)).toBe("<|im_start|>");
    expect(qwen.idToToken(9707)).toBe("Hello");
    expect(qwen.tokenToId("ĠWorld")).toBe(4337);
    expect(qwen.tokenToId("no such token")).toBeUndefined();
  });

  test("encode gives int32 ids, recognises special tokens in the text, and checks its input", () => {
    const ids = qwen.encode("<|im_start|>user\nhi<|im_end|>");
    expect(ids).toBeInstanceOf(Int32Array);
    expect(Array.from(ids)).toEqual([151644, 872, 198, 6023, 151645]);
    expect(qwen.encode("")).toEqual(new Int32Array(0));
    const error = (() => {
      try {
        qwen.encode(42 as unknown as string);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ path: "text" });
  });

  test("decode skips ids outside the vocabulary, as the Rust tokenizers do, and rejects non-integers", () => {
    expect(qwen.decode([])).toBe("");
    expect(qwen.decode([9707, 999_999, 1879])).toBe("Hello world");
    expect(qwen.decode([999_999])).toBe("");
    expect(() => qwen.decode([9707, 1.5])).toThrow(InvalidInputError);
    expect(() => qwen.decode([-1])).toThrow(/ids\[0\] is -1/);
  });

  test("decode keeps spaces before punctuation (transformers 5 ignores clean_up_tokenization_spaces for BPE)", () => {
    // Llama 3's config asks for the clean-up; transformers 4 applied it and lost these spaces.
    const text = "Hello . World , it 's";
    expect(llama.decode(llama.encode(text))).toBe(text);
  });

  test("clean_up_tokenization_spaces still applies to WordPiece tokenizers", async () => {
    const wordPiece = {
      version: "1.0",
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: { type: "BertPreTokenizer" },
      post_processor: null,
      decoder: { type: "WordPiece", prefix: "##", cleanup: false },
      model: {
        type: "WordPiece",
        unk_token: "[UNK]",
        continuing_subword_prefix: "##",
        max_input_chars_per_word: 100,
        vocab: { "[UNK]": 0, hello: 1, ".": 2 },
      },
    };
    const withCleanUp = await loadTokenizer({
      tokenizerJson: wordPiece,
      tokenizerConfig: { clean_up_tokenization_spaces: true },
    });
    const without = await loadTokenizer({ tokenizerJson: wordPiece, tokenizerConfig: {} });
    expect(withCleanUp.decode([1, 2])).toBe("hello.");
    expect(without.decode([1, 2])).toBe("hello .");
  });

  test("special tokens given as AddedToken objects in the config are understood", async () => {
    const tokenizer = await loadTokenizer({
      tokenizerJson: tinyTokenizerJson(),
      tokenizerConfig: JSON.stringify({
        bos_token: { content: "<s>", __type: "AddedToken" },
        eos_token: null,
      }),
      name: "tiny",
    });
    expect(tokenizer.name).toBe("tiny");
    expect(tokenizer.bosTokenId).toBe(256);
    expect(tokenizer.eosTokenId).toBeUndefined();
  });
});

describe("modelInputFromText", () => {
  test("one encoded_text chunk with the ids of encode (special tokens added by default)", async () => {
    const input = modelInputFromText("Hello world", qwen);
    expect(input).toEqual({ chunks: [{ type: "encoded_text", tokens: new Int32Array([9707, 1879]) }] });
    expect(input.chunks[0]).toMatchObject({ tokens: expect.any(Int32Array) });
  });

  test("passes addSpecialTokens through", async () => {
    const llamaBos = await loadTokenizer({
      tokenizerJson: {
        ...(JSON.parse(lenmlFiles("llama3").tokenizerJson) as object),
        post_processor: {
          type: "TemplateProcessing",
          single: [
            { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } },
            { Sequence: { id: "A", type_id: 0 } },
          ],
          pair: [],
          special_tokens: {
            "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [128000], tokens: ["<|begin_of_text|>"] },
          },
        },
      },
    });
    expect(
      Array.from((modelInputFromText("hi", llamaBos).chunks[0] as { tokens: Int32Array }).tokens),
    ).toEqual([128000, 6151]);
    expect(
      Array.from(
        (modelInputFromText("hi", llamaBos, { addSpecialTokens: false }).chunks[0] as { tokens: Int32Array })
          .tokens,
      ),
    ).toEqual([6151]);
  });
});
