import { describe, expect, test } from "vitest";
import { TokenizerFormatError } from "../errors.js";
import { readFixture, readFixtureText } from "../fixtures.test-helpers.js";
import { loadTokenizer } from "../load.js";
import { readKimiTokenizerSource } from "./python-source.js";
import { splitLongRuns } from "./tiktoken-backend.js";

const model = readFixtureText("kimi-synthetic/tiktoken.model");
const config = JSON.parse(readFixtureText("kimi-synthetic/tokenizer_config.json")) as Record<string, unknown>;
const patStr = readKimiTokenizerSource(readFixtureText("kimi-synthetic/tokenization_kimi.py"))!.patStr;
const numBase = readFixture<{ num_base_tokens: number }>("kimi-synthetic.reference.json").num_base_tokens;

function kimi(
  overrides: {
    tokenizerConfig?: object;
    tiktokenModel?: string;
    numReservedSpecialTokens?: number;
    patStr?: string;
  } = {},
) {
  return loadTokenizer({ tiktokenModel: model, tokenizerConfig: config, patStr, ...overrides });
}

describe("Kimi (tiktoken) tokenizers", () => {
  test("special tokens: named by added_tokens_decoder, the rest of the 256 reserved ids <|reserved_token_N|>", async () => {
    const tokenizer = await kimi();
    expect(tokenizer.vocabSize).toBe(numBase + 256);
    expect(tokenizer.specialTokens.bos).toEqual({ token: "[BOS]", id: numBase });
    expect(tokenizer.specialTokens.eos).toEqual({ token: "[EOS]", id: numBase + 1 });
    expect(tokenizer.padTokenId).toBe(numBase + 19);
    expect(tokenizer.specialTokens.unk).toEqual({ token: "[UNK]", id: numBase + 18 });
    expect(tokenizer.specialTokens.additional.map((t) => t.token)).toEqual(
      config["additional_special_tokens"],
    );
    expect(tokenizer.idToToken(numBase + 5)).toBe(`<|reserved_token_${numBase + 5}|>`);
    expect(tokenizer.tokenToId(`<|reserved_token_${numBase + 255}|>`)).toBe(numBase + 255);
    expect(tokenizer.tokenToId(`<|reserved_token_${numBase + 256}|>`)).toBeUndefined();
    // Reserved names are special tokens in text too, as with allowed_special="all".
    expect(Array.from(tokenizer.encode(`a<|reserved_token_${numBase + 5}|>`))).toEqual([97, numBase + 5]);
  });

  test("vocabulary tokens use GPT-2's byte-to-unicode form, as the Kimi tokenizer's get_vocab", async () => {
    const tokenizer = await kimi();
    expect(tokenizer.idToToken(97)).toBe("a");
    expect(tokenizer.idToToken(32)).toBe("Ġ");
    expect(tokenizer.idToToken(10)).toBe("Ċ");
    expect(tokenizer.tokenToId("Ġ")).toBe(32);
    expect(tokenizer.idToToken(10_000_000)).toBeUndefined();
    const merged = tokenizer.idToToken(numBase - 1)!;
    expect(Array.from(merged).length).toBeGreaterThan(1);
    expect(tokenizer.tokenToId(merged)).toBe(numBase - 1);
  });

  test("no BOS or EOS is added, whatever addSpecialTokens says", async () => {
    const tokenizer = await kimi();
    expect(tokenizer.encode("hello")).toEqual(tokenizer.encode("hello", { addSpecialTokens: false }));
  });

  test("skipSpecialTokens skips the declared special tokens only, as transformers does", async () => {
    const tokenizer = await kimi();
    const reserved = `<|reserved_token_${numBase + 5}|>`;
    const ids = tokenizer.encode(`[BOS]hi<|im_end|>${reserved}`);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(`hi${reserved}`);
    // Without additional_special_tokens in the config, the Kimi class's default list applies.
    const { additional_special_tokens: _dropped, ...rest } = config;
    const defaults = await kimi({ tokenizerConfig: rest });
    expect(defaults.decode(ids, { skipSpecialTokens: true })).toBe(`hi${reserved}`);
  });

  test("ids cut inside a UTF-8 character decode to U+FFFD, as errors='replace'", async () => {
    const tokenizer = await kimi();
    const ids = Array.from(tokenizer.encode("é"));
    expect(ids).toEqual([0xc3, 0xa9]);
    expect(tokenizer.decode(ids.slice(0, 1))).toBe("\ufffd");
  });

  test("a leading byte-order mark survives decoding, as in Python's bytes.decode", async () => {
    const tokenizer = await kimi();
    const text = "\ufeffhi \ufeff";
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.decode([])).toBe("");
    // A vocabulary without the one-byte "a" token decodes without that guard.
    const noA = await kimi({ tiktokenModel: "Yg== 0\nYw== 1\n" });
    expect(noA.decode([0, 1])).toBe("bc");
  });

  test("a special token that extends another wins where both match", async () => {
    const decoder = config["added_tokens_decoder"] as Record<string, object>;
    const tokenizer = await kimi({
      tokenizerConfig: {
        ...config,
        added_tokens_decoder: {
          ...decoder,
          [numBase + 30]: { content: "<|a|>", special: true },
          [numBase + 31]: { content: "<|a|>x", special: true },
        },
      },
    });
    expect(Array.from(tokenizer.encode("<|a|>x<|a|>y"))).toEqual([numBase + 31, numBase + 30, 121]);
  });

  test("ids named past the reserved block are special tokens too (the +2 variant of some revisions)", async () => {
    const decoder = config["added_tokens_decoder"] as Record<string, object>;
    const extended = await kimi({
      tokenizerConfig: {
        ...config,
        added_tokens_decoder: { ...decoder, [numBase + 257]: { content: "<|extra|>", special: true } },
      },
    });
    expect(extended.vocabSize).toBe(numBase + 258);
    expect(Array.from(extended.encode("<|extra|>"))).toEqual([numBase + 257]);
    const fewer = await kimi({ numReservedSpecialTokens: 20 });
    expect(fewer.vocabSize).toBe(numBase + 20);
  });

  test("malformed tiktoken.model or an unusable pattern is a TokenizerFormatError", async () => {
    await expect(kimi({ tiktokenModel: "YQ== 0\nYg== 5\n" })).rejects.toThrow(/line 2/);
    await expect(kimi({ tiktokenModel: "not base64!! 0\n" })).rejects.toThrow(TokenizerFormatError);
    await expect(kimi({ tiktokenModel: "\n" })).rejects.toThrow(/empty/);
    await expect(kimi({ patStr: "(?P<x>a)" })).rejects.toThrow(/pattern cannot be used/);
  });
});

describe("splitLongRuns (the Kimi tokenizer's 25 000-char guard)", () => {
  test("short texts stay whole; long runs are cut every 25 000 code points", () => {
    expect(splitLongRuns("")).toEqual([""]);
    expect(splitLongRuns("a b")).toEqual(["a b"]);
    const pieces = splitLongRuns(`${"x".repeat(25_003)}${" ".repeat(25_001)}tail`);
    expect(pieces.map((p) => p.length)).toEqual([25_000, 25_003, 5]);
    expect(pieces.join("")).toBe(`${"x".repeat(25_003)}${" ".repeat(25_001)}tail`);
    // Astral characters count once, as Python's str does.
    const emoji = splitLongRuns("🙂".repeat(25_001));
    expect(emoji.map((p) => Array.from(p).length)).toEqual([25_000, 1]);
  });

  test("slices of 400 000 chars are split independently", () => {
    const text = "ab ".repeat(200_000);
    const pieces = splitLongRuns(text);
    expect(pieces.map((p) => p.length)).toEqual([400_000, 200_000]);
    expect(pieces.join("")).toBe(text);
  });
});
