import {
  AuthTokenRequestSchema,
  ClientConfigRequestSchema,
  CreateSessionRequestSchema,
  type EmulatorInfo,
  FinishSessionRequestSchema,
  SessionHeartbeatRequestSchema,
  TelemetrySendRequestSchema,
} from "@tinker-ts/types";
import pkg from "../../package.json" with { type: "json" };
import { HttpError } from "../errors.js";
import { json, jsonBody, type Reply, type RequestContext } from "../http/types.js";
import type { SessionRecord } from "../state/entities.js";
import { parseRequest } from "../wire/validate.js";

/**
 * Service endpoints (tinker-wire-spec.md §3.1 rows 1–5, 7, 8, 19; §2.3–2.4, §11), plus the
 * 0.38 `POST /sessions/{id}/finish`.
 */

/**
 * Row 1: `POST /client/config` → the server's real feature flags, and `emulator`, which tells
 * clients they talk to tinker-local (docs/local-server.md#recognising-tinker-local).
 */
export async function clientConfig(req: RequestContext): Promise<Reply> {
  parseRequest(ClientConfigRequestSchema, jsonBody(req), "ClientConfigRequest");
  const { clientConfig: flags, auth, backend } = req.runtime.parts;
  const emulator: EmulatorInfo = { name: "tinker-local", version: pkg.version, backend: backend.name };
  return json(200, { ...flags, pjwt_auth_enabled: auth.jwtEnabled, emulator });
}

/** Row 2: `POST /client/dynamic_config`. */
export async function dynamicConfig(req: RequestContext): Promise<Reply> {
  parseRequest(ClientConfigRequestSchema, jsonBody(req), "ClientConfigRequest");
  return json(200, req.runtime.parts.dynamicConfig);
}

/** Row 3: `POST /auth/token` → `{jwt}`; 404 unless JWT mode is on. */
export async function authToken(req: RequestContext): Promise<Reply> {
  parseRequest(AuthTokenRequestSchema, jsonBody(req), "AuthTokenRequest");
  const { auth } = req.runtime.parts;
  if (!auth.jwtEnabled)
    throw new HttpError(404, "JWT auth is disabled on this server (pjwt_auth_enabled=false).");
  return json(200, { jwt: auth.mintJwt(req.principal) });
}

/** Row 4: `POST /create_session`. */
export async function createSession(req: RequestContext): Promise<Reply> {
  const body = parseRequest(CreateSessionRequestSchema, jsonBody(req), "CreateSessionRequest");
  const now = req.runtime.clock.now();
  const session: SessionRecord = {
    session_id: req.runtime.newId(),
    owner: req.principal.owner,
    tags: body.tags,
    user_metadata: body.user_metadata ?? {},
    sdk_version: body.sdk_version,
    ...(body.project_id == null ? {} : { project_id: body.project_id }),
    ...(body.display_name == null ? {} : { display_name: body.display_name }),
    created_at: now,
    last_seen_at: now,
    status: "active",
    training_run_ids: [],
    sampler_ids: [],
  };
  await req.runtime.parts.store.putSession(session);
  return json(200, {
    type: "create_session",
    info_message: "Connected to tinker-local (a local Tinker-compatible server).",
    session_id: session.session_id,
  });
}

/** Row 5: `POST /session_heartbeat`. */
export async function sessionHeartbeat(req: RequestContext): Promise<Reply> {
  const body = parseRequest(SessionHeartbeatRequestSchema, jsonBody(req), "SessionHeartbeatRequest");
  req.runtime.requireSession(body.session_id, req.principal);
  return json(200, { type: "session_heartbeat" });
}

/** 0.38: `POST /sessions/{id}/finish` with `{reason:{type}, detail}`; first reason wins. */
export async function finishSession(req: RequestContext): Promise<Reply> {
  const body = parseRequest(FinishSessionRequestSchema, jsonBody(req), "FinishSessionRequest");
  const session = req.runtime.parts.store.sessions.get(req.params["session"]!);
  if (!session || session.owner !== req.principal.owner) {
    throw new HttpError(404, `Session ${req.params["session"]} not found.`);
  }
  if (session.status === "active") {
    await req.runtime.endSession(session, "finished", body.reason.type);
  }
  return json(200, {});
}

/** Row 7: `GET /get_server_capabilities`. */
export async function serverCapabilities(req: RequestContext): Promise<Reply> {
  return json(200, {
    supported_models: req.runtime.parts.catalogue.models.map((m) => ({
      model_name: m.model_name,
      max_context_length: m.max_context_length,
    })),
  });
}

/** Row 8: `GET /healthz`. */
export async function healthz(): Promise<Reply> {
  return json(200, { status: "ok" });
}

/** Row 19: `POST /telemetry` → `{"status":"accepted"}`, batch kept for inspection. */
export async function telemetry(req: RequestContext): Promise<Reply> {
  const body = parseRequest(TelemetrySendRequestSchema, jsonBody(req), "TelemetrySendRequest");
  req.runtime.parts.telemetry.add({
    received_at: new Date(req.runtime.clock.now()).toISOString(),
    session_id: body.session_id,
    platform: body.platform,
    sdk_version: body.sdk_version,
    process_uuid: body.process_uuid,
    events: body.events as Array<Record<string, unknown>>,
  });
  return json(200, { status: "accepted" });
}
