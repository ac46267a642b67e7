import { readFile } from "node:fs/promises";
import { verifyDownloadToken } from "../downloads.js";
import { HttpError } from "../errors.js";
import { parseFaultConfig, parseQueuePause } from "../faults.js";
import { parseJson } from "../http/body.js";
import { json, type Reply, type RequestContext } from "../http/types.js";

/**
 * Admin endpoints for tests and operators, under `/_admin/` and reachable only with the admin
 * token in `X-Admin-Token`: fault configuration and counters, queue pauses, received telemetry,
 * a state summary and an immediate sweep (session expiry, TTLs). Also the signed download
 * endpoint `/_download/<token>` that archive and trace URLs point at.
 */

/** Throws 404 (admin off) or 401 (wrong token) unless the request carries the admin token. */
export function checkAdmin(req: RequestContext): void {
  const token = req.runtime.parts.adminToken;
  if (token === undefined)
    throw new HttpError(404, "Admin endpoints are disabled (start with an admin token).");
  if (req.headers["x-admin-token"] !== token) throw new HttpError(401, "Missing or wrong X-Admin-Token.");
}

/** `GET /_admin/faults` → `{config, counters}`. */
export async function getFaults(req: RequestContext): Promise<Reply> {
  const { faults } = req.runtime.parts;
  return json(200, {
    config: faults.config,
    counters: faults.counters(),
    pause: faults.activePause() ?? null,
  });
}

/** `PUT /_admin/faults` replaces the fault configuration (re-seeding the PRNG). */
export async function putFaults(req: RequestContext): Promise<Reply> {
  const config = parseFaultConfig(parseJson(req.body));
  req.runtime.parts.faults.configure(config);
  return json(200, { config });
}

/** `POST /_admin/faults/reset` zeroes the fault counters. */
export async function resetFaults(req: RequestContext): Promise<Reply> {
  req.runtime.parts.faults.resetCounters();
  return json(200, { counters: req.runtime.parts.faults.counters() });
}

/** `POST /_admin/pause {state, reason?, duration_ms}` pauses the queue. */
export async function pauseQueue(req: RequestContext): Promise<Reply> {
  const pause = parseQueuePause(parseJson(req.body));
  req.runtime.parts.faults.pauseQueue(pause);
  return json(200, { pause: req.runtime.parts.faults.activePause() ?? null });
}

/** `GET /_admin/telemetry` → the last telemetry batches received. */
export async function getTelemetry(req: RequestContext): Promise<Reply> {
  return json(200, req.runtime.parts.telemetry.snapshot());
}

/** `GET /_admin/state` → counts of live objects and the backend name. */
export async function getState(req: RequestContext): Promise<Reply> {
  const { runtime } = req;
  const { store } = runtime.parts;
  return json(200, {
    backend: runtime.parts.backend.name,
    sessions: [...store.sessions.values()].map((s) => ({ session_id: s.session_id, status: s.status })),
    loaded_models: [...runtime.models.keys()],
    loaded_samplers: [...runtime.samplers.keys()],
    training_runs: store.runs.size,
    checkpoints: store.allCheckpoints().length,
    pending_futures: runtime.parts.futures.pendingCount(),
  });
}

/** `POST /_admin/sweep` runs the expiry sweep now. */
export async function sweep(req: RequestContext): Promise<Reply> {
  await req.runtime.sweep();
  return json(200, {});
}

/** `GET /_download/<token>`: a checkpoint tar, or a session trace (Chrome trace JSON). */
export async function download(req: RequestContext): Promise<Reply> {
  const target = verifyDownloadToken(req.runtime, req.params["token"]!);
  if (target.kind === "archive") {
    return { status: 200, bytes: await readFile(target.file), contentType: "application/x-tar" };
  }
  const { store } = req.runtime.parts;
  const session = store.sessions.get(target.sessionId);
  const events = (session?.training_run_ids ?? []).map((runId) => ({
    name: runId,
    ph: "i",
    ts: (store.runs.get(runId)?.created_at ?? 0) * 1000,
    pid: 1,
    tid: 1,
  }));
  return {
    status: 200,
    bytes: Buffer.from(JSON.stringify({ traceEvents: events })),
    contentType: "application/json",
  };
}
