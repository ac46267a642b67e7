import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ChatFile,
  corpusTexts,
  fakeCommit,
  fixturesDir,
  lenmlFiles,
  type ReferenceFile,
  readFixture,
  seedPythonCache,
  tempHfHome,
} from "./fixtures.test-helpers.js";
import { clearTokenizerCache, getTokenizer } from "./get-tokenizer.js";
import { loadTokenizer } from "./load.js";
import { LLAMA3_TOKENIZER_REPO } from "./resolve-id.js";
import type { Tokenizer } from "./tokenizer.js";

/**
 * Phase Q5 gate: our ids match the Python `tokenizers` ids over the whole corpus, decode matches
 * transformers, and chat templates render as transformers renders them. The real Qwen3 and Llama 3
 * files are arranged as a Hub cache in a temporary HF_HOME and loaded offline through getTokenizer.
 */
const corpus = corpusTexts();
const chats = readFixture<ChatFile>("chat-templates.json");
const home = tempHfHome();
const tokenizers = new Map<string, Tokenizer>();

beforeAll(async () => {
  const qwen = lenmlFiles("qwen3");
  const llama = lenmlFiles("llama3");
  seedPythonCache(home.cacheDir, "Qwen/Qwen3-8B", fakeCommit("qwen3"), {
    "tokenizer.json": qwen.tokenizerJson,
    "tokenizer_config.json": qwen.tokenizerConfig,
  });
  seedPythonCache(home.cacheDir, LLAMA3_TOKENIZER_REPO, fakeCommit("llama3"), {
    "tokenizer.json": llama.tokenizerJson,
    "tokenizer_config.json": llama.tokenizerConfig,
  });
  const env = { ...home.env, HF_HUB_OFFLINE: "1" };
  tokenizers.set("qwen3", await getTokenizer("Qwen/Qwen3-8B", { env }));
  tokenizers.set("llama3", await getTokenizer("meta-llama/Llama-3.1-8B-Instruct", { env }));
  const bos = readFixture<ReferenceFile>("llama3-bos.reference.json");
  const llamaJson = JSON.parse(llama.tokenizerJson) as Record<string, unknown>;
  tokenizers.set(
    "llama3-bos",
    await loadTokenizer({
      tokenizerJson: { ...llamaJson, post_processor: bos.source?.post_processor },
      tokenizerConfig: llama.tokenizerConfig,
    }),
  );
  const kimi = readFixture<ReferenceFile>("kimi-synthetic.reference.json");
  expect(kimi.num_base_tokens).toBeGreaterThan(256);
  tokenizers.set(
    "kimi-synthetic",
    await loadTokenizer({ directory: fileURLToPath(new URL("kimi-synthetic/", fixturesDir)) }),
  );
}, 60_000);

afterAll(async () => {
  await clearTokenizerCache();
  home.remove();
});

function textOf(c: { id: number; text?: string }): string {
  const text = c.text ?? corpus.get(c.id);
  if (text === undefined) throw new Error(`corpus has no text ${c.id}`);
  return text;
}

describe.each([
  "qwen3",
  "llama3",
  "llama3-bos",
  "kimi-synthetic",
])("%s matches the Python reference", (name) => {
  const reference = readFixture<ReferenceFile>(`${name}.reference.json`);

  test(`encodes all ${reference.cases.length} texts to the reference ids`, () => {
    const tokenizer = tokenizers.get(name)!;
    const mismatches = reference.cases.filter((c) => {
      const ids = Array.from(tokenizer.encode(textOf(c)));
      return JSON.stringify(ids) !== JSON.stringify(c.ids);
    });
    expect(mismatches.map((c) => c.id)).toEqual([]);
    expect(reference.cases.length).toBeGreaterThanOrEqual(name === "llama3-bos" ? 60 : 200);
  });

  test("encodes without special tokens to the reference ids", () => {
    const tokenizer = tokenizers.get(name)!;
    for (const c of reference.cases) {
      const ids = Array.from(tokenizer.encode(textOf(c), { addSpecialTokens: false }));
      expect(ids, `text ${c.id}`).toEqual(c.ids_without_special_tokens ?? c.ids);
    }
  });

  test("decodes the reference ids to the text (or to what transformers decodes)", () => {
    const tokenizer = tokenizers.get(name)!;
    for (const c of reference.cases) {
      const text = textOf(c);
      expect(tokenizer.decode(c.ids), `text ${c.id}`).toBe(c.decoded ?? text);
      expect(tokenizer.decode(Int32Array.from(c.ids), { skipSpecialTokens: true }), `text ${c.id}`).toBe(
        c.decoded_skip_special_tokens ?? c.decoded ?? text,
      );
    }
  });
});

describe("chat templates match transformers' apply_chat_template(tokenize=False)", () => {
  const conversations = new Map(chats.conversations.map((c) => [c.name, c]));

  test.each(
    chats.cases.map((c) => [
      `${c.tokenizer} ${c.conversation} gen=${c.add_generation_prompt} ${JSON.stringify(c.template_kwargs)}`,
      c,
    ]),
  )("%s", (_label, c) => {
    const conversation = conversations.get(c.conversation)!;
    const rendered = tokenizers.get(c.tokenizer)!.applyChatTemplate(conversation.messages, {
      addGenerationPrompt: c.add_generation_prompt,
      templateKwargs: c.template_kwargs,
      ...(conversation.tools ? { tools: conversation.tools } : {}),
    });
    expect(rendered).toBe(c.expected);
  });

  test("covers every tokenizer with and without a generation prompt", () => {
    for (const name of ["qwen3", "llama3", "kimi-synthetic"]) {
      const cases = chats.cases.filter((c) => c.tokenizer === name);
      expect(new Set(cases.map((c) => c.add_generation_prompt))).toEqual(new Set([true, false]));
    }
  });
});
