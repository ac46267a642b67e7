import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Catalogue, defaultCatalogue } from "./catalogue.js";
import {
  LLAMA3_REPO,
  QWEN3_REPO,
  seedHubCache,
  seedTokenizerDir,
  tempHfHome,
  tokenizerFiles,
} from "./tokenizer.test-helpers.js";
import { tokenizerDecoderLoader } from "./tokenizers.js";

const catalogue = new Catalogue(defaultCatalogue);
const cleanup: Array<() => void> = [];
afterAll(() => {
  for (const remove of cleanup) remove();
});

function emptyHfHome() {
  const hf = tempHfHome();
  cleanup.push(hf.remove);
  return hf;
}

describe("tokenizers for stop strings (tinker-wire-spec.md §8.11)", () => {
  it("loads a base model's tokenizer from a Hugging Face cache under HF_HOME, offline", async () => {
    const hf = emptyHfHome();
    seedHubCache(hf.cacheDir, QWEN3_REPO, tokenizerFiles("qwen3"));
    const load = tokenizerDecoderLoader(
      { hub: { env: { HF_HOME: hf.home, HF_HUB_OFFLINE: "1" } } },
      catalogue,
    );
    const decode = await load("Qwen/Qwen3-8B");
    // Qwen3 ids of "Hello", " world" and <|im_end|>.
    expect(decode([9707, 1879, 151645])).toBe("Hello world<|im_end|>");
  });

  it("prefers <directory>/<tokenizer repo id>/ and resolves Llama 3 models to the ungated copy", async () => {
    const directory = mkdtempSync(join(tmpdir(), "tinker-local-tokenizers-"));
    cleanup.push(() => rmSync(directory, { recursive: true, force: true }));
    seedTokenizerDir(directory, LLAMA3_REPO, tokenizerFiles("llama3"));
    const hf = emptyHfHome();
    const load = tokenizerDecoderLoader(
      { directory, hub: { cacheDir: hf.cacheDir, offline: true } },
      catalogue,
    );
    const decode = await load("meta-llama/Llama-3.2-1B");
    // Llama 3 ids of <|begin_of_text|>, "Hello", " world".
    expect(decode([128000, 9906, 1917])).toBe("<|begin_of_text|>Hello world");
  });

  it("says what failed and how to provide the tokenizer when none can be loaded", async () => {
    const hf = emptyHfHome();
    const directory = mkdtempSync(join(tmpdir(), "tinker-local-tokenizers-"));
    cleanup.push(() => rmSync(directory, { recursive: true, force: true }));
    const load = tokenizerDecoderLoader(
      { directory, hub: { cacheDir: hf.cacheDir, offline: true } },
      catalogue,
    );
    const failure = load("Qwen/Qwen3-8B");
    await expect(failure).rejects.toThrow("HF_HUB_OFFLINE");
    await expect(failure).rejects.toThrow(
      "To use stop strings with Qwen/Qwen3-8B, put the tokenizer Qwen/Qwen3-8B in the Hugging Face cache " +
        "(HF_HOME or --hf-hub-cache) or under --tokenizer-dir as <dir>/Qwen/Qwen3-8B/tokenizer.json; " +
        "or stop on token ids instead.",
    );
    const internal = new Catalogue([
      {
        model_name: "thinkingmachines/Inkling",
        max_context_length: 8,
        tokenizer_id: "TML/inkling",
        arch: "x",
      },
    ]);
    await expect(tokenizerDecoderLoader({}, internal)("thinkingmachines/Inkling")).rejects.toThrow(
      "internal to Thinking Machines",
    );
  });
});
