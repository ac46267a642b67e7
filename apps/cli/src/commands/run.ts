import type { TrainingRun } from "@tinker-ts/types";
import type { CliRestApi } from "../api.js";
import { type CommandContext, progress } from "../context.js";
import { UsageError } from "../errors.js";
import { formatTimestamp } from "../output/format.js";
import { type CommandOutput, propertyTable, tableOutput } from "../output/output.js";
import { type TrainingRunJson, trainingRunJson } from "../output/wire-json.js";
import { fetchPages, listTitle } from "../paging.js";

/**
 * `tinker run list` and `tinker run info` (tinker-wire-spec.md §13): the same columns, titles,
 * paging and rows as the Python CLI.
 */

type Column = { header: string; cell: (run: TrainingRun, now: number) => string; description: string };

/** Columns of `run list`, by name (`--columns`). */
export const RUN_COLUMNS: Readonly<Record<string, Column>> = {
  id: { header: "Run ID", cell: (r) => r.training_run_id, description: "Training run ID" },
  model: { header: "Base Model", cell: (r) => r.base_model, description: "Base model name" },
  owner: { header: "Owner", cell: (r) => r.model_owner, description: "Model owner" },
  lora: { header: "LoRA", cell: (r) => loraCell(r, "Rank"), description: "LoRA status and rank" },
  updated: {
    header: "Last Update",
    cell: (r, now) => formatTimestamp(r.last_request_time, now),
    description: "Last request time",
  },
  status: { header: "Status", cell: (r) => (r.corrupted ? "Failed" : "OK"), description: "OK or Failed" },
  checkpoint: {
    header: "Last Checkpoint",
    cell: (r) => r.last_checkpoint?.checkpoint_id ?? "None",
    description: "Most recent training checkpoint ID",
  },
  checkpoint_time: {
    header: "Checkpoint Time",
    cell: (r, now) => (r.last_checkpoint ? formatTimestamp(r.last_checkpoint.time, now) : "N/A"),
    description: "Time of last checkpoint",
  },
};

/** Columns shown without `--columns`. */
export const DEFAULT_RUN_COLUMNS = ["id", "model", "lora", "updated", "status"] as const;

/** Runs are fetched in pages of this many. */
export const RUN_BATCH_SIZE = 100;

function loraCell(run: TrainingRun, style: "Rank" | "Yes (Rank"): string {
  if (!run.is_lora) return "No";
  if (!run.lora_rank) return "Yes";
  return style === "Rank" ? `Rank ${run.lora_rank}` : `Yes (Rank ${run.lora_rank})`;
}

/**
 * Parses `--columns a,b`.
 * @throws UsageError naming unknown columns and the available ones.
 */
export function parseColumns(spec: string | undefined): string[] {
  if (spec === undefined) return [...DEFAULT_RUN_COLUMNS];
  const columns = spec.split(",").map((c) => c.trim());
  const unknown = columns.filter((c) => !Object.hasOwn(RUN_COLUMNS, c));
  if (unknown.length > 0) {
    throw new UsageError(
      `Invalid value for '--columns': Unknown column(s): ${unknown.join(", ")}. Available: ${Object.keys(RUN_COLUMNS).join(", ")}`,
    );
  }
  return columns;
}

/** Runs fetched by {@link listTrainingRuns}, and the server's total. */
export interface RunListing {
  runs: TrainingRun[];
  totalCount: number;
}

/**
 * Fetches up to `limit` training runs (0 = all), newest first, in pages of {@link RUN_BATCH_SIZE}.
 */
export async function listTrainingRuns(
  rest: CliRestApi,
  options: { limit: number; onProgress?: (fetched: number, target: number) => void },
): Promise<RunListing> {
  const result = await fetchPages({
    limit: options.limit,
    batchSize: RUN_BATCH_SIZE,
    onProgress: options.onProgress,
    fetchPage: async (limit, offset) => {
      const page = await rest.listTrainingRunsPage({ limit, offset });
      return { items: page.training_runs, totalCount: page.cursor.total_count };
    },
  });
  return { runs: result.items, totalCount: result.totalCount ?? result.items.length };
}

/** JSON of `run list` (`schema/run-list.json`). */
export interface RunListJson {
  runs: TrainingRunJson[];
}

/** The table and JSON of a run listing. */
export function runListOutput(listing: RunListing, columns: readonly string[], now: number): CommandOutput {
  const defs = columns.map((c) => RUN_COLUMNS[c]!);
  return tableOutput(
    {
      title: listTitle(listing.runs.length, listing.totalCount, {
        singular: "training run",
        plural: "training runs",
      }),
      columns: defs.map((d) => d.header),
      rows: listing.runs.map((run) => defs.map((d) => d.cell(run, now))),
    },
    { runs: listing.runs.map(trainingRunJson) } satisfies RunListJson,
  );
}

/** `tinker run list [--limit N] [--columns …]`. */
export async function runListCommand(
  ctx: CommandContext,
  flags: { limit: number; columns?: string | undefined },
): Promise<CommandOutput> {
  const columns = parseColumns(flags.columns);
  const rest = await ctx.clients.rest();
  const bar = progress(ctx, { label: "Fetching training runs", total: 0, unit: "items" });
  try {
    const listing = await listTrainingRuns(rest, {
      limit: flags.limit,
      onProgress: (fetched, target) => {
        bar.setTotal(target);
        bar.update(fetched);
      },
    });
    return runListOutput(listing, columns, ctx.io.now());
  } finally {
    bar.stop();
  }
}

/** Property/Value rows of `run info`, as the Python CLI lists them. */
export function runInfoRows(run: TrainingRun, now: number): [string, string][] {
  const rows: [string, string][] = [
    ["Run ID", run.training_run_id],
    ["Base Model", run.base_model],
    ["Owner", run.model_owner],
    ["LoRA", loraCell(run, "Yes (Rank")],
    ["Last Update", formatTimestamp(run.last_request_time, now)],
    ["Status", run.corrupted ? "Failed" : "OK"],
  ];
  for (const [label, checkpoint] of [
    ["Last Training Checkpoint", run.last_checkpoint],
    ["Last Sampler Checkpoint", run.last_sampler_checkpoint],
  ] as const) {
    if (!checkpoint) continue;
    rows.push([label, checkpoint.checkpoint_id]);
    rows.push(["  - Time", formatTimestamp(checkpoint.time, now)]);
    rows.push(["  - Path", checkpoint.tinker_path]);
  }
  const metadata = Object.entries(run.user_metadata ?? {});
  if (metadata.length > 0) {
    rows.push(["Metadata", ""]);
    for (const [key, value] of metadata) rows.push([`  - ${key}`, value]);
  }
  return rows;
}

/** `tinker run info RUN_ID`. */
export async function runInfoCommand(ctx: CommandContext, runId: string): Promise<CommandOutput> {
  const rest = await ctx.clients.rest();
  const run = await rest.getTrainingRun(runId);
  return tableOutput(
    propertyTable(`Training Run: ${run.training_run_id}`, runInfoRows(run, ctx.io.now())),
    trainingRunJson(run),
  );
}
