import type { Checkpoint } from "@tinker-ts/types";
import type { CliRestApi } from "../api.js";
import { mapSettled } from "../concurrency.js";
import { type CommandContext, progress } from "../context.js";
import { CliError, InterruptedError, UsageError } from "../errors.js";
import { formatSize, formatTimestamp, parseDatetime } from "../output/format.js";
import type { CommandOutput } from "../output/output.js";
import { parseCheckpointArg } from "./checkpoint.js";

/**
 * `tinker checkpoint delete [PATHS…] [--run-id ID [--type T] [--before D] [--after D]] [-y]`
 * (tinker-wire-spec.md §13): deletes by path, or a run's checkpoints matching the filters, after a
 * confirmation that lists what goes (unless `-y`), 32 at a time; one failed path does not stop
 * the others.
 */

/** Deletions in flight at once (the Python CLI's thread count). */
export const DELETE_CONCURRENCY = 32;

const TYPE_ALIASES: Readonly<Record<string, Checkpoint["checkpoint_type"]>> = {
  weights: "training",
  sampler_weights: "sampler",
  external_weights: "external",
  training: "training",
  sampler: "sampler",
  external: "external",
};

/** Filters of a `--run-id` deletion. Dates are epoch ms; both bounds are strict. */
export interface DeleteFilters {
  type?: Checkpoint["checkpoint_type"] | undefined;
  beforeMs?: number | undefined;
  afterMs?: number | undefined;
}

/**
 * Parses `--before`/`--after`: ISO 8601 date or date-time, `Z` or an offset allowed, date-only
 * meaning midnight UTC and a naive time meaning UTC.
 * @throws UsageError for anything else.
 */
export function parseDateFlag(value: string): number {
  const ms = parseDatetime(value.trim());
  if (ms === undefined) {
    throw new UsageError(`Invalid date: ${value}`, "Use ISO 8601 format: 2024-01-01, 2024-01-01T12:00:00Z");
  }
  return ms;
}

/** The checkpoints that pass every given filter (type, created strictly before/after). */
export function filterCheckpoints(checkpoints: readonly Checkpoint[], filters: DeleteFilters): Checkpoint[] {
  return checkpoints.filter((c) => {
    if (filters.type !== undefined && c.checkpoint_type !== filters.type) return false;
    if (filters.beforeMs === undefined && filters.afterMs === undefined) return true;
    const time = parseDatetime(c.time);
    if (time === undefined) return false;
    if (filters.beforeMs !== undefined && !(time < filters.beforeMs)) return false;
    if (filters.afterMs !== undefined && !(time > filters.afterMs)) return false;
    return true;
  });
}

/** Outcome of {@link deleteCheckpoints}. */
export interface DeleteResult {
  deleted: string[];
  failed: { tinker_path: string; error: string }[];
}

/**
 * Deletes every path, {@link DELETE_CONCURRENCY} at a time, collecting failures per path.
 * @throws InterruptedError when `signal` aborts (after the deletions in flight settle).
 */
export async function deleteCheckpoints(
  rest: CliRestApi,
  paths: readonly string[],
  options: { signal?: AbortSignal; onSettled?: () => void } = {},
): Promise<DeleteResult> {
  const outcomes = await mapSettled(
    paths,
    DELETE_CONCURRENCY,
    async (path) => {
      try {
        await rest.deleteCheckpointFromTinkerPath(path);
      } finally {
        options.onSettled?.();
      }
    },
    options.signal,
  );
  if (options.signal?.aborted) throw new InterruptedError();
  const result: DeleteResult = { deleted: [], failed: [] };
  outcomes.forEach((outcome, i) => {
    const path = paths[i]!;
    if (outcome?.status === "fulfilled") result.deleted.push(path);
    else {
      const reason: unknown = outcome?.reason;
      result.failed.push({
        tinker_path: path,
        error: reason instanceof Error ? reason.message : String(reason),
      });
    }
  });
  return result;
}

/** Flags of `checkpoint delete`. */
export interface DeleteFlags {
  runId?: string | undefined;
  type?: string | undefined;
  before?: string | undefined;
  after?: string | undefined;
  yes?: boolean | undefined;
}

/** The confirmation text: what will be deleted, with size and age when known, and the total. */
export function confirmationText(
  paths: readonly string[],
  checkpoints: readonly Checkpoint[] | undefined,
  now: number,
): string {
  const lines = [`Will delete ${paths.length} checkpoint(s):`];
  if (checkpoints) {
    for (const c of checkpoints) {
      const size = c.size_bytes === null || c.size_bytes === undefined ? "N/A" : formatSize(c.size_bytes);
      lines.push(`  - ${c.tinker_path} (${size}, created ${formatTimestamp(c.time, now)})`);
    }
    const total = checkpoints.reduce((sum, c) => sum + (c.size_bytes ?? 0), 0);
    lines.push("", `Total size: ${formatSize(total)}`);
  } else {
    for (const path of paths) lines.push(`  - ${path}`);
    lines.push("");
  }
  lines.push("WARNING: This action is permanent and cannot be undone.");
  return `${lines.join("\n")}\n`;
}

/**
 * Asks on stderr and reads the answer from stdin: true for y/yes.
 * @throws CliError when stdin ends without an answer.
 */
async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  ctx.io.stderr.write(`${question} [y/N]: `);
  const answer = await ctx.io.readLine();
  if (answer === undefined) {
    ctx.io.stderr.write("\n");
    throw new CliError("Aborted: no answer to the confirmation", {
      details: "Pass -y/--yes to delete without asking (for scripts).",
    });
  }
  return /^(y|yes)$/i.test(answer.trim());
}

/** `tinker checkpoint delete …`; see the module comment. Exits 1 when any deletion failed. */
export async function deleteCommand(
  ctx: CommandContext,
  paths: readonly string[],
  flags: DeleteFlags,
): Promise<CommandOutput> {
  const examples =
    "Examples:\n  tinker checkpoint delete tinker://run-id/weights/0001\n  tinker checkpoint delete --run-id <run-id>\n" +
    "  tinker checkpoint delete --run-id <run-id> --type weights --before 2024-06-01";
  if (paths.length === 0 && flags.runId === undefined)
    throw new UsageError("Must specify checkpoint paths or --run-id", examples);
  if (paths.length > 0 && flags.runId !== undefined) {
    throw new UsageError(
      "Cannot specify both checkpoint paths and --run-id",
      "Use either explicit paths or --run-id with optional filters",
    );
  }
  if ((flags.type || flags.before || flags.after) && flags.runId === undefined) {
    throw new UsageError("--type, --before, and --after require --run-id", examples);
  }
  for (const path of paths) parseCheckpointArg(path);
  const filters: DeleteFilters = {
    type: flags.type === undefined ? undefined : TYPE_ALIASES[flags.type],
    beforeMs: flags.before === undefined ? undefined : parseDateFlag(flags.before),
    afterMs: flags.after === undefined ? undefined : parseDateFlag(flags.after),
  };

  const rest = await ctx.clients.rest();
  let targets = [...paths];
  let listed: Checkpoint[] | undefined;
  if (flags.runId !== undefined) {
    const response = await rest.listCheckpoints(flags.runId);
    listed = filterCheckpoints(response.checkpoints, filters);
    if (listed.length === 0) {
      return {
        kind: "text",
        text: `No checkpoints found for run ${flags.runId} matching filters`,
        json: { deleted_count: 0, deleted: [], failed: [] },
      };
    }
    targets = listed.map((c) => c.tinker_path);
  }
  if (!flags.yes) {
    ctx.io.stderr.write(confirmationText(targets, listed, ctx.io.now()));
    if (!(await confirm(ctx, `Are you sure you want to delete ${targets.length} checkpoint(s)?`))) {
      ctx.io.stderr.write("Deletion cancelled.\n");
      return { kind: "done", json: { deleted_count: 0, deleted: [], failed: [], cancelled: true } };
    }
  }

  const bar = progress(ctx, { label: "Deleting checkpoints", total: targets.length, unit: "items" });
  let settled = 0;
  let result: DeleteResult;
  try {
    result = await deleteCheckpoints(rest, targets, {
      signal: ctx.signal,
      onSettled: () => bar.update(++settled),
    });
  } finally {
    bar.stop();
  }
  if (result.failed.length > 0) {
    ctx.io.stderr.write(
      `Failed to delete ${result.failed.length} checkpoint(s):\n${result.failed.map((f) => `  - ${f.tinker_path}: ${f.error}\n`).join("")}`,
    );
  }
  return {
    kind: "text",
    text: `Deleted ${result.deleted.length} checkpoint(s)`,
    json: { deleted_count: result.deleted.length, deleted: result.deleted, failed: result.failed },
    exitCode: result.failed.length > 0 ? 1 : 0,
  };
}
