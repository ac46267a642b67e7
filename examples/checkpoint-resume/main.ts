/**
 * checkpoint-resume: save a training run halfway with `saveState`, start a new training client
 * from that checkpoint with its optimizer state (`createTrainingClientFromStateWithOptimizer`),
 * and continue. The resumed run must produce the same loss curve as an uninterrupted run on the
 * same batches, within a small tolerance. A resume without the optimizer state
 * (`createTrainingClientFromState`: weights only, fresh AdamW moments) is run alongside to show
 * why the optimizer state matters: its curve departs from the uninterrupted one.
 */
import type { TrainingClient } from "@tinker-ts/clients";
import type { Datum } from "@tinker-ts/types";
import { animalFactsData, batches } from "../sft-basic/main.js";
import { type ExampleSessionOptions, openExampleSession } from "../support/index.js";
import { isMain, runMain } from "../support/main.js";

/** Options of {@link run}. */
export interface ResumeExampleOptions extends ExampleSessionOptions {
  /** Total steps (default 12); the checkpoint is taken after half of them. */
  readonly steps?: number;
  /** Examples per step (default 16). */
  readonly batchSize?: number;
  /** Largest relative loss difference accepted between the resumed and uninterrupted runs (default 1e-4). */
  readonly tolerance?: number;
  readonly log?: (line: string) => void;
}

/** The three loss curves of the second half and their largest relative differences. */
export interface ResumeExampleResult {
  readonly uninterrupted: number[];
  readonly resumed: number[];
  readonly resumedWithoutOptimizer: number[];
  /** max |resumed − uninterrupted| / uninterrupted over the second half. */
  readonly resumedDifference: number;
  /** The same for the resume without optimizer state. */
  readonly withoutOptimizerDifference: number;
  readonly checkpointPath: string;
}

/** Σ weights of a batch: the number of answer tokens its loss is summed over. */
function answerTokens(batch: readonly Datum[]): number {
  let total = 0;
  for (const datum of batch)
    for (const w of datum.loss_fn_inputs["weights"]!.data as Float32Array) total += w;
  return total;
}

const maxRelativeDifference = (a: readonly number[], b: readonly number[]) =>
  Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.abs(b[i]!)));

/**
 * Runs the three variants on identical batches and compares their second halves.
 *
 * @throws Error when the resumed curve differs by more than `tolerance`, or when dropping the
 *   optimizer state makes no larger difference than keeping it.
 */
export async function run(options: ResumeExampleOptions = {}): Promise<ResumeExampleResult> {
  const log = options.log ?? console.log;
  const session = await openExampleSession({ ...options, userMetadata: { example: "checkpoint-resume" } });
  try {
    const { service, tokenizer, baseModel } = session;
    const steps = options.steps ?? 12;
    const half = Math.floor(steps / 2);
    const { train } = animalFactsData(tokenizer);
    // One fixed sequence of batches, replayed by every variant.
    const source = batches(train, options.batchSize ?? 16, 7);
    const schedule: Datum[][] = Array.from({ length: steps }, () => source.next().value);
    const trainOn = async (training: TrainingClient, from: number, to: number) => {
      const losses: number[] = [];
      for (const batch of schedule.slice(from, to)) {
        const forwardBackward = training.forwardBackward(batch, "cross_entropy");
        const optim = training.optimStep({ learning_rate: session.learningRate });
        const [output] = await Promise.all([forwardBackward, optim]);
        losses.push(output.metrics["loss:sum"]! / answerTokens(batch));
      }
      return losses;
    };

    const create = () => service.createLoraTrainingClient({ baseModel, rank: 16, seed: 3 });
    const uninterrupted = await trainOn(await create(), 0, steps);
    log(`uninterrupted: ${uninterrupted.map((l) => l.toFixed(4)).join(" ")}`);

    const first = await create();
    await trainOn(first, 0, half);
    const saved = await first.saveState(`resume-step-${half}`);
    log(`saved ${saved.path} after ${half} steps`);

    const resumedClient = await service.createTrainingClientFromStateWithOptimizer(saved.path);
    const resumed = await trainOn(resumedClient, half, steps);
    const weightsOnlyClient = await service.createTrainingClientFromState(saved.path);
    const resumedWithoutOptimizer = await trainOn(weightsOnlyClient, half, steps);

    const secondHalf = uninterrupted.slice(half);
    const resumedDifference = maxRelativeDifference(resumed, secondHalf);
    const withoutOptimizerDifference = maxRelativeDifference(resumedWithoutOptimizer, secondHalf);
    log(
      `resumed with optimizer:    ${resumed.map((l) => l.toFixed(4)).join(" ")}  (max relative difference ${resumedDifference.toExponential(2)})`,
    );
    log(
      `resumed weights only:      ${resumedWithoutOptimizer.map((l) => l.toFixed(4)).join(" ")}  (max relative difference ${withoutOptimizerDifference.toExponential(2)})`,
    );
    const tolerance = options.tolerance ?? 1e-4;
    if (!(resumedDifference <= tolerance)) {
      throw new Error(
        `The resumed curve differs by ${resumedDifference.toExponential(2)} (> ${tolerance}) from the uninterrupted one.`,
      );
    }
    if (!(withoutOptimizerDifference > resumedDifference)) {
      throw new Error(
        "Resuming without the optimizer state made no difference; the check cannot tell them apart.",
      );
    }
    return {
      uninterrupted: secondHalf,
      resumed,
      resumedWithoutOptimizer,
      resumedDifference,
      withoutOptimizerDifference,
      checkpointPath: saved.path,
    };
  } finally {
    await session.close();
  }
}

if (isMain(import.meta.url)) await runMain(() => run());
