import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EncodeBatchError } from "../errors.js";
import { corpusTexts, fixturesDir, lenmlFiles, tinyTokenizerJson } from "../fixtures.test-helpers.js";
import { loadTokenizer } from "../load.js";
import type { Tokenizer } from "../tokenizer.js";

const texts = [...corpusTexts().values()];
/** The corpus a few times over: about 400 000 chars, above the default parallel threshold. */
const batch = [...texts, ...texts, ...texts];
const parallel = { maxWorkers: 2, minParallelChars: 0 };

let qwen: Tokenizer;

beforeAll(async () => {
  qwen = await loadTokenizer(lenmlFiles("qwen3"), { batch: parallel });
});

afterAll(async () => {
  await qwen.close();
});

describe("encodeBatch", () => {
  test("worker threads give exactly the ids of encode, in input order", async () => {
    // Runs of one character past tiktoken's piece limit go to the library, in the workers too.
    expect(batch.some((text) => text.includes("a".repeat(2_100)))).toBe(true);
    const ids = await qwen.encodeBatch(batch);
    expect(ids).toHaveLength(batch.length);
    for (const [i, text] of batch.entries()) expect(ids[i], `text ${i}`).toEqual(qwen.encode(text));
    expect(ids.every((a) => a instanceof Int32Array)).toBe(true);
  });

  test("addSpecialTokens reaches the workers", async () => {
    const llama = lenmlFiles("llama3");
    const tokenizer = await loadTokenizer(
      {
        tokenizerJson: {
          ...(JSON.parse(llama.tokenizerJson) as object),
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
        tokenizerConfig: llama.tokenizerConfig,
      },
      { batch: parallel },
    );
    try {
      const withBos = await tokenizer.encodeBatch(["a", "b", "c"]);
      const without = await tokenizer.encodeBatch(["a", "b", "c"], { addSpecialTokens: false });
      expect(withBos.map((ids) => ids[0])).toEqual([128000, 128000, 128000]);
      expect(without.map((ids) => Array.from(ids))).toEqual([[64], [65], [66]]);
    } finally {
      await tokenizer.close();
    }
  });

  test("Kimi (tiktoken) batches run the same encoder in the workers, long-run splitting included", async () => {
    const kimi = await loadTokenizer(
      { directory: fileURLToPath(new URL("kimi-synthetic/", fixturesDir)) },
      { batch: parallel },
    );
    try {
      // A run past the 25 000-char guard, of a letter the synthetic vocabulary never merges: long
      // runs that merge take minutes in js-tiktoken (README, "Performance").
      const kimiBatch = [...texts.slice(0, 50), `${"x".repeat(25_003)} tail`];
      const ids = await kimi.encodeBatch(kimiBatch);
      for (const [i, text] of kimiBatch.entries()) expect(ids[i], `text ${i}`).toEqual(kimi.encode(text));
    } finally {
      await kimi.close();
    }
  });

  test("small batches stay on the main thread; large ones need the workers", async () => {
    // A tokenizer (of a layout left to @huggingface/tokenizers) whose file is gone after loading:
    // only workers, which re-read it, can fail.
    const dir = mkdtempSync(join(tmpdir(), "tinker-ts-tok-"));
    try {
      writeFileSync(join(dir, "tokenizer.json"), tinyTokenizerJson());
      const tokenizer = await loadTokenizer(
        { directory: dir },
        { batch: { maxWorkers: 2, minParallelChars: 1000 } },
      );
      unlinkSync(join(dir, "tokenizer.json"));
      expect(await tokenizer.encodeBatch(["small", "batch"])).toEqual([
        tokenizer.encode("small"),
        tokenizer.encode("batch"),
      ]);
      const error = await tokenizer.encodeBatch(["x".repeat(600), "y".repeat(600)]).catch((e) => e);
      expect(error).toBeInstanceOf(EncodeBatchError);
      expect(error.message).toMatch(/ENOENT/);
      await tokenizer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("maxWorkers 1 keeps batches on the main thread; empty and one-text batches work", async () => {
    const single = await loadTokenizer(lenmlFiles("qwen3"), { batch: { maxWorkers: 1 } });
    expect(await single.encodeBatch(batch.slice(0, 5))).toEqual(
      batch.slice(0, 5).map((t) => single.encode(t)),
    );
    expect(await qwen.encodeBatch([])).toEqual([]);
    expect(await qwen.encodeBatch(["only"])).toEqual([qwen.encode("only")]);
    await expect(qwen.encodeBatch(["ok", 3 as unknown as string])).rejects.toThrow(/texts\[1\]/);
  });

  test("close stops the workers and a later batch starts new ones", async () => {
    const before = await qwen.encodeBatch(batch.slice(0, 20));
    await qwen.close();
    await qwen.close();
    expect(await qwen.encodeBatch(batch.slice(0, 20))).toEqual(before);
  });
});
