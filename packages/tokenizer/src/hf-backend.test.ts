import { describe, expect, test } from "vitest";
import { TokenizerFormatError } from "./errors.js";
import { lenmlFiles, tinyTokenizerJson } from "./fixtures.test-helpers.js";
import { HfBackend, type TokenizerConfig } from "./hf-backend.js";

describe("HfBackend", () => {
  test("a tokenizer.json without a model object is a TokenizerFormatError", () => {
    for (const json of [null, "text", {}, { normalizer: null }]) {
      expect(() => new HfBackend(json, {}, undefined)).toThrow(TokenizerFormatError);
    }
    expect(() => new HfBackend({}, {}, undefined)).toThrow(/no `model` object/);
  });

  test("workers rebuild the library tokenizer from the file path when there is one, else the object", () => {
    const files = lenmlFiles("llama3");
    const json = JSON.parse(files.tokenizerJson) as object;
    const config = JSON.parse(files.tokenizerConfig) as TokenizerConfig;
    expect(new HfBackend(json, config, "/cache/tokenizer.json").workerSpec).toEqual({
      kind: "hf",
      tokenizerJson: "/cache/tokenizer.json",
      tokenizerConfig: config,
    });
    const inMemory = new HfBackend(json, config, undefined);
    expect(inMemory.workerSpec.kind === "hf" && inMemory.workerSpec.tokenizerJson).toBe(json);
    expect(inMemory.splitForWorker("a b")).toEqual(["a b"]);
  });

  test("a GPT-2 style layout (ByteLevel pre-tokenizer with its own regex) encodes and decodes", () => {
    const backend = new HfBackend(JSON.parse(tinyTokenizerJson()), {}, undefined);
    // Single-byte vocabulary: ids are the UTF-8 bytes; <s> is an added token (id 256).
    expect(backend.encode("Hi<s> é", false)).toEqual([72, 105, 256, 32, 0xc3, 0xa9]);
    expect(backend.decode([72, 105, 256, 32, 0xc3, 0xa9], true)).toBe("Hi é");
    expect(backend.vocabSize).toBe(258); // 256 bytes and the two added tokens
  });
});
