/**
 * dpo-custom-loss: Direct Preference Optimization with `forwardBackwardCustom` and the built-in
 * `dpoLoss`. Each preference pair is a question with a chosen answer (the dataset's) and a
 * rejected one (an answer to a different kind of question, e.g. `It eats grass.` to "Where does
 * a cow live?"). The reference model is the frozen base model, whose logprobs are computed once
 * with `computeReferenceLogprobs`. `forwardBackwardCustom` runs a forward pass, evaluates the DPO
 * loss and its gradient in TypeScript, and sends the gradient back as a weighted forward_backward.
 *
 * The check: the DPO loss falls on the training pairs, and the trained policy prefers the chosen
 * answer on held-out pairs more often than the reference does.
 */
import {
  computeReferenceLogprobs,
  dpoLoss,
  type SamplingClient,
  type TrainingClient,
} from "@tinker-ts/clients";
import type { Tokenizer } from "@tinker-ts/tokenizer";
import type { Datum } from "@tinker-ts/types";
import { batches } from "../sft-basic/main.js";
import {
  type ExampleSessionOptions,
  loadAnimalFacts,
  openExampleSession,
  type QaPair,
  supervisedDatum,
  tokenizePair,
} from "../support/index.js";
import { isMain, runMain } from "../support/main.js";

/**
 * Preference pairs laid out as `dpoLoss` expects: `[chosen0, rejected0, chosen1, rejected1, …]`,
 * both answers after the same prompt, weights 0 on the prompt. The rejected answer is the next
 * answer in `pool` that belongs to a different question family.
 */
export function preferencePairs(
  tokenizer: Tokenizer,
  pairs: readonly QaPair[],
  pool: readonly QaPair[],
): Datum[] {
  const data: Datum[] = [];
  pairs.forEach((pair, i) => {
    let j = (i * 5 + 1) % pool.length;
    while (pool[j]!.kind === pair.kind) j = (j + 1) % pool.length;
    data.push(supervisedDatum(tokenizePair(tokenizer, pair)));
    data.push(
      supervisedDatum(tokenizePair(tokenizer, { prompt: pair.prompt, completion: pool[j]!.completion })),
    );
  });
  return data;
}

/** Σ weights·logprobs of a datum's targets: the sequence logprob of its answer. */
function answerLogprob(logprobs: ArrayLike<number>, datum: Datum): number {
  const weights = datum.loss_fn_inputs["weights"]!.data as Float32Array;
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]! * logprobs[i]!;
  return total;
}

/**
 * How often the policy's implicit reward prefers the chosen answer: the fraction of pairs with
 * log π(chosen) − log π_ref(chosen) > log π(rejected) − log π_ref(rejected).
 */
async function preferenceAccuracy(
  training: TrainingClient,
  pairs: readonly Datum[],
  reference: readonly ArrayLike<number>[],
): Promise<number> {
  const output = await training.forward([...pairs], "cross_entropy");
  let correct = 0;
  for (let p = 0; p < pairs.length; p += 2) {
    const ratio = (i: number) => {
      const logprobs = output.loss_fn_outputs[i]?.["logprobs"]?.data as Float32Array;
      return answerLogprob(logprobs, pairs[i]!) - answerLogprob(reference[i]!, pairs[i]!);
    };
    if (ratio(p) > ratio(p + 1)) correct++;
  }
  return correct / (pairs.length / 2);
}

/** Options of {@link run}. */
export interface DpoExampleOptions extends ExampleSessionOptions {
  /** DPO steps (default 12). */
  readonly steps?: number;
  /** Preference pairs per step (default 16). */
  readonly pairsPerStep?: number;
  /** β of DPO (default 0.1). */
  readonly beta?: number;
  readonly log?: (line: string) => void;
}

/** DPO loss per step and held-out preference accuracy before and after. */
export interface DpoExampleResult {
  readonly losses: number[];
  readonly heldOutAccuracyBefore: number;
  readonly heldOutAccuracyAfter: number;
}

/**
 * Trains with DPO on preference pairs from the training split and measures held-out pairs.
 *
 * @throws Error when the DPO loss did not fall or held-out accuracy did not improve.
 */
export async function run(options: DpoExampleOptions = {}): Promise<DpoExampleResult> {
  const log = options.log ?? console.log;
  const session = await openExampleSession({ ...options, userMetadata: { example: "dpo-custom-loss" } });
  try {
    const { service, tokenizer, baseModel } = session;
    const { train, test } = loadAnimalFacts();
    const trainPairs = preferencePairs(tokenizer, train, train);
    const testPairs = preferencePairs(tokenizer, test, train);
    const referenceSampler: SamplingClient = await service.createSamplingClient({ baseModel });
    const [trainReference, testReference] = await Promise.all([
      computeReferenceLogprobs(referenceSampler, trainPairs),
      computeReferenceLogprobs(referenceSampler, testPairs),
    ]);
    const training = await service.createLoraTrainingClient({ baseModel, rank: 16, seed: 0 });
    const heldOutAccuracyBefore = await preferenceAccuracy(training, testPairs, testReference);

    // Batches of whole pairs: pair i is datums 2i (chosen) and 2i + 1 (rejected).
    const source = batches(
      Array.from({ length: trainPairs.length / 2 }, (_, i) => i),
      options.pairsPerStep ?? 16,
      0,
    );
    const losses: number[] = [];
    const steps = options.steps ?? 12;
    for (let step = 0; step < steps; step++) {
      const ids = source.next().value;
      const data = ids.flatMap((i) => [trainPairs[2 * i]!, trainPairs[2 * i + 1]!]);
      const reference = ids.flatMap((i) => [trainReference[2 * i]!, trainReference[2 * i + 1]!]);
      const output = training.forwardBackwardCustom(
        data,
        dpoLoss({ beta: options.beta ?? 0.1, referenceLogprobs: reference }),
      );
      const optim = training.optimStep({ learning_rate: session.learningRate });
      const [result] = await Promise.all([output, optim]);
      const { dpo_loss: loss, accuracy, margin } = result.metrics;
      losses.push(loss!);
      log(
        `step ${step + 1}/${steps}  dpo_loss ${loss!.toFixed(4)}  accuracy ${accuracy!.toFixed(2)}  margin ${margin!.toFixed(3)}`,
      );
    }
    const heldOutAccuracyAfter = await preferenceAccuracy(training, testPairs, testReference);
    log(
      `held-out pairs preferring the right answer: ${(heldOutAccuracyBefore * 100).toFixed(0)}% → ${(heldOutAccuracyAfter * 100).toFixed(0)}%`,
    );
    const first = losses[0]!;
    const last = losses.slice(-3).reduce((a, b) => a + b, 0) / Math.min(3, losses.length);
    if (!(last < first))
      throw new Error(`The DPO loss did not fall: ${first.toFixed(4)} → ${last.toFixed(4)}.`);
    if (!(heldOutAccuracyAfter > heldOutAccuracyBefore)) {
      throw new Error(
        `Held-out preference accuracy did not improve: ${heldOutAccuracyBefore} → ${heldOutAccuracyAfter}.`,
      );
    }
    return { losses, heldOutAccuracyBefore, heldOutAccuracyAfter };
  } finally {
    await session.close();
  }
}

if (isMain(import.meta.url)) await runMain(() => run());
