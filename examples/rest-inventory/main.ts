/**
 * rest-inventory: what the REST API says about your training runs and checkpoints. It creates
 * two small runs with a few checkpoints, then pages through runs (`for await` over
 * `listTrainingRuns`) and checkpoints (`listCheckpoints`, `listUserCheckpoints`), sets a TTL,
 * downloads a checkpoint archive through its signed URL and looks inside (PEFT files), and
 * deletes a checkpoint.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TrainingClient } from "@tinker-ts/clients";
import { datum, modelInputFromInts, parseTinkerPath } from "@tinker-ts/types";
import { extract, list } from "tar";
import { type ExampleSessionOptions, openExampleSession } from "../support/index.js";
import { isMain, runMain } from "../support/main.js";

/** Options of {@link run}. */
export interface RestExampleOptions extends ExampleSessionOptions {
  readonly log?: (line: string) => void;
}

/** What the inventory found. */
export interface RestExampleResult {
  readonly runIds: string[];
  /** Every checkpoint path seen by paging through `listUserCheckpoints` two at a time. */
  readonly userCheckpoints: string[];
  /** Files in the downloaded sampler archive. */
  readonly archiveFiles: string[];
  /** LoRA rank read from the archive's adapter_config.json. */
  readonly archiveRank: number;
  /** Checkpoints of the first run after one was deleted. */
  readonly remaining: string[];
}

/** One optimizer step on a toy batch, so that checkpoints hold trained weights. */
async function step(training: TrainingClient, learningRate: number): Promise<void> {
  const data = [
    datum(modelInputFromInts([9707, 11, 1879]), { target_tokens: [11, 1879, 0], weights: [1, 1, 1] }),
  ];
  await Promise.all([
    training.forwardBackward(data, "cross_entropy"),
    training.optimStep({ learning_rate: learningRate }),
  ]);
}

/**
 * Builds the inventory and checks it against what was created.
 *
 * @throws Error when a listing misses something created here, or the archive lacks the PEFT files.
 */
export async function run(options: RestExampleOptions = {}): Promise<RestExampleResult> {
  const log = options.log ?? console.log;
  const session = await openExampleSession({ ...options, userMetadata: { example: "rest-inventory" } });
  const downloads = await mkdtemp(join(tmpdir(), "tinker-ts-rest-inventory-"));
  try {
    const { service, baseModel } = session;
    const rank = 2;
    const first = await service.createLoraTrainingClient({ baseModel, rank });
    await step(first, session.learningRate);
    const state1 = await first.saveState("step-1");
    await step(first, session.learningRate);
    const state2 = await first.saveState("step-2");
    const sampler2 = await first.saveWeightsForSampler("step-2");
    const second = await service.createLoraTrainingClient({ baseModel, rank });
    const init = await second.saveState("init");
    const created = [state1.path, state2.path, sampler2.path, init.path];
    const firstRun = parseTinkerPath(state1.path).training_run_id;
    const secondRun = parseTinkerPath(init.path).training_run_id;

    const rest = service.createRestClient();
    const runIds: string[] = [];
    // One run per page, to show the paging: the iterator fetches the next page on demand.
    for await (const run of rest.listTrainingRuns({ limit: 1 })) {
      runIds.push(run.training_run_id);
      log(
        `run ${run.training_run_id}  ${run.base_model}  LoRA rank ${run.lora_rank}  last checkpoint ${run.last_checkpoint?.checkpoint_id ?? "—"}`,
      );
    }
    for (const id of [firstRun, secondRun]) {
      if (!runIds.includes(id)) throw new Error(`listTrainingRuns did not list ${id}.`);
    }

    const ofFirst = await rest.listCheckpoints(firstRun);
    for (const c of ofFirst.checkpoints) {
      log(
        `  ${c.checkpoint_id.padEnd(24)} ${c.checkpoint_type.padEnd(8)} ${String(c.size_bytes ?? "?").padStart(9)} bytes  ${c.tinker_path}`,
      );
    }
    if (ofFirst.checkpoints.length !== 3)
      throw new Error(`Run ${firstRun} has ${ofFirst.checkpoints.length} checkpoints, expected 3.`);

    const userCheckpoints: string[] = [];
    for await (const checkpoint of rest.listUserCheckpoints({ limit: 2 }))
      userCheckpoints.push(checkpoint.tinker_path);
    const missing = created.filter((path) => !userCheckpoints.includes(path));
    if (missing.length > 0) throw new Error(`listUserCheckpoints missed ${missing.join(", ")}.`);
    log(`${userCheckpoints.length} checkpoints across runs, paged two at a time`);

    await rest.setCheckpointTtlFromTinkerPath(state1.path, 3600);
    const withTtl = (await rest.listCheckpoints(firstRun)).checkpoints.find(
      (c) => c.tinker_path === state1.path,
    );
    if (!withTtl?.expires_at) throw new Error(`${state1.path} has no expiry after setting a TTL.`);
    log(`${state1.path} now expires at ${withTtl.expires_at}`);

    const { url, expires } = await rest.getCheckpointArchiveUrlFromTinkerPath(sampler2.path);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Downloading the archive failed with HTTP ${response.status}.`);
    const archive = join(downloads, "sampler-step-2.tar");
    await writeFile(archive, Buffer.from(await response.arrayBuffer()));
    const archiveFiles: string[] = [];
    await list({ file: archive, onReadEntry: (entry) => void archiveFiles.push(entry.path) });
    await extract({ file: archive, cwd: downloads });
    const adapterConfig = JSON.parse(await readFile(join(downloads, "adapter_config.json"), "utf8")) as {
      r: number;
    };
    log(
      `archive of ${sampler2.path} (URL valid until ${expires}): ${archiveFiles.join(", ")}; adapter r = ${adapterConfig.r}`,
    );
    for (const file of ["adapter_config.json", "adapter_model.safetensors"]) {
      if (!archiveFiles.includes(file)) throw new Error(`The archive has no ${file}.`);
    }
    if (adapterConfig.r !== rank)
      throw new Error(`adapter_config.json says r = ${adapterConfig.r}, the run has rank ${rank}.`);

    await rest.deleteCheckpointFromTinkerPath(state1.path);
    const remaining = (await rest.listCheckpoints(firstRun)).checkpoints.map((c) => c.tinker_path);
    if (remaining.includes(state1.path) || remaining.length !== 2) {
      throw new Error(`After deleting ${state1.path}, run ${firstRun} lists ${remaining.join(", ")}.`);
    }
    log(`deleted ${state1.path}; ${remaining.length} checkpoints left in ${firstRun}`);
    return { runIds, userCheckpoints, archiveFiles, archiveRank: adapterConfig.r, remaining };
  } finally {
    await rm(downloads, { recursive: true, force: true });
    await session.close();
  }
}

if (isMain(import.meta.url)) await runMain(() => run());
