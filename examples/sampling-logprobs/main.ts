/**
 * sampling-logprobs: scoring text with a sampler. `sample(…, { includePromptLogprobs: true,
 * topkPromptLogprobs: k })` returns, besides the sampled tokens, the logprob of every prompt token
 * given the tokens before it (the first is `null`: nothing precedes it) and the k most likely
 * tokens at each position; `computeLogprobs(prompt)` returns the same prompt logprobs directly.
 * After a short supervised warm start, the example scores an answer from the dataset, prints a
 * table of tokens with their logprob and the model's top alternatives, and checks that the
 * three views agree.
 */
import type { SamplingClient } from "@tinker-ts/clients";
import type { Tokenizer } from "@tinker-ts/tokenizer";
import { modelInputFromInts, promptLogprobsList, topkPromptLogprobsList } from "@tinker-ts/types";
import { animalFactsData, trainSft } from "../sft-basic/main.js";
import { type ExampleSessionOptions, openExampleSession } from "../support/index.js";
import { isMain, runMain } from "../support/main.js";

/** One prompt token with its logprob and the k most likely tokens at its position. */
export interface ScoredToken {
  readonly token: string;
  /** log p(token | tokens before it), nats; null for the first token. */
  readonly logprob: number | null;
  /** The k most likely tokens at this position, most likely first. */
  readonly top: ReadonlyArray<{ readonly token: string; readonly logprob: number }>;
}

/** Options of {@link run}. */
export interface LogprobsExampleOptions extends ExampleSessionOptions {
  /** Supervised warm-start steps of 32 examples (default 20; 0 scores with the base model). */
  readonly warmupSteps?: number;
  /** Alternatives per position (default 3). */
  readonly topK?: number;
  readonly log?: (line: string) => void;
}

/** The scored tokens of the text, and the sequence logprob of the answer under each model. */
export interface LogprobsExampleResult {
  readonly scored: ScoredToken[];
  /** Σ logprobs of the answer tokens under the base model and the warm-started one, nats. */
  readonly answerLogprobBase: number;
  readonly answerLogprobTrained: number;
}

/**
 * Scores `text` with `sampler`: prompt logprobs and top-k alternatives from `sample`, checked
 * against `computeLogprobs`.
 *
 * @throws Error when the views disagree: the two prompt-logprob lists, or a token scoring above
 *   the best of its top-k.
 */
export async function score(
  sampler: SamplingClient,
  tokenizer: Tokenizer,
  text: string,
  topK: number,
): Promise<ScoredToken[]> {
  const ids = Array.from(tokenizer.encode(text, { addSpecialTokens: false }));
  const prompt = modelInputFromInts(ids);
  const [response, computed] = await Promise.all([
    sampler.sample(prompt, {
      numSamples: 1,
      samplingParams: { max_tokens: 1, temperature: 0 },
      includePromptLogprobs: true,
      topkPromptLogprobs: topK,
    }),
    sampler.computeLogprobs(prompt),
  ]);
  const logprobs = promptLogprobsList(response) ?? [];
  const topk = topkPromptLogprobsList(response) ?? [];
  if (logprobs.length !== ids.length || logprobs[0] !== null) {
    throw new Error(
      `Expected ${ids.length} prompt logprobs starting with null, got ${JSON.stringify(logprobs.slice(0, 3))}…`,
    );
  }
  for (let i = 1; i < ids.length; i++) {
    if (Math.abs(logprobs[i]! - computed[i]!) > 1e-4) {
      throw new Error(
        `Position ${i}: sample's prompt logprob ${logprobs[i]} ≠ computeLogprobs ${computed[i]}.`,
      );
    }
    const best = topk[i]?.[0];
    if (best === undefined || logprobs[i]! > best[1] + 1e-4) {
      throw new Error(
        `Position ${i}: the token scores ${logprobs[i]}, above the best top-k entry ${best?.[1]}.`,
      );
    }
  }
  return ids.map((id, i) => ({
    token: tokenizer.decode([id]),
    logprob: logprobs[i] ?? null,
    top: (topk[i] ?? []).map(([token, logprob]) => ({ token: tokenizer.decode([token]), logprob })),
  }));
}

const answerLogprob = (scored: readonly ScoredToken[], answerTokens: number) =>
  scored.slice(-answerTokens).reduce((sum, t) => sum + (t.logprob ?? 0), 0);

/**
 * Scores one question and answer with the base model and with a warm-started one.
 *
 * @throws Error when the views disagree (see {@link score}) or the trained model does not find
 *   the answer more likely than the base model does.
 */
export async function run(options: LogprobsExampleOptions = {}): Promise<LogprobsExampleResult> {
  const log = options.log ?? console.log;
  const session = await openExampleSession({ ...options, userMetadata: { example: "sampling-logprobs" } });
  try {
    const { service, tokenizer, baseModel } = session;
    const topK = options.topK ?? 3;
    const question = "Q: Where does a cow live?\nA:";
    const answer = " It lives on a farm.";
    const answerTokens = tokenizer.encode(answer, { addSpecialTokens: false }).length;

    const base = await score(
      await service.createSamplingClient({ baseModel }),
      tokenizer,
      question + answer,
      topK,
    );
    const training = await service.createLoraTrainingClient({ baseModel, rank: 16, seed: 0 });
    const { train } = animalFactsData(tokenizer);
    await trainSft(training, train, {
      steps: options.warmupSteps ?? 20,
      batchSize: 32,
      learningRate: session.learningRate,
    });
    const scored = await score(
      await training.saveWeightsAndGetSamplingClient(),
      tokenizer,
      question + answer,
      topK,
    );

    log(`token            logprob   top-${topK} after training`);
    for (const t of scored) {
      const top = t.top.map((alt) => `${JSON.stringify(alt.token)} ${alt.logprob.toFixed(2)}`).join(", ");
      log(
        `${JSON.stringify(t.token).padEnd(16)} ${t.logprob === null ? "   —   " : t.logprob.toFixed(3).padStart(7)}   ${top}`,
      );
    }
    const answerLogprobBase = answerLogprob(base, answerTokens);
    const answerLogprobTrained = answerLogprob(scored, answerTokens);
    log(
      `log p(answer | question): base ${answerLogprobBase.toFixed(2)}, after ${options.warmupSteps ?? 20} SFT steps ${answerLogprobTrained.toFixed(2)}`,
    );
    if (!(answerLogprobTrained > answerLogprobBase)) {
      throw new Error("Training on the dataset did not make its answer more likely.");
    }
    return { scored, answerLogprobBase, answerLogprobTrained };
  } finally {
    await session.close();
  }
}

if (isMain(import.meta.url)) await runMain(() => run());
