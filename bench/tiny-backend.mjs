#!/usr/bin/env node
// Speed of the tiny backend's compute core (apps/local-server/src/tiny) on this machine, with the
// Qwen3 vocabulary (151,669 ids): forward_backward of 8 datums × 256 tokens, and sampling 64
// tokens. It prints min / median / max in ms over the repetitions and asserts nothing (the
// machine is shared, so numbers are noisy; compare minima).
//
//   node bench/tiny-backend.mjs [--reps 7] [--hidden 64] [--layers 2]
//
// The TypeScript sources are bundled on the fly with esbuild (a root devDependency), so no build
// step is needed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "7" },
    hidden: { type: "string" },
    layers: { type: "string" },
    rank: { type: "string", default: "32" },
  },
});
const reps = Number(values.reps);

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tiny-bench-"));
const outfile = join(dir, "tiny.mjs");
await build({
  entryPoints: [join(root, "apps/local-server/src/tiny/index.ts")],
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["@tinker-ts/source"],
  outfile,
  logLevel: "error",
});
const tiny = await import(pathToFileURL(outfile).href);
rmSync(dir, { recursive: true, force: true });

const overrides = {};
if (values.hidden) overrides.hiddenSize = Number(values.hidden);
if (values.layers) overrides.numLayers = Number(values.layers);
const config = tiny.tinyModelConfig(tiny.QWEN3_VOCAB_SIZE, overrides);

function stats(label, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(
    `${label.padEnd(44)} min ${sorted[0].toFixed(1).padStart(8)} ms   median ${median.toFixed(1).padStart(8)} ms   max ${sorted.at(-1).toFixed(1).padStart(8)} ms`,
  );
}

function time(fn) {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

console.log(
  `tiny model: vocab ${config.vocabSize}, d ${config.hiddenSize}, ${config.numLayers} blocks, ${config.numHeads} heads, ` +
    `MLP ${config.intermediateSize}, tree [${config.headBranching.join(", ")}], LoRA rank ${values.rank}`,
);
const baseStart = performance.now();
const base = tiny.createBaseModel("Qwen/Qwen3-8B", config, "float32");
stats("create base model (Qwen/Qwen3-8B)", [performance.now() - baseStart]);
const model = new tiny.TinyTrainingModel(base, {
  lora: { rank: Number(values.rank), seed: 0, targets: { attn: true, mlp: true, unembed: true } },
});

// Deterministic pseudo-text: ids spread over the whole vocabulary.
let state = 12345;
const nextId = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state % config.vocabSize;
};
const datum = () => {
  const tokens = Array.from({ length: 257 }, nextId);
  return {
    model_input: { chunks: [{ type: "encoded_text", tokens: Int32Array.from(tokens.slice(0, -1)) }] },
    loss_fn_inputs: {
      target_tokens: { dtype: "int64", data: BigInt64Array.from(tokens.slice(1), BigInt), shape: [256] },
      weights: { dtype: "float32", data: new Float32Array(256).fill(1), shape: [256] },
    },
  };
};
const batch = Array.from({ length: 8 }, datum);
const adam = { learning_rate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip_norm: 0 };

const fb = [];
const fwd = [];
const opt = [];
for (let i = 0; i < reps; i++) {
  fb.push(time(() => model.forwardBackward(batch, "cross_entropy")));
  opt.push(time(() => model.optimStep(adam)));
  fwd.push(time(() => model.forward(batch, "cross_entropy")));
}
stats("forward_backward 8 × 256 tokens (target ≤ 1000)", fb);
stats("forward 8 × 256 tokens", fwd);
stats("optim_step (all adapter parameters)", opt);

const sampler = new tiny.TinySampler(new tiny.Network(base, model.snapshotAdapter()));
const prompt = Int32Array.from({ length: 32 }, nextId);
const sampleOnce = (params) =>
  time(() =>
    sampler.sample(prompt, {
      numSamples: 1,
      maxTokens: 64,
      seed: 1,
      stop: [],
      temperature: 1,
      topK: -1,
      topP: 1,
      ...params,
    }),
  );
for (const [label, params] of [
  ["sample 64 tokens, τ = 1 (target ≤ 300)", {}],
  ["sample 64 tokens, greedy (τ = 0)", { temperature: 0 }],
  ["sample 64 tokens, τ = 1, top_k 50", { topK: 50 }],
  ["sample 64 tokens, τ = 0.7 (full-vocabulary pass)", { temperature: 0.7 }],
]) {
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(sampleOnce(params));
  stats(label, runs);
}
const scores = [];
for (let i = 0; i < reps; i++)
  scores.push(time(() => sampler.computeLogprobs(Int32Array.from({ length: 256 }, nextId))));
stats("compute_logprobs 256 tokens", scores);
