/**
 * sft-basic: supervised fine-tuning of a LoRA adapter on question/answer pairs, the loop of the
 * Tinker cookbook's `sl_basic` in TypeScript. Every step submits `forward_backward`
 * (cross_entropy) and `optim_step` (AdamW) without waiting in between — the client orders them by
 * seq_id — then awaits both. Afterwards it saves sampler weights and answers held-out questions
 * greedily.
 *
 * Run: `pnpm examples sft-basic` (tinker-local in-process, offline), or with `TINKER_API_KEY` set
 * against the real service.
 */
import type { SamplingClient, TrainingClient } from "@tinker-ts/clients";
import type { Tokenizer } from "@tinker-ts/tokenizer";
import { type Datum, modelInputFromInts } from "@tinker-ts/types";
import {
  type ExampleSession,
  type ExampleSessionOptions,
  loadAnimalFacts,
  openExampleSession,
  type QaPair,
  sharedPhrase,
  supervisedDatum,
  tokenizePair,
} from "../support/index.js";
import { isMain, runMain } from "../support/main.js";

/** Hyperparameters of {@link trainSft}. */
export interface SftSettings {
  /** Optimizer steps (default 48). */
  readonly steps?: number;
  /** Datums per step (default 64). */
  readonly batchSize?: number;
  /** AdamW learning rate (default: the session's, 2e-2 on tinker-local). */
  readonly learningRate?: number;
  /** Seed of the batch order (default 0). */
  readonly seed?: number;
}

/** What one training step did. */
export interface StepReport {
  /** 0-based step index. */
  readonly step: number;
  readonly steps: number;
  /** Mean negative log-likelihood per completion token, nats (`loss:sum` / Σ weights). */
  readonly loss: number;
  /** Tokens the model read this step (prompt and completion), for throughput. */
  readonly tokens: number;
  /** `tokens` over this step's wall time, tokens per second. */
  readonly tokensPerSecond: number;
  /** Time since training started, ms. */
  readonly elapsedMs: number;
}

/** The supervised datums of the animal-facts training split, and the held-out pairs. */
export function animalFactsData(tokenizer: Tokenizer): {
  train: Datum[];
  trainPairs: QaPair[];
  test: QaPair[];
} {
  const { train, test } = loadAnimalFacts();
  return {
    train: train.map((pair) => supervisedDatum(tokenizePair(tokenizer, pair))),
    trainPairs: train,
    test,
  };
}

/** A small deterministic PRNG (mulberry32) for the batch order. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Endless batches of `batchSize` items, drawn epoch by epoch, each epoch in a new shuffled order. */
export function* batches<T>(items: readonly T[], batchSize: number, seed: number): Generator<T[], never> {
  const next = random(seed);
  const order = items.map((_, i) => i);
  let cursor = order.length;
  for (;;) {
    const batch: T[] = [];
    while (batch.length < batchSize) {
      if (cursor === order.length) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(next() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        cursor = 0;
      }
      const index = order[cursor++]!;
      batch.push(items[index]!);
    }
    yield batch;
  }
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

/**
 * The training loop: for each step, `forwardBackward(batch, "cross_entropy")` and
 * `optimStep({ learning_rate })` are submitted back to back and awaited together.
 *
 * @returns one report per step, in order.
 */
export async function trainSft(
  training: TrainingClient,
  data: readonly Datum[],
  settings: SftSettings & { learningRate: number; onStep?: (report: StepReport) => void },
): Promise<StepReport[]> {
  const steps = settings.steps ?? 48;
  const reports: StepReport[] = [];
  const start = performance.now();
  const source = batches(data, settings.batchSize ?? 64, settings.seed ?? 0);
  for (let step = 0; step < steps; step++) {
    const batch = source.next().value;
    const stepStart = performance.now();
    const forwardBackward = training.forwardBackward(batch, "cross_entropy");
    const optim = training.optimStep({ learning_rate: settings.learningRate });
    const [output] = await Promise.all([forwardBackward, optim]);
    const now = performance.now();
    const weight = sum(batch.map((d) => sum(d.loss_fn_inputs["weights"]!.data as Float32Array)));
    const tokens = sum(batch.map((d) => (d.loss_fn_inputs["weights"]!.data as Float32Array).length));
    const report: StepReport = {
      step,
      steps,
      loss: output.metrics["loss:sum"]! / weight,
      tokens,
      tokensPerSecond: tokens / Math.max((now - stepStart) / 1000, 1e-9),
      elapsedMs: now - start,
    };
    reports.push(report);
    settings.onStep?.(report);
  }
  return reports;
}

/** A held-out question and a model's greedy answer. */
export interface Completion {
  readonly pair: QaPair;
  /** The decoded completion, special tokens dropped. */
  readonly text: string;
  /** The decoded completion with its special tokens (a random model produces many). */
  readonly raw: string;
  /** A phrase of three or more words it shares with the training answers, if any. */
  readonly shared: string | undefined;
  /** Whether it is exactly the held-out answer. */
  readonly exact: boolean;
}

/**
 * Greedy (temperature 0) answers of `sampler` to `pairs`, at most `maxTokens` tokens each, all
 * requests in flight at once.
 */
export async function complete(
  sampler: SamplingClient,
  tokenizer: Tokenizer,
  pairs: readonly QaPair[],
  trainingAnswers: readonly string[],
  maxTokens = 16,
): Promise<Completion[]> {
  const results = await Promise.all(
    pairs.map((pair) =>
      sampler.sample(modelInputFromInts(tokenizePair(tokenizer, pair).promptTokens), {
        numSamples: 1,
        samplingParams: { max_tokens: maxTokens, temperature: 0 },
      }),
    ),
  );
  return results.map((result, i) => {
    const pair = pairs[i]!;
    const tokens = result.sequences[0]!.tokens;
    const text = tokenizer.decode(tokens, { skipSpecialTokens: true });
    const raw = tokenizer.decode(tokens, { skipSpecialTokens: false });
    return {
      pair,
      text,
      raw,
      shared: sharedPhrase(text, trainingAnswers),
      exact: text.trim() === pair.completion.trim(),
    };
  });
}

/** Mean of the first and the last `window` losses. */
export function lossDrop(reports: readonly StepReport[], window = 3): { first: number; last: number } {
  const mean = (xs: readonly StepReport[]) => sum(xs.map((r) => r.loss)) / xs.length;
  return { first: mean(reports.slice(0, window)), last: mean(reports.slice(-window)) };
}

/** Options of {@link run}. */
export interface SftExampleOptions extends ExampleSessionOptions, SftSettings {
  /** Where progress goes (default `console.log`). */
  readonly log?: (line: string) => void;
  /** Held-out questions to answer (default all 31). */
  readonly evalCount?: number;
}

/** What the example measured. */
export interface SftExampleResult {
  readonly reports: StepReport[];
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly completions: Completion[];
  /** Held-out answers sharing a 3-word phrase with the training answers. */
  readonly learned: number;
  readonly exact: number;
}

/**
 * Fine-tunes on the animal-facts training split and answers the held-out questions.
 *
 * @throws Error when the loss did not fall by half or no held-out answer resembles the training
 *   answers.
 */
export async function run(options: SftExampleOptions = {}): Promise<SftExampleResult> {
  const log = options.log ?? console.log;
  const session = await openExampleSession({ ...options, userMetadata: { example: "sft-basic" } });
  try {
    return await runInSession(session, options, log);
  } finally {
    await session.close();
  }
}

async function runInSession(
  session: ExampleSession,
  options: SftExampleOptions,
  log: (line: string) => void,
): Promise<SftExampleResult> {
  const { service, tokenizer, baseModel } = session;
  log(`target: ${session.serviceDescription}`);
  const { train, trainPairs, test } = animalFactsData(tokenizer);
  const training = await service.createLoraTrainingClient({ baseModel, rank: 16, seed: 0 });
  log(`training ${training.modelId}: ${session.modelDescription}, LoRA rank 16, ${train.length} examples`);
  const reports = await trainSft(training, train, {
    ...options,
    learningRate: options.learningRate ?? session.learningRate,
    onStep: (r) => {
      if (r.step % 8 === 0 || r.step === r.steps - 1) {
        log(
          `step ${r.step + 1}/${r.steps}  loss ${r.loss.toFixed(3)}  ${Math.round(r.tokensPerSecond)} tokens/s`,
        );
      }
    },
  });
  const sampler = await training.saveWeightsAndGetSamplingClient();
  const completions = await complete(
    sampler,
    tokenizer,
    test.slice(0, options.evalCount ?? test.length),
    trainPairs.map((p) => p.completion),
  );
  for (const c of completions.slice(0, 8)) {
    log(`${JSON.stringify(c.pair.prompt)} →${c.text}${c.exact ? "  (exact)" : ""}`);
  }
  const { first, last } = lossDrop(reports);
  const learned = completions.filter((c) => c.shared !== undefined).length;
  const exact = completions.filter((c) => c.exact).length;
  log(
    `loss ${first.toFixed(3)} → ${last.toFixed(3)}; ${learned}/${completions.length} held-out answers share a phrase with the training answers, ${exact} exact`,
  );
  if (!(last <= first / 2))
    throw new Error(`The loss did not fall by half: ${first.toFixed(3)} → ${last.toFixed(3)}.`);
  if (learned === 0) throw new Error("No held-out answer shares a phrase with the training answers.");
  return { reports, firstLoss: first, lastLoss: last, completions, learned, exact };
}

if (isMain(import.meta.url)) await runMain(() => run());
