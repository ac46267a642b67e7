/**
 * rl-basic: reinforcement learning with a verifiable reward, as the Tinker cookbook's `rl_basic`
 * does it. For each batch of questions the current policy samples a group of answers per
 * question; each answer is scored against the dataset (1 for the exact answer, 0.5 for an answer
 * of the right form, 0 otherwise); advantages are the rewards centred within their group; and the
 * policy is updated with the `importance_sampling` loss, whose inputs are the sampled tokens,
 * the sampler's logprobs of them and the advantages. The three training calls of a step
 * (forward_backward, optim_step, save weights for the next sampler) are submitted back to back
 * without waiting: the client orders them by seq_id.
 *
 * A short supervised warm start (sft-basic's loop) comes first, so that the policy writes
 * answers at all; a real run starts from an instruct model instead.
 */
import type { SamplingClient, TrainingClient } from "@tinker-ts/clients";
import type { Tokenizer } from "@tinker-ts/tokenizer";
import { type Datum, datum, modelInputFromInts } from "@tinker-ts/types";
import { animalFactsData, trainSft } from "../sft-basic/main.js";
import {
  type ExampleSessionOptions,
  openExampleSession,
  type QaPair,
  tokenizePair,
} from "../support/index.js";
import { isMain, runMain } from "../support/main.js";

/** The answer pattern of each question family of the dataset. */
const FORMS: Readonly<Record<string, RegExp>> = {
  sound: /^It (says \w+|\w+s)\.$/,
  home: /^It lives (in|on|by) (a|an|the) \w+\.$/,
  food: /^It eats [\w ]+\.$/,
  legs: /^It has (no|two|four|six|eight) legs\.$/,
  baby: /^It is called (a|an) \w+\.$/,
  group: /^It is called (a|an) \w+\.$/,
  fly: /^(Yes, it can|No, it cannot) fly\.$/,
};

/**
 * The verifiable reward of an answer: 1 when it is the dataset's answer, 0.5 when it has the
 * right form for the question's family (for example `It has four legs.` to a legs question), 0
 * otherwise.
 */
export function reward(pair: Pick<QaPair, "kind" | "completion">, answer: string): number {
  const text = answer.trim();
  if (text === pair.completion.trim()) return 1;
  return FORMS[pair.kind]?.test(text) ? 0.5 : 0;
}

/** Rewards minus their group's mean (GRPO-style centring; no division by the deviation). */
export function centredAdvantages(rewards: readonly number[]): number[] {
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  return rewards.map((r) => r - mean);
}

/**
 * The `importance_sampling` datum of one sampled answer: the model reads prompt + answer[:-1];
 * `target_tokens` are the next tokens; `logprobs` are the sampler's logprobs of the answer
 * tokens (0 on prompt positions) and `advantages` the answer's advantage on every answer position
 * (0 on prompt positions, so the prompt is not trained).
 */
export function importanceSamplingDatum(
  promptTokens: readonly number[],
  answerTokens: ArrayLike<number>,
  answerLogprobs: ArrayLike<number>,
  advantage: number,
): Datum {
  const tokens = [...promptTokens, ...Array.from(answerTokens)];
  const promptTargets = promptTokens.length - 1;
  const logprobs = [...new Array<number>(promptTargets).fill(0), ...Array.from(answerLogprobs)];
  const advantages = [
    ...new Array<number>(promptTargets).fill(0),
    ...new Array<number>(answerTokens.length).fill(advantage),
  ];
  return datum(modelInputFromInts(tokens.slice(0, -1)), {
    target_tokens: tokens.slice(1),
    logprobs,
    advantages,
  });
}

/** Options of {@link run}. */
export interface RlExampleOptions extends ExampleSessionOptions {
  /** Supervised warm-start steps of 32 examples (default 30). */
  readonly warmupSteps?: number;
  /** RL steps (default 12). */
  readonly steps?: number;
  /** Questions per step (default 16). */
  readonly questionsPerStep?: number;
  /** Sampled answers per question (default 4). */
  readonly groupSize?: number;
  readonly log?: (line: string) => void;
}

/** Mean reward of each RL step, and the first and last three averaged. */
export interface RlExampleResult {
  readonly meanRewards: number[];
  readonly firstReward: number;
  readonly lastReward: number;
}

async function sampleGroups(
  sampler: SamplingClient,
  tokenizer: Tokenizer,
  questions: readonly QaPair[],
  groupSize: number,
  seed: number,
) {
  return Promise.all(
    questions.map(async (pair, i) => {
      const promptTokens = tokenizePair(tokenizer, pair).promptTokens;
      const result = await sampler.sample(modelInputFromInts(promptTokens), {
        numSamples: groupSize,
        samplingParams: { max_tokens: 12, temperature: 1, seed: seed * 1000 + i },
      });
      return { pair, promptTokens, sequences: result.sequences };
    }),
  );
}

/**
 * Warm start, then `steps` RL steps on the training questions.
 *
 * @throws Error when the mean reward of the last three steps is not above that of the first three.
 */
export async function run(options: RlExampleOptions = {}): Promise<RlExampleResult> {
  const log = options.log ?? console.log;
  const session = await openExampleSession({ ...options, userMetadata: { example: "rl-basic" } });
  try {
    const { service, tokenizer, baseModel } = session;
    const { train, trainPairs } = animalFactsData(tokenizer);
    const training: TrainingClient = await service.createLoraTrainingClient({ baseModel, rank: 16, seed: 0 });
    await trainSft(training, train, {
      steps: options.warmupSteps ?? 30,
      batchSize: 32,
      learningRate: session.learningRate,
    });
    log(`warm start: ${options.warmupSteps ?? 30} supervised steps`);

    const steps = options.steps ?? 12;
    const perStep = options.questionsPerStep ?? 16;
    const groupSize = options.groupSize ?? 4;
    let sampler = await training.saveWeightsAndGetSamplingClient();
    const meanRewards: number[] = [];
    for (let step = 0; step < steps; step++) {
      const questions = Array.from(
        { length: perStep },
        (_, i) => trainPairs[(step * perStep + i * 7) % trainPairs.length]!,
      );
      const groups = await sampleGroups(sampler, tokenizer, questions, groupSize, step);
      const data: Datum[] = [];
      let total = 0;
      for (const { pair, promptTokens, sequences } of groups) {
        const rewards = sequences.map((s) =>
          reward(pair, tokenizer.decode(s.tokens, { skipSpecialTokens: true })),
        );
        total += rewards.reduce((a, b) => a + b, 0);
        const advantages = centredAdvantages(rewards);
        sequences.forEach((s, i) => {
          // A group whose answers all scored the same teaches nothing: its advantages are 0.
          if (advantages[i] !== 0)
            data.push(importanceSamplingDatum(promptTokens, s.tokens, s.logprobs!, advantages[i]!));
        });
      }
      const mean = total / (perStep * groupSize);
      meanRewards.push(mean);
      log(
        `step ${step + 1}/${steps}  mean reward ${mean.toFixed(3)}  ${data.length} datums with a non-zero advantage`,
      );
      if (data.length === 0) continue;
      // Pipelined: all three are queued at once; the next sampler sees the updated weights.
      const forwardBackward = training.forwardBackward(data, "importance_sampling");
      const optim = training.optimStep({ learning_rate: session.learningRate / 2 });
      const nextSampler = training.saveWeightsAndGetSamplingClient();
      [, , sampler] = await Promise.all([forwardBackward, optim, nextSampler]);
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const firstReward = avg(meanRewards.slice(0, 3));
    const lastReward = avg(meanRewards.slice(-3));
    log(`mean reward ${firstReward.toFixed(3)} (first 3 steps) → ${lastReward.toFixed(3)} (last 3)`);
    if (!(lastReward > firstReward)) {
      throw new Error(`The reward did not increase: ${firstReward.toFixed(3)} → ${lastReward.toFixed(3)}.`);
    }
    return { meanRewards, firstReward, lastReward };
  } finally {
    await session.close();
  }
}

if (isMain(import.meta.url)) await runMain(() => run());
