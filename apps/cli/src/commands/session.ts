import { mkdir, rename } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { GetSessionResponse } from "@tinker-ts/types";
import type { CliRestApi } from "../api.js";
import { type CommandContext, note, progress } from "../context.js";
import { downloadResumable, removePart } from "../download/resumable.js";
import { formatSize } from "../output/format.js";
import { type CommandOutput, propertyTable, tableOutput } from "../output/output.js";
import { fetchPages, listTitle } from "../paging.js";

/**
 * `tinker session list|info|export-trace`. `export-trace` is the Python CLI's
 * (tinker-wire-spec.md §13); `list` and `info` show `GET /sessions` and `GET /sessions/{id}`
 * (§10.2), which the Python CLI has no command for.
 */

/** Sessions are fetched in pages of this many. */
export const SESSION_BATCH_SIZE = 100;

/**
 * Lists up to `limit` session ids (0 = all), newest first. The listing reports no total, so pages
 * are fetched until one comes back short.
 */
export async function listSessions(rest: CliRestApi, options: { limit: number }): Promise<string[]> {
  const result = await fetchPages({
    limit: options.limit,
    batchSize: SESSION_BATCH_SIZE,
    fetchPage: async (limit, offset) => {
      const page = await rest.listSessionsPage({ limit, offset });
      return { items: page.sessions, totalCount: undefined };
    },
  });
  return result.items;
}

/** `tinker session list [--limit N]`; JSON `{"sessions": [id…]}` (`schema/session-list.json`). */
export async function sessionListCommand(
  ctx: CommandContext,
  flags: { limit: number },
): Promise<CommandOutput> {
  const rest = await ctx.clients.rest();
  const sessions = await listSessions(rest, { limit: flags.limit });
  return tableOutput(
    {
      title: listTitle(sessions.length, undefined, { singular: "session", plural: "sessions" }),
      columns: ["Session ID"],
      rows: sessions.map((id) => [id]),
    },
    { sessions },
  );
}

/** JSON of `session info` (`schema/session-info.json`). */
export interface SessionInfoJson {
  session_id: string;
  display_name: string | null;
  training_run_ids: string[];
  sampler_ids: string[];
  user_metadata: Record<string, string> | null;
}

/** Property/Value rows of `session info`. */
export function sessionInfoRows(sessionId: string, session: GetSessionResponse): [string, string][] {
  const rows: [string, string][] = [["Session ID", sessionId]];
  if (session.display_name) rows.push(["Display Name", session.display_name]);
  rows.push(["Training Runs", String(session.training_run_ids.length)]);
  for (const id of session.training_run_ids) rows.push(["  -", id]);
  rows.push(["Samplers", String(session.sampler_ids.length)]);
  for (const id of session.sampler_ids) rows.push(["  -", id]);
  const metadata = Object.entries(session.user_metadata ?? {});
  if (metadata.length > 0) {
    rows.push(["Metadata", ""]);
    for (const [key, value] of metadata) rows.push([`  - ${key}`, value]);
  }
  return rows;
}

/** `tinker session info SESSION_ID`. */
export async function sessionInfoCommand(ctx: CommandContext, sessionId: string): Promise<CommandOutput> {
  const rest = await ctx.clients.rest();
  const session = await rest.getSession(sessionId);
  const json: SessionInfoJson = {
    session_id: sessionId,
    display_name: session.display_name ?? null,
    training_run_ids: session.training_run_ids,
    sampler_ids: session.sampler_ids,
    user_metadata: session.user_metadata ?? null,
  };
  return tableOutput(propertyTable(`Session: ${sessionId}`, sessionInfoRows(sessionId, session)), json);
}

/**
 * `tinker session export-trace SESSION_ID [-o FILE] [--url-only]`: waits for the server to build
 * the trace, then prints the signed URL (`--url-only`; bare on stdout so `$(…)` works) or
 * downloads it to FILE (default `./<id>.pftrace`), written whole or not at all.
 */
export async function exportTraceCommand(
  ctx: CommandContext,
  sessionId: string,
  flags: { output?: string | undefined; urlOnly?: boolean | undefined },
): Promise<CommandOutput> {
  const rest = await ctx.clients.rest();
  note(ctx, `Exporting trace for session ${sessionId} (this may take a while)...`);
  const url = await rest.exportSessionTrace(sessionId);
  if (flags.urlOnly) return { kind: "text", text: url, json: { session_id: sessionId, url } };

  const destination = resolve(ctx.io.cwd, flags.output ?? `${sessionId}.pftrace`);
  await mkdir(dirname(destination), { recursive: true });
  const bar = progress(ctx, { label: "Downloading trace", total: 0, unit: "bytes" });
  let downloaded: Awaited<ReturnType<typeof downloadResumable>>;
  try {
    downloaded = await downloadResumable({
      url,
      destination,
      key: `trace:${sessionId}`,
      signal: ctx.signal,
      onProgress: (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      },
    });
  } finally {
    bar.stop();
  }
  await rename(downloaded.path, destination);
  await removePart(destination);
  return tableOutput(
    propertyTable(`Trace Export: ${sessionId}`, [
      ["Session ID", sessionId],
      ["Saved to", destination],
      ["Size", formatSize(downloaded.bytes)],
    ]),
    { session_id: sessionId, destination, file_size_bytes: downloaded.bytes },
  );
}
