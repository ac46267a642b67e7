import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { BillingEventInfo, BillingUsageEvent, BillingUsageResponse } from "@tinker-ts/types";
import type { CommandContext } from "../context.js";
import { columnsOf, csvValue, toCsv } from "../csv.js";
import type { CommandOutput } from "../output/output.js";
import { tableOutput } from "../output/output.js";
import { jsonDatetime } from "../output/wire-json.js";

/**
 * `tinker billing usage STARTING_ON ENDING_BEFORE [--csv PATH|-] [--sessions-csv PATH|-]`
 * (tinker-wire-spec.md §13; 0.38.0 adds the cost fields and `cost_data_through`). Table and CSV
 * rows are the envelope with `event_info` flattened into it; JSON keeps the nested shape.
 */

type Row = Record<string, unknown>;

const EVENT_FIELDS: Readonly<Record<BillingEventInfo["type"], readonly string[]>> = {
  training: ["type", "token_count"],
  sampling_prefill: ["type", "cached", "token_count"],
  sampling_sample: ["type", "token_count"],
  checkpoint: ["type", "count"],
  storage: ["type", "free", "gigabyte_hours"],
};

/** A usage row as JSON: every envelope field (null when absent) in the model's order, RFC 3339 times. */
export function usageRowJson(event: BillingUsageEvent): Row {
  const info = event.event_info as unknown as Row;
  const eventInfo: Row = {};
  for (const key of EVENT_FIELDS[event.event_info.type] ?? Object.keys(info))
    eventInfo[key] = info[key] ?? null;
  return {
    bucket_start: jsonDatetime(event.bucket_start),
    bucket_end: jsonDatetime(event.bucket_end),
    base_model: event.base_model ?? null,
    user_id: event.user_id ?? null,
    user_name: event.user_name ?? null,
    session_id: event.session_id ?? null,
    project_id: event.project_id ?? null,
    estimated_cost_usd: event.estimated_cost_usd ?? null,
    effective_rate_usd_per_million_tokens: event.effective_rate_usd_per_million_tokens ?? null,
    effective_rate_usd_per_gigabyte_month: event.effective_rate_usd_per_gigabyte_month ?? null,
    event_info: eventInfo,
  };
}

/** A row with its `event_info` payload merged in (envelope and payload keys never collide). */
export function flattenRow(row: Row): Row {
  const info = row["event_info"];
  if (typeof info !== "object" || info === null) return row;
  const { event_info: _, ...envelope } = row;
  return { ...envelope, ...(info as Row) };
}

const TOKEN_TYPES = new Set(["training", "sampling_prefill", "sampling_sample"]);

/**
 * For the table only: an unavailable cost or rate that applies to the row's type shows as `null`,
 * so it stands apart from a blank field that does not apply (as the 0.38.0 CLI renders it).
 */
export function displayRow(flat: Row): Row {
  const type = flat["type"];
  const applicable = TOKEN_TYPES.has(String(type))
    ? ["estimated_cost_usd", "effective_rate_usd_per_million_tokens"]
    : type === "storage"
      ? ["estimated_cost_usd", "effective_rate_usd_per_gigabyte_month"]
      : [];
  const out = { ...flat };
  for (const key of applicable) if (out[key] === null || out[key] === undefined) out[key] = "null";
  return out;
}

/** JSON of `billing usage` (`schema/billing-usage.json`). */
export interface BillingUsageJson {
  data: Row[];
  sessions: Record<string, { user_metadata: Record<string, string> | null }>;
  cost_data_through: string | null;
}

/** The JSON form of a usage response. */
export function billingUsageJson(response: BillingUsageResponse): BillingUsageJson {
  const sessions: BillingUsageJson["sessions"] = {};
  for (const [id, session] of Object.entries(response.sessions)) {
    sessions[id] = { user_metadata: session.user_metadata ?? null };
  }
  return {
    data: response.data.map(usageRowJson),
    sessions,
    cost_data_through: jsonDatetime(response.cost_data_through),
  };
}

/** The per-session side table: `session_id,user_metadata` (metadata JSON-encoded, blank when none). */
export function sessionRows(json: BillingUsageJson): Row[] {
  return Object.entries(json.sessions).map(([id, s]) => ({
    session_id: id,
    user_metadata: s.user_metadata === null ? null : JSON.stringify(s.user_metadata),
  }));
}

async function writeCsv(ctx: CommandContext, rows: Row[], path: string): Promise<void> {
  const text = toCsv(rows);
  if (path === "-") {
    ctx.io.stdout.write(text);
    return;
  }
  await writeFile(resolve(ctx.io.cwd, path), text);
  ctx.io.stderr.write(`Wrote ${rows.length} row(s) to ${path}\n`);
}

/** `tinker billing usage …`; see the module comment. */
export async function billingUsageCommand(
  ctx: CommandContext,
  startingOn: string,
  endingBefore: string,
  flags: { csv?: string | undefined; sessionsCsv?: string | undefined },
): Promise<CommandOutput> {
  const rest = await ctx.clients.rest();
  const response = await rest.getBillingUsage(startingOn, endingBefore);
  const json = billingUsageJson(response);
  const flat = json.data.map(flattenRow);
  if (flags.sessionsCsv !== undefined) await writeCsv(ctx, sessionRows(json), flags.sessionsCsv);
  if (flags.csv !== undefined) await writeCsv(ctx, flat, flags.csv);
  if (flags.csv !== undefined || flags.sessionsCsv !== undefined) return { kind: "done" };
  const shown = flat.map(displayRow);
  const columns = columnsOf(shown);
  return tableOutput(
    {
      title:
        json.data.length === 0
          ? "No billing usage in this window"
          : `${json.data.length} hourly usage row(s)`,
      columns,
      rows: shown.map((row) => columns.map((c) => csvValue(row[c]))),
    },
    json,
  );
}
