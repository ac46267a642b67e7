import { readFileSync } from "node:fs";
import { join } from "node:path";
import { seedQwen3TokenizerCache } from "@tinker-ts/examples/support";
import { clearTokenizerCache, getTokenizer } from "@tinker-ts/tokenizer";
import { check, type Stage } from "../stage.js";
import { fixturesDir } from "./paths.js";

interface Reference {
  cases: Array<{ id: number; ids: number[]; text?: string }>;
}

/** Qwen3 through the Hub-cache path, offline, against the ids of the Rust `tokenizers` library. */
export const tokenizerStage: Stage = {
  name: "tokenizer",
  description:
    "Qwen/Qwen3-8B's tokenizer from an offline Hub cache: reference ids of the 247-text corpus, decode, chat template",
  async run({ workDir }) {
    const hub = await seedQwen3TokenizerCache(join(workDir, "hub"));
    clearTokenizerCache();
    const tokenizer = await getTokenizer("Qwen/Qwen3-8B", hub);
    try {
      const corpus = new Map(
        (
          JSON.parse(readFileSync(join(fixturesDir, "tokenizer", "corpus.json"), "utf8")) as {
            texts: Array<{ id: number; text: string }>;
          }
        ).texts.map((t) => [t.id, t.text]),
      );
      const reference = JSON.parse(
        readFileSync(join(fixturesDir, "tokenizer", "qwen3.reference.json"), "utf8"),
      ) as Reference;
      let tokens = 0;
      for (const { id, ids, text } of reference.cases) {
        const input = text ?? corpus.get(id);
        check(input !== undefined, `reference case ${id} has no text`);
        const got = Array.from(tokenizer.encode(input));
        check(
          got.length === ids.length && got.every((t, i) => t === ids[i]),
          `text ${id}: ids differ from the reference`,
        );
        tokens += got.length;
      }
      const sample = "The weather today is sunny, 23 °C — perfect for a walk.";
      check(
        tokenizer.decode(tokenizer.encode(sample)) === sample,
        "decode(encode(text)) did not give the text back",
      );
      const prompt = tokenizer.applyChatTemplate([{ role: "user", content: "Hi" }], {
        addGenerationPrompt: true,
      });
      check(prompt.endsWith("<|im_start|>assistant\n"), `unexpected chat prompt ${JSON.stringify(prompt)}`);
      return `${reference.cases.length} reference texts (${tokens} tokens) match, round trip and chat template OK, vocab ${tokenizer.vocabSize}`;
    } finally {
      await tokenizer.close();
      clearTokenizerCache();
    }
  },
};
