import { describe, expect, test } from "vitest";
import { TokenizerFormatError } from "./errors.js";
import { lenmlFiles, tinyRankTokenizerJson, tinyTokenizerJson } from "./fixtures.test-helpers.js";
import { HfBackend, type TokenizerConfig } from "./hf-backend.js";

describe("HfBackend", () => {
  test("a tokenizer.json without a model object is a TokenizerFormatError", () => {
    for (const json of [null, "text", {}, { normalizer: null }]) {
      expect(() => new HfBackend(json, {}, undefined)).toThrow(TokenizerFormatError);
    }
    expect(() => new HfBackend({}, {}, undefined)).toThrow(/no `model` object/);
  });

  test("workers rebuild the library tokenizer from the file path when there is one, else the object", () => {
    // A GPT-2 layout (ByteLevel with its own regex) is left to the library, in the workers too.
    const json = JSON.parse(tinyTokenizerJson()) as object;
    const config: TokenizerConfig = { bos_token: "<s>" };
    expect(new HfBackend(json, config, "/cache/tokenizer.json").workerSpec).toEqual({
      kind: "hf",
      tokenizerJson: "/cache/tokenizer.json",
      tokenizerConfig: config,
    });
    const inMemory = new HfBackend(json, config, undefined);
    expect(inMemory.workerSpec.kind === "hf" && inMemory.workerSpec.tokenizerJson).toBe(json);
    expect(inMemory.splitForWorker("a b", true)).toEqual(["a b"]);
  });

  test("Llama 3 is encoded by tiktoken, in the workers too; the library still decodes", () => {
    const files = lenmlFiles("llama3");
    const json = JSON.parse(files.tokenizerJson) as object;
    const backend = new HfBackend(json, JSON.parse(files.tokenizerConfig) as TokenizerConfig, "/x.json");
    const spec = backend.workerSpec;
    expect(spec.kind === "ranks" && spec.ranks.split("\n")).toHaveLength(128_000);
    expect(backend.splitForWorker("Hi<|eot_id|>", false)).toEqual(["Hi", 128009]);
    expect(Array.from(backend.encode("Hello world<|eot_id|>", false))).toEqual([9906, 1917, 128009]);
    expect(backend.decode([9906, 1917, 128009], true)).toBe("Hello world");
    expect(backend.tokenToId("<|eot_id|>")).toBe(128009);
  });

  test("a regex that tiktoken rejects leaves the encoding to the library", () => {
    const json = tinyRankTokenizerJson();
    // A lookbehind of variable length: JavaScript takes it, tiktoken's fancy-regex does not.
    const split = (json["pre_tokenizer"] as { pretokenizers: Array<{ pattern: object }> }).pretokenizers[0]!;
    split.pattern = { Regex: "(?<=a+)b|\\s+|[^\\sb]+|b" };
    const backend = new HfBackend(json, {}, undefined);
    expect(backend.workerSpec.kind).toBe("hf");
    expect(Array.from(backend.encode("aab the", false))).toEqual([97, 97, 98, 32, 116, 257]);
    expect(new HfBackend(tinyRankTokenizerJson(), {}, undefined).workerSpec.kind).toBe("ranks");
  });

  test("a GPT-2 style layout (ByteLevel pre-tokenizer with its own regex) encodes and decodes", () => {
    const backend = new HfBackend(JSON.parse(tinyTokenizerJson()), {}, undefined);
    // Single-byte vocabulary: ids are the UTF-8 bytes; <s> is an added token (id 256).
    expect(Array.from(backend.encode("Hi<s> é", false))).toEqual([72, 105, 256, 32, 0xc3, 0xa9]);
    expect(backend.decode([72, 105, 256, 32, 0xc3, 0xa9], true)).toBe("Hi é");
    expect(backend.vocabSize).toBe(258); // 256 bytes and the two added tokens
  });
});
