import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { describe, expect, test } from "vitest";
import { lenmlFiles, tinyRankTokenizerJson } from "./fixtures.test-helpers.js";
import { MAX_TIKTOKEN_PIECE_BYTES, RankEncoder, rankLayoutOf } from "./rank-encoder.js";

type Json = ReturnType<typeof tinyRankTokenizerJson>;

/** `<|end|>` (id 260) before and after the text, as a TemplateProcessing writes it. */
const endTemplate = {
  type: "TemplateProcessing",
  single: [
    { SpecialToken: { id: "<|end|>", type_id: 0 } },
    { Sequence: { id: "A", type_id: 0 } },
    { SpecialToken: { id: "<|end|>", type_id: 0 } },
  ],
  pair: [],
  special_tokens: { "<|end|>": { id: "<|end|>", ids: [260], tokens: ["<|end|>"] } },
};

const texts = [
  "",
  "the hello tell",
  " the  the\n\nthe",
  "<|end|>x<think>the<|end|>",
  // NFC: e + combining acute becomes é; a combining long solidus after `>` would become ≯ if the
  // added token were normalized with the text around it.
  "cafe\u0301 <|end|>\u0338",
  "'LL'S it's 1234567 ½",
  "  \n\t x  \u00a0y",
  "日本語 🙂👍🏽 \u0000\u007f",
];

/** The encoder of `json`, with the library encoding text that holds long pieces; `long` records that text. */
function encoder(json: Json, long: string[] = []): RankEncoder {
  const layout = rankLayoutOf(json, {});
  expect(layout).toBeDefined();
  const library = new HfTokenizer(json, {});
  return new RankEncoder(layout!, (segment) => {
    long.push(segment);
    return library.encode(segment, { add_special_tokens: false }).ids;
  });
}

describe("RankEncoder", () => {
  test("encodes a tokenizer in the Qwen3 / Llama 3 layout to the ids of @huggingface/tokenizers", () => {
    for (const postProcessor of [
      null,
      endTemplate,
      { type: "Sequence", processors: [{ type: "ByteLevel" }, endTemplate] },
    ]) {
      const json = { ...tinyRankTokenizerJson(), post_processor: postProcessor };
      const library = new HfTokenizer(json, {});
      const ours = encoder(json);
      for (const text of texts) {
        for (const add of [true, false]) {
          const expected = library.encode(text, { add_special_tokens: add }).ids;
          expect(Array.from(ours.encode(text, add)), JSON.stringify([text, add])).toEqual(expected);
        }
      }
    }
  });

  test("text holding a piece longer than 2 048 bytes is encoded by the library", () => {
    const json = { ...tinyRankTokenizerJson(), post_processor: endTemplate };
    const library = new HfTokenizer(json, {});
    const long: string[] = [];
    const ours = encoder(json, long);
    const run = "l".repeat(MAX_TIKTOKEN_PIECE_BYTES + 2);
    // 683 Han characters are 2 049 bytes in 683 UTF-16 units.
    const han = "的".repeat(Math.ceil(MAX_TIKTOKEN_PIECE_BYTES / 3) + 1);
    for (const text of [`the ${run} tell<|end|>the`, `${han}<think>`]) {
      expect(Array.from(ours.encode(text, true))).toEqual(
        library.encode(text, { add_special_tokens: true }).ids,
      );
    }
    expect(long).toEqual([`the ${run} tell`, han]);
    expect(ours.pieces(`${run}<|end|>x`, false)).toEqual([{ library: run }, 260, "x"]);
    // Long text of short pieces, and pieces of exactly the limit, stay with tiktoken.
    const limit = "l".repeat(MAX_TIKTOKEN_PIECE_BYTES);
    long.length = 0;
    expect(ours.pieces(`${"ab ".repeat(1_000)}\n${limit}`, false)).toEqual([
      `${"ab ".repeat(1_000)}\n${limit}`,
    ]);
    expect(long).toEqual([]);
  });

  test("merges may be written as `left right` strings", () => {
    const json = tinyRankTokenizerJson();
    json.model["merges"] = (json.model["merges"] as string[][]).map((pair) => pair.join(" "));
    expect(Array.from(encoder(json).encode(" the", false))).toEqual([258]);
  });

  test("pieces are the normalized text between added tokens, their ids and the special tokens", () => {
    const ours = encoder({ ...tinyRankTokenizerJson(), post_processor: endTemplate });
    expect(ours.pieces("e\u0301<think><|end|>x", true)).toEqual([260, "\u00e9", 261, 260, "x", 260]);
    expect(ours.pieces("", false)).toEqual([]);
    expect(ours.pieces("", true)).toEqual([260, 260]);
  });

  test("the text is taken as it is when there is no normalizer or added token", () => {
    const ours = encoder({ ...tinyRankTokenizerJson(), normalizer: null, added_tokens: [] });
    expect(ours.pieces("e\u0301<|end|>", false)).toEqual(["e\u0301<|end|>"]);
    expect(rankLayoutOf({ ...tinyRankTokenizerJson(), added_tokens: undefined }, {})?.added).toEqual(
      new Map(),
    );
  });

  test("the spec holds tiktoken's ranks (base64 of the bytes) and the regex", () => {
    const { spec } = encoder(tinyRankTokenizerJson());
    const lines = spec.ranks.split("\n");
    expect(lines).toHaveLength(260);
    expect(lines).toContain(`${Buffer.from(" the").toString("base64")} 258`);
    expect(lines).toContain(`${Buffer.from([0]).toString("base64")} 0`);
    expect(spec.pattern).toMatch(/^\(\?i:'s/);
  });

  test("Qwen3 and Llama 3 have that layout; Llama 3's BOS template adds <|begin_of_text|>", () => {
    for (const model of ["qwen3", "llama3"] as const) {
      const files = lenmlFiles(model);
      const layout = rankLayoutOf(JSON.parse(files.tokenizerJson), JSON.parse(files.tokenizerConfig));
      expect(layout?.nfc, model).toBe(model === "qwen3");
      expect(layout?.affixes, model).toEqual({ prefix: [], suffix: [] });
    }
    const llama = JSON.parse(lenmlFiles("llama3").tokenizerJson) as Record<string, unknown>;
    const bos = {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
      ],
      special_tokens: { "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [128000] } },
    };
    const layout = rankLayoutOf(
      { ...llama, post_processor: { type: "Sequence", processors: [{ type: "ByteLevel" }, bos] } },
      {},
    );
    expect(layout?.affixes).toEqual({ prefix: [128000], suffix: [] });
  });
});

describe("rankLayoutOf leaves to the library", () => {
  const variants: Array<[string, (json: Json) => unknown, Record<string, unknown>?]> = [
    ["a file that is not an object", () => []],
    ["BPE dropout", (json) => Object.assign(json.model, { dropout: 0.1 })],
    ["byte fallback", (json) => Object.assign(json.model, { byte_fallback: true })],
    ["a subword prefix", (json) => Object.assign(json.model, { continuing_subword_prefix: "##" })],
    ["another model", (json) => Object.assign(json.model, { type: "WordPiece" })],
    ["a model without merges", (json) => Object.assign(json.model, { merges: undefined })],
    ["merges out of id order", (json) => (json.model["merges"] as unknown[]).reverse()],
    ["a merge making no token", (json) => (json.model["merges"] as unknown[]).push(["x", "y"])],
    ["a merge that is not a pair", (json) => (json.model["merges"] as unknown[]).push("Ġ t h")],
    ["a token no merge makes", (json) => Object.assign(json.model["vocab"] as object, { ab: 262 })],
    ["a token that is not byte-level", (json) => Object.assign(json.model["vocab"] as object, { 中: 262 })],
    ["an empty token", (json) => Object.assign(json.model["vocab"] as object, { "": 262 })],
    ["a repeated id", (json) => Object.assign(json.model["vocab"] as object, { Ġthe: 257 })],
    ["a negative id", (json) => Object.assign(json.model["vocab"] as object, { Ġthe: -1 })],
    ["a missing byte", (json) => delete (json.model["vocab"] as Record<string, number>)["a"]],
    ["another normalizer", (json) => Object.assign(json, { normalizer: { type: "NFKC" } })],
    [
      "a ByteLevel pre-tokenizer with its own regex",
      (json) => Object.assign(json, { pre_tokenizer: { type: "ByteLevel" } }),
    ],
    [
      "three pre-tokenizers",
      (json) => (json["pre_tokenizer"] as { pretokenizers: unknown[] }).pretokenizers.push({}),
    ],
    ["a Split that removes", (json) => Object.assign(splitOf(json), { behavior: "Removed" })],
    ["a Split on a string", (json) => Object.assign(splitOf(json), { pattern: { String: " " } })],
    [
      "ByteLevel adding a prefix space",
      (json) => Object.assign(byteLevelOf(json), { add_prefix_space: true }),
    ],
    ["ByteLevel with its regex by default", (json) => delete byteLevelOf(json)["use_regex"]],
    [
      "another post-processor",
      (json) => Object.assign(json, { post_processor: { type: "RobertaProcessing" } }),
    ],
    [
      "a post-processor that is not an object",
      (json) => Object.assign(json, { post_processor: "ByteLevel" }),
    ],
    [
      "a Sequence without processors",
      (json) => Object.assign(json, { post_processor: { type: "Sequence" } }),
    ],
    [
      "a Sequence with a null step",
      (json) => Object.assign(json, { post_processor: { type: "Sequence", processors: [null] } }),
    ],
    [
      "a template without $A",
      (json) =>
        Object.assign(json, { post_processor: { ...endTemplate, single: endTemplate.single.slice(0, 1) } }),
    ],
    [
      "a template without special tokens",
      (json) => Object.assign(json, { post_processor: { ...endTemplate, special_tokens: null } }),
    ],
    [
      "a template with an odd item",
      (json) => Object.assign(json, { post_processor: { ...endTemplate, single: [7] } }),
    ],
    [
      "a template with an unknown token",
      (json) => Object.assign(json, { post_processor: { ...endTemplate, special_tokens: {} } }),
    ],
    ["an added token stripping spaces", (json) => Object.assign(addedOf(json), { lstrip: true })],
    ["a normalized added token", (json) => Object.assign(addedOf(json), { normalized: true })],
    ["an added token without an id", (json) => Object.assign(addedOf(json), { id: "260" })],
    ["added tokens that are not a list", (json) => Object.assign(json, { added_tokens: {} })],
    ["an added token that is not an object", (json) => Object.assign(json, { added_tokens: ["<|end|>"] })],
    ["text clean-up in tokenizer_config.json", () => undefined, { remove_space: true }],
    ["lower-casing in tokenizer_config.json", () => undefined, { do_lowercase_and_remove_accent: true }],
  ];

  test.each(variants)("%s", (_name, change, config = {}) => {
    const json = tinyRankTokenizerJson();
    const changed = change(json);
    expect(rankLayoutOf(Array.isArray(changed) ? changed : json, config)).toBeUndefined();
  });
});

function splitOf(json: Json): Record<string, unknown> {
  return (json["pre_tokenizer"] as { pretokenizers: Record<string, unknown>[] }).pretokenizers[0]!;
}

function byteLevelOf(json: Json): Record<string, unknown> {
  return (json["pre_tokenizer"] as { pretokenizers: Record<string, unknown>[] }).pretokenizers[1]!;
}

function addedOf(json: Json): Record<string, unknown> {
  return (json["added_tokens"] as Record<string, unknown>[])[0]!;
}
