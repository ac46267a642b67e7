import {
  CheckpointTtlRequestSchema,
  SessionProjectRequestSchema,
  WeightsInfoRequestSchema,
} from "@tinker-ts/types";
import { archiveFor, signDownloadUrl } from "../downloads.js";
import { badRequest, conflict, HttpError, notFound } from "../errors.js";
import { json, jsonBody, type Reply, type RequestContext } from "../http/types.js";
import type { ServerRuntime } from "../runtime.js";
import type { CheckpointRecord, TrainingRunRecord, UsageRecord } from "../state/entities.js";
import { parseCheckpointPath } from "../tinker-path.js";
import { parseRequest } from "../wire/validate.js";

/**
 * REST endpoints (tinker-wire-spec.md §3.1 rows 20–36, §10.2): training runs, checkpoints
 * (listing, delete, archive, publish, TTL), weights info, sessions, samplers, the audit log,
 * billing usage and trace export. Listings page with `offset`/`limit` and report
 * `cursor: {offset, limit, total_count}`; times are ISO-8601 UTC.
 */

const iso = (ms: number) => new Date(ms).toISOString();

function checkpointJson(c: CheckpointRecord): Record<string, unknown> {
  return {
    checkpoint_id: c.checkpoint_id,
    checkpoint_type: c.checkpoint_type,
    time: iso(c.time),
    tinker_path: c.tinker_path,
    size_bytes: c.size_bytes,
    public: c.public,
    ...(c.user_metadata ? { user_metadata: c.user_metadata } : {}),
    ...(c.expires_at === undefined ? {} : { expires_at: iso(c.expires_at) }),
  };
}

function newest(checkpoints: CheckpointRecord[]): CheckpointRecord | undefined {
  return checkpoints.reduce<CheckpointRecord | undefined>(
    (a, c) => (!a || c.time > a.time ? c : a),
    undefined,
  );
}

function runJson(runtime: ServerRuntime, run: TrainingRunRecord): Record<string, unknown> {
  const checkpoints = [...(runtime.parts.store.checkpoints.get(run.training_run_id)?.values() ?? [])];
  const lastTraining = newest(checkpoints.filter((c) => c.checkpoint_type === "training"));
  const lastSampler = newest(checkpoints.filter((c) => c.checkpoint_type === "sampler"));
  return {
    training_run_id: run.training_run_id,
    base_model: run.base_model,
    model_owner: run.owner,
    is_lora: true,
    corrupted: run.corrupted,
    lora_rank: run.lora.rank,
    last_request_time: iso(run.last_request_time),
    ...(lastTraining ? { last_checkpoint: checkpointJson(lastTraining) } : {}),
    ...(lastSampler ? { last_sampler_checkpoint: checkpointJson(lastSampler) } : {}),
    ...(run.user_metadata ? { user_metadata: run.user_metadata } : {}),
  };
}

function intParam(req: RequestContext, name: string, fallback: number, max: number): number {
  const raw = req.query.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw badRequest(`Query parameter ${name} must be an integer in [0, ${max}], got '${raw}'.`);
  }
  return value;
}

function accessScope(req: RequestContext): "owned" | "accessible" {
  const scope = req.query.get("access_scope") ?? "owned";
  if (scope !== "owned" && scope !== "accessible") {
    throw badRequest(`access_scope must be 'owned' or 'accessible', got '${scope}'.`);
  }
  return scope;
}

function page<T>(req: RequestContext, items: T[], defaultLimit: number) {
  const limit = intParam(req, "limit", defaultLimit, 10_000);
  const offset = intParam(req, "offset", 0, Number.MAX_SAFE_INTEGER);
  return { items: items.slice(offset, offset + limit), cursor: { offset, limit, total_count: items.length } };
}

function hasPublic(runtime: ServerRuntime, runId: string): boolean {
  return [...(runtime.parts.store.checkpoints.get(runId)?.values() ?? [])].some((c) => c.public);
}

function visibleRun(req: RequestContext, runId: string, scope: "owned" | "accessible"): TrainingRunRecord {
  const run = req.runtime.parts.store.runs.get(runId);
  const ok =
    run && (run.owner === req.principal.owner || (scope === "accessible" && hasPublic(req.runtime, runId)));
  if (!ok) throw notFound(`Training run ${runId} not found.`);
  return run;
}

/** Row 26: `GET /training_runs?limit&offset&access_scope[&project_id]`, newest first. */
export async function listTrainingRuns(req: RequestContext): Promise<Reply> {
  const scope = accessScope(req);
  const projectId = req.query.get("project_id");
  const { runtime } = req;
  const runs = [...runtime.parts.store.runs.values()]
    .filter(
      (r) =>
        r.owner === req.principal.owner || (scope === "accessible" && hasPublic(runtime, r.training_run_id)),
    )
    .filter(
      (r) => projectId === null || runtime.parts.store.sessions.get(r.session_id)?.project_id === projectId,
    )
    .sort((a, b) => b.created_at - a.created_at);
  const { items, cursor } = page(req, runs, 20);
  return json(200, { training_runs: items.map((r) => runJson(runtime, r)), cursor });
}

/** Row 27: `GET /training_runs/{run}?access_scope=`. */
export async function getTrainingRun(req: RequestContext): Promise<Reply> {
  return json(200, runJson(req.runtime, visibleRun(req, req.params["run"]!, accessScope(req))));
}

/** Row 20: `GET /training_runs/{run}/checkpoints` (others see only public checkpoints). */
export async function listRunCheckpoints(req: RequestContext): Promise<Reply> {
  const run = visibleRun(req, req.params["run"]!, "accessible");
  const all = [...(req.runtime.parts.store.checkpoints.get(run.training_run_id)?.values() ?? [])]
    .filter((c) => run.owner === req.principal.owner || c.public)
    .sort((a, b) => b.time - a.time);
  return json(200, {
    checkpoints: all.map(checkpointJson),
    cursor: { offset: 0, limit: all.length, total_count: all.length },
  });
}

/** Row 29: `GET /checkpoints?limit&offset`, the caller's checkpoints, newest first. */
export async function listUserCheckpoints(req: RequestContext): Promise<Reply> {
  const { store } = req.runtime.parts;
  const mine = store
    .allCheckpoints()
    .filter((c) => store.runs.get(c.training_run_id)?.owner === req.principal.owner)
    .sort((a, b) => b.time - a.time);
  const { items, cursor } = page(req, mine, 100);
  return json(200, { checkpoints: items.map(checkpointJson), cursor });
}

function checkpointFromParams(req: RequestContext, mustOwn: boolean): CheckpointRecord {
  const { run: runId, ckptKind, ckptName } = req.params as Record<string, string>;
  const parsed = parseCheckpointPath(`tinker://${runId}/${ckptKind}/${ckptName}`);
  const { store } = req.runtime.parts;
  const run = store.runs.get(parsed.trainingRunId);
  const checkpoint = store.getCheckpoint(parsed.trainingRunId, parsed.checkpointId);
  if (!run || !checkpoint || (run.owner !== req.principal.owner && !checkpoint.public)) {
    throw notFound(`Checkpoint tinker://${runId}/${ckptKind}/${ckptName} not found.`);
  }
  if (mustOwn && run.owner !== req.principal.owner) {
    throw new HttpError(403, `Only the owner of ${checkpoint.tinker_path} can change it.`);
  }
  return checkpoint;
}

/** Row 21: `DELETE /training_runs/{run}/checkpoints/{kind}/{name}`. */
export async function deleteCheckpoint(req: RequestContext): Promise<Reply> {
  const checkpoint = checkpointFromParams(req, true);
  await req.runtime.parts.store.deleteCheckpoint(checkpoint);
  await req.runtime.audit(req.principal.owner, "checkpoint_deleted", {
    model_id: checkpoint.training_run_id,
    tinker_path: checkpoint.tinker_path,
  });
  return json(200, {});
}

/**
 * Row 22: `GET …/archive` → 302 to a signed download URL with `Expires`, or 503 (with
 * Retry-After) while the tar is still being built (§3.3).
 */
export async function checkpointArchive(req: RequestContext): Promise<Reply> {
  const checkpoint = checkpointFromParams(req, false);
  const { runtime } = req;
  const file = await archiveFor(runtime, checkpoint, runtime.parts.archiveWaitMs);
  if (!file) {
    return json(
      503,
      { detail: `Archive of ${checkpoint.tinker_path} is being built; retry shortly.` },
      {
        "retry-after": "1",
      },
    );
  }
  const expiresAt = runtime.clock.now() + runtime.parts.downloadUrlTtlMs;
  const url = signDownloadUrl(runtime, { kind: "archive", file }, expiresAt);
  return {
    status: 302,
    headers: { location: url, expires: new Date(expiresAt).toUTCString() },
    json: { url, expires: iso(expiresAt) },
  };
}

/** Rows 23–24: publish (POST) / unpublish (DELETE); 409 when already in that state. */
export async function setPublished(req: RequestContext): Promise<Reply> {
  const checkpoint = checkpointFromParams(req, true);
  const publish = req.method === "POST";
  if (checkpoint.public === publish) {
    throw conflict(`Checkpoint ${checkpoint.tinker_path} is already ${publish ? "public" : "private"}.`);
  }
  checkpoint.public = publish;
  await req.runtime.parts.store.updateCheckpoint(checkpoint);
  await req.runtime.audit(req.principal.owner, publish ? "checkpoint_published" : "checkpoint_unpublished", {
    model_id: checkpoint.training_run_id,
    tinker_path: checkpoint.tinker_path,
  });
  return json(200, {});
}

/** Row 25: `PUT …/ttl {"ttl_seconds": n|null}`; null clears, n ≤ 0 is a 400. */
export async function setTtl(req: RequestContext): Promise<Reply> {
  const body = parseRequest(CheckpointTtlRequestSchema, jsonBody(req), "SetCheckpointTtlRequest");
  const checkpoint = checkpointFromParams(req, true);
  // parseRequest turns the explicit null of "remove the TTL" into an absent field.
  if (body.ttl_seconds === undefined) {
    delete checkpoint.expires_at;
  } else {
    if (body.ttl_seconds <= 0) throw badRequest("ttl_seconds must be positive, or null to remove the TTL.");
    checkpoint.expires_at = req.runtime.clock.now() + body.ttl_seconds * 1000;
  }
  await req.runtime.parts.store.updateCheckpoint(checkpoint);
  return json(200, {});
}

/** Row 28: `POST /weights_info {"tinker_path"}` (own or public checkpoints). */
export async function weightsInfo(req: RequestContext): Promise<Reply> {
  const body = parseRequest(WeightsInfoRequestSchema, jsonBody(req), "WeightsInfoRequest");
  const checkpoint = req.runtime.requireReadableCheckpoint(body.tinker_path, req.principal);
  const run = req.runtime.parts.store.runs.get(checkpoint.training_run_id)!;
  return json(200, {
    base_model: run.base_model,
    optimizer_config: { type: "adamw" },
    is_lora: true,
    lora_rank: run.lora.rank,
    train_unembed: run.lora.train_unembed,
    train_mlp: run.lora.train_mlp,
    train_attn: run.lora.train_attn,
  });
}

function ownSession(req: RequestContext) {
  const session = req.runtime.parts.store.sessions.get(req.params["session"]!);
  if (!session || session.owner !== req.principal.owner)
    throw notFound(`Session ${req.params["session"]} not found.`);
  return session;
}

/** Row 30: `GET /sessions/{id}`. */
export async function getSession(req: RequestContext): Promise<Reply> {
  accessScope(req);
  const session = ownSession(req);
  return json(200, { training_run_ids: session.training_run_ids, sampler_ids: session.sampler_ids });
}

/** Row 31: `GET /sessions?limit&offset&access_scope`, newest first. */
export async function listSessions(req: RequestContext): Promise<Reply> {
  accessScope(req);
  const mine = [...req.runtime.parts.store.sessions.values()]
    .filter((s) => s.owner === req.principal.owner)
    .sort((a, b) => b.created_at - a.created_at);
  const { items, cursor } = page(req, mine, 20);
  return json(200, { sessions: items.map((s) => s.session_id), cursor });
}

/** Row 32: `PUT /sessions/{id}/project`; a session cannot move out of a project (400). */
export async function assignProject(req: RequestContext): Promise<Reply> {
  const body = parseRequest(SessionProjectRequestSchema, jsonBody(req), "AssignSessionProjectRequest");
  if (body.project_id === "") throw badRequest("project_id must not be empty.");
  const session = ownSession(req);
  if (session.project_id !== undefined && session.project_id !== body.project_id) {
    throw badRequest(`Session ${session.session_id} already belongs to project ${session.project_id}.`);
  }
  session.project_id = body.project_id;
  await req.runtime.parts.store.putSession(session);
  return json(200, {});
}

/** Row 33: `GET /sessions/{id}/trace_export`: `pending` on the first poll, then `ready` + url. */
export async function traceExport(req: RequestContext): Promise<Reply> {
  const session = ownSession(req);
  const { runtime } = req;
  const state = runtime.traceExports.get(session.session_id);
  if (!state) {
    runtime.traceExports.set(session.session_id, "ready");
    return json(200, { status: "pending" });
  }
  const url = signDownloadUrl(
    runtime,
    { kind: "trace", sessionId: session.session_id },
    runtime.clock.now() + runtime.parts.downloadUrlTtlMs,
  );
  return json(200, { status: "ready", url });
}

/** Row 34: `GET /samplers/{id}`. */
export async function getSampler(req: RequestContext): Promise<Reply> {
  const record = req.runtime.parts.store.samplers.get(req.params["sampler"]!);
  if (!record || record.owner !== req.principal.owner)
    throw notFound(`Sampler ${req.params["sampler"]} not found.`);
  return json(200, {
    sampler_id: record.sampler_id,
    base_model: record.base_model,
    ...(record.model_path === undefined ? {} : { model_path: record.model_path }),
  });
}

/** Row 35: `GET /audit?event_type=all|checkpoints[&day=YYYY-MM-DD]`. */
export async function auditLog(req: RequestContext): Promise<Reply> {
  const eventType = req.query.get("event_type") ?? "all";
  if (eventType !== "all" && eventType !== "checkpoints") {
    throw badRequest(`event_type must be 'all' or 'checkpoints', got '${eventType}'.`);
  }
  const day = req.query.get("day");
  if (day !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))) {
    throw badRequest(`day must be a date like 2026-01-31, got '${day}'.`);
  }
  const entries = req.runtime.parts.store.audit
    .filter((e) => e.owner === req.principal.owner)
    .filter((e) => eventType === "all" || e.event.startsWith("checkpoint_"))
    .filter((e) => day === null || iso(e.timestamp).startsWith(day))
    .map((e) => ({
      timestamp: iso(e.timestamp),
      event: e.event,
      ...(e.model_id === undefined ? {} : { model_id: e.model_id }),
      ...(e.tinker_path === undefined ? {} : { tinker_path: e.tinker_path }),
      ...(e.purpose === undefined ? {} : { purpose: e.purpose }),
    }));
  return json(200, { entries });
}

const hourMs = 3_600_000;

function parseInstant(req: RequestContext, name: string): number {
  const raw = req.query.get(name);
  const value = raw === null ? Number.NaN : Date.parse(raw);
  if (Number.isNaN(value)) throw badRequest(`${name} must be an ISO-8601 date-time, got '${raw ?? ""}'.`);
  if (value % hourMs !== 0) throw badRequest(`${name} must be aligned to the hour, got '${raw}'.`);
  return value;
}

/**
 * Row 36: `GET /billing/usage/events?starting_on&ending_before` — hourly buckets of the caller's
 * usage with a discriminated `event_info` (training, sampling_prefill, sampling_sample,
 * checkpoint, storage). The window must be hour-aligned, non-empty and at most 14 days.
 */
export async function billingUsage(req: RequestContext): Promise<Reply> {
  const start = parseInstant(req, "starting_on");
  const end = parseInstant(req, "ending_before");
  if (end <= start) throw badRequest("ending_before must be after starting_on.");
  if (end - start > 14 * 24 * hourMs) throw badRequest("The billing window is at most 14 days.");
  const { store } = req.runtime.parts;
  const me = req.principal.owner;
  const buckets = new Map<string, UsageRecord & { bucket: number }>();
  const add = (record: UsageRecord) => {
    const bucket = Math.floor(record.time / hourMs) * hourMs;
    if (bucket < start || bucket >= end) return;
    const info = record.event_info;
    const key = [
      bucket,
      record.session_id,
      record.base_model,
      info.type,
      "cached" in info ? info.cached : "",
    ].join("|");
    const existing = buckets.get(key);
    if (!existing) {
      buckets.set(key, { ...record, event_info: { ...info }, bucket });
      return;
    }
    const target = existing.event_info as Record<string, number | boolean | string>;
    for (const [k, v] of Object.entries(info))
      if (typeof v === "number") target[k] = (target[k] as number) + v;
  };
  for (const record of store.usage) if (record.owner === me) add(record);
  addStorage(req.runtime, me, start, end, add);
  const data = [...buckets.values()]
    .sort((a, b) => a.bucket - b.bucket)
    .map((r) => ({
      bucket_start: iso(r.bucket),
      bucket_end: iso(r.bucket + hourMs),
      ...(r.base_model === undefined ? {} : { base_model: r.base_model }),
      user_id: me,
      ...(r.session_id ? { session_id: r.session_id } : {}),
      ...(r.session_id && store.sessions.get(r.session_id)?.project_id
        ? { project_id: store.sessions.get(r.session_id)!.project_id }
        : {}),
      event_info: r.event_info,
    }));
  const sessions: Record<string, { user_metadata?: Record<string, string> }> = {};
  for (const r of data) {
    if (!r.session_id) continue;
    const metadata = store.sessions.get(r.session_id)?.user_metadata ?? {};
    sessions[r.session_id] = {
      user_metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])),
    };
  }
  return json(200, { data, sessions });
}

/** Storage usage: gigabyte-hours of each live checkpoint within each hour of the window. */
function addStorage(
  runtime: ServerRuntime,
  owner: string,
  start: number,
  end: number,
  add: (record: UsageRecord) => void,
): void {
  const now = runtime.clock.now();
  for (const checkpoint of runtime.parts.store.allCheckpoints()) {
    const run = runtime.parts.store.runs.get(checkpoint.training_run_id);
    if (!run || run.owner !== owner) continue;
    const from = Math.max(checkpoint.time, start);
    const to = Math.min(now, end, checkpoint.expires_at ?? Number.POSITIVE_INFINITY);
    for (let bucket = Math.floor(from / hourMs) * hourMs; bucket < to; bucket += hourMs) {
      const overlap = Math.min(to, bucket + hourMs) - Math.max(from, bucket);
      if (overlap <= 0) continue;
      add({
        time: bucket,
        owner,
        session_id: run.session_id,
        base_model: run.base_model,
        event_info: { type: "storage", gigabyte_hours: (checkpoint.size_bytes / 1e9) * (overlap / hourMs) },
      });
    }
  }
}
