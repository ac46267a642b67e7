import {
  type Checkpoint,
  InvalidInputError,
  type ParsedTinkerPath,
  parseTinkerPath,
  type TrainingRun,
} from "@tinker-ts/types";
import type { CliRestApi } from "../api.js";
import { type CommandContext, progress, warn } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { formatBool, formatSize, formatTimestamp } from "../output/format.js";
import { type CommandOutput, propertyTable, tableOutput } from "../output/output.js";
import { type CheckpointJson, checkpointJson } from "../output/wire-json.js";
import { fetchPages, listTitle } from "../paging.js";

/**
 * `tinker checkpoint list|info|publish|unpublish|set-ttl` (tinker-wire-spec.md §13).
 */

/** User checkpoints are fetched in pages of this many (the Python CLI's batch: the query is slow). */
export const CHECKPOINT_BATCH_SIZE = 1000;

const PATH_FORMAT_HINT = "Checkpoint path must be in the format: tinker://run-id/weights/0001";

/**
 * Checks and parses a `tinker://` path given on the command line.
 * @throws UsageError when it is not one.
 */
export function parseCheckpointArg(path: string): ParsedTinkerPath {
  try {
    return parseTinkerPath(path);
  } catch (error) {
    if (InvalidInputError.isInstance(error))
      throw new UsageError(`Invalid checkpoint path: ${path}`, PATH_FORMAT_HINT);
    throw error;
  }
}

/** Checkpoints fetched by {@link listCheckpoints}. */
export interface CheckpointListing {
  checkpoints: Checkpoint[];
  /** Set when listing one run. */
  runId: string | undefined;
  /** The server's total (user listing only). */
  totalCount: number | undefined;
}

/**
 * Lists the checkpoints of one run (a single request, no paging), or up to `limit` (0 = all) of
 * the caller's checkpoints across runs, newest first, in pages of {@link CHECKPOINT_BATCH_SIZE}.
 */
export async function listCheckpoints(
  rest: CliRestApi,
  options: {
    runId?: string | undefined;
    limit: number;
    onProgress?: (fetched: number, target: number) => void;
  },
): Promise<CheckpointListing> {
  if (options.runId !== undefined) {
    const response = await rest.listCheckpoints(options.runId);
    return { checkpoints: response.checkpoints, runId: options.runId, totalCount: undefined };
  }
  const result = await fetchPages({
    limit: options.limit,
    batchSize: CHECKPOINT_BATCH_SIZE,
    onProgress: options.onProgress,
    fetchPage: async (limit, offset) => {
      const page = await rest.listUserCheckpointsPage({ limit, offset });
      // Without a cursor the first page is taken as everything, as the Python CLI does.
      return { items: page.checkpoints, totalCount: page.cursor?.total_count ?? page.checkpoints.length };
    },
  });
  return { checkpoints: result.items, runId: undefined, totalCount: result.totalCount };
}

/** Table columns of `checkpoint list`. */
export const CHECKPOINT_COLUMNS = ["Checkpoint ID", "Type", "Size", "Public", "Created", "Expires", "Path"];

function sizeCell(c: Checkpoint): string {
  return c.size_bytes === null || c.size_bytes === undefined ? "N/A" : formatSize(c.size_bytes);
}

function expiresCell(c: Checkpoint, now: number): string {
  return c.expires_at ? formatTimestamp(c.expires_at, now) : "Never";
}

/** JSON of `checkpoint list` (`schema/checkpoint-list.json`). */
export interface CheckpointListJson {
  run_id?: string;
  checkpoints: CheckpointJson[];
}

/** The table and JSON of a checkpoint listing. */
export function checkpointListOutput(listing: CheckpointListing, now: number): CommandOutput {
  const suffix = listing.runId === undefined ? "" : ` for run ${listing.runId}`;
  const json: CheckpointListJson = {
    ...(listing.runId === undefined ? {} : { run_id: listing.runId }),
    checkpoints: listing.checkpoints.map(checkpointJson),
  };
  return tableOutput(
    {
      title: listTitle(listing.checkpoints.length, listing.totalCount, {
        singular: "checkpoint",
        plural: "checkpoints",
        suffix,
      }),
      columns: CHECKPOINT_COLUMNS,
      rows: listing.checkpoints.map((c) => [
        c.checkpoint_id,
        c.checkpoint_type,
        sizeCell(c),
        formatBool(c.public),
        formatTimestamp(c.time, now),
        expiresCell(c, now),
        c.tinker_path,
      ]),
    },
    json,
  );
}

/** `tinker checkpoint list [--run-id ID] [--limit N]`. */
export async function checkpointListCommand(
  ctx: CommandContext,
  flags: { runId?: string | undefined; limit: number },
): Promise<CommandOutput> {
  const rest = await ctx.clients.rest();
  const bar = progress(ctx, { label: "Fetching checkpoints", total: 0, unit: "items" });
  try {
    const listing = await listCheckpoints(rest, {
      runId: flags.runId,
      limit: flags.limit,
      onProgress: (fetched, target) => {
        bar.setTotal(target);
        bar.update(fetched);
      },
    });
    return checkpointListOutput(listing, ctx.io.now());
  } finally {
    bar.stop();
  }
}

/**
 * Finds the checkpoint with exactly this `tinker_path` among its run's checkpoints.
 * @throws CliError "Checkpoint not found: …" when there is none.
 */
export async function findCheckpoint(rest: CliRestApi, parsed: ParsedTinkerPath): Promise<Checkpoint> {
  const response = await rest.listCheckpoints(parsed.training_run_id);
  const found = response.checkpoints.find((c) => c.tinker_path === parsed.tinker_path);
  if (!found) {
    throw new CliError(`Checkpoint not found: ${parsed.tinker_path}`, {
      details: `\`tinker checkpoint list --run-id ${parsed.training_run_id}\` shows the run's checkpoints.`,
    });
  }
  return found;
}

/** Property/Value rows of `checkpoint info`. */
export function checkpointInfoRows(c: Checkpoint, run: TrainingRun, now: number): [string, string][] {
  const rows: [string, string][] = [
    ["Checkpoint ID", c.checkpoint_id],
    ["Type", c.checkpoint_type],
    ["Tinker Path", c.tinker_path],
  ];
  if (c.size_bytes !== null && c.size_bytes !== undefined) rows.push(["Size", formatSize(c.size_bytes)]);
  rows.push(["Public", formatBool(c.public)]);
  rows.push(["Created", formatTimestamp(c.time, now)]);
  rows.push(["Expires", expiresCell(c, now)]);
  rows.push(["Training Run ID", c.tinker_path.slice("tinker://".length).split("/")[0] ?? ""]);
  rows.push(["LoRA", !run.is_lora ? "No" : run.lora_rank ? `Yes (Rank ${run.lora_rank})` : "Yes"]);
  return rows;
}

/** JSON of `checkpoint info` (`schema/checkpoint-info.json`): the checkpoint plus its run's LoRA settings. */
export interface CheckpointInfoJson extends CheckpointJson {
  is_lora: boolean;
  lora_rank: number | null;
}

/** `tinker checkpoint info PATH`. */
export async function checkpointInfoCommand(ctx: CommandContext, path: string): Promise<CommandOutput> {
  const parsed = parseCheckpointArg(path);
  const rest = await ctx.clients.rest();
  const checkpoint = await findCheckpoint(rest, parsed);
  const run = await rest.getTrainingRun(parsed.training_run_id);
  const json: CheckpointInfoJson = {
    ...checkpointJson(checkpoint),
    is_lora: run.is_lora,
    lora_rank: run.lora_rank ?? null,
  };
  return tableOutput(
    propertyTable(
      `Checkpoint: ${checkpoint.checkpoint_id}`,
      checkpointInfoRows(checkpoint, run, ctx.io.now()),
    ),
    json,
  );
}

/**
 * `tinker checkpoint publish PATH` / `unpublish PATH`: nothing on stdout in table format (as the
 * Python CLI), `{"tinker_path", "public"}` with `--format json`.
 *
 * The checkpoint is looked up first. A checkpoint already in the requested state is a success
 * with a note on stderr: the server answers such a request with 409, which the SDK's retry layer
 * (tinker-wire-spec.md §7.2) retries for its whole 300 s budget before failing.
 */
export async function publishCommand(
  ctx: CommandContext,
  path: string,
  publish: boolean,
): Promise<CommandOutput> {
  const parsed = parseCheckpointArg(path);
  const rest = await ctx.clients.rest();
  const checkpoint = await findCheckpoint(rest, parsed);
  const json = { tinker_path: path, public: publish };
  if (checkpoint.public === publish) {
    warn(ctx, `Checkpoint ${path} is already ${publish ? "public" : "private"}; nothing to do.`);
    return { kind: "quiet", json };
  }
  if (publish) await rest.publishCheckpointFromTinkerPath(path);
  else await rest.unpublishCheckpointFromTinkerPath(path);
  return { kind: "quiet", json };
}

/**
 * `tinker checkpoint set-ttl PATH (--ttl SECONDS | --remove)`: nothing on stdout in table format,
 * `{"tinker_path", "ttl_seconds"}` (null when removed) with `--format json`.
 *
 * @throws UsageError unless exactly one of `--ttl` and `--remove` is given.
 */
export async function setTtlCommand(
  ctx: CommandContext,
  path: string,
  flags: { ttl?: number | undefined; remove?: boolean | undefined },
): Promise<CommandOutput> {
  parseCheckpointArg(path);
  const hint = "Use --ttl to set an expiration or --remove to clear it";
  if (flags.ttl === undefined && !flags.remove)
    throw new UsageError("Must specify either --ttl <seconds> or --remove", hint);
  if (flags.ttl !== undefined && flags.remove)
    throw new UsageError("Cannot specify both --ttl and --remove", hint);
  const ttlSeconds = flags.remove ? null : (flags.ttl as number);
  const rest = await ctx.clients.rest();
  await rest.setCheckpointTtlFromTinkerPath(path, ttlSeconds);
  return { kind: "quiet", json: { tinker_path: path, ttl_seconds: ttlSeconds } };
}
