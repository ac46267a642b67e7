import * as admin from "./handlers/admin.js";
import * as futures from "./handlers/futures.js";
import * as rest from "./handlers/rest.js";
import * as sampling from "./handlers/sampling.js";
import * as service from "./handlers/service.js";
import * as training from "./handlers/training.js";
import { Router } from "./http/router.js";
import type { Handler, RouteSpec } from "./http/types.js";

/**
 * The route table: every endpoint of tinker-wire-spec.md §3.1 (rows 1–36), the legacy
 * `/forward` (§16), the 0.38.0 additions (`join_sampling_session`, `cancel_future`,
 * `sessions/{id}/finish`), admin endpoints and signed downloads.
 */
const JSON_BODY = ["application/json"] as const;
const api = "/api/v1";
const ckpt = `${api}/training_runs/:run/checkpoints/:ckptKind/:ckptName`;

function spec(handler: Handler, accepts?: readonly string[]): RouteSpec {
  return accepts ? { handler, auth: "any", accepts } : { handler, auth: "any" };
}

/** Builds the router. */
export function buildRouter(): Router<RouteSpec> {
  const router = new Router<RouteSpec>();
  router
    .add("POST", `${api}/client/config`, spec(service.clientConfig, JSON_BODY))
    .add("POST", `${api}/client/dynamic_config`, spec(service.dynamicConfig, JSON_BODY))
    .add("POST", `${api}/auth/token`, { handler: service.authToken, auth: "api_key", accepts: JSON_BODY })
    .add("POST", `${api}/create_session`, spec(service.createSession, JSON_BODY))
    .add("POST", `${api}/session_heartbeat`, spec(service.sessionHeartbeat, JSON_BODY))
    .add("POST", `${api}/sessions/:session/finish`, spec(service.finishSession, JSON_BODY))
    .add("POST", `${api}/create_sampling_session`, spec(sampling.createSamplingSession, JSON_BODY))
    .add("POST", `${api}/join_sampling_session`, spec(sampling.joinSamplingSession, JSON_BODY))
    .add("GET", `${api}/get_server_capabilities`, spec(service.serverCapabilities))
    .add("GET", `${api}/healthz`, { handler: service.healthz, auth: "none" })
    .add("POST", `${api}/create_model`, spec(training.createModel, JSON_BODY))
    .add("POST", `${api}/get_info`, spec(training.getInfo, JSON_BODY))
    .add("POST", `${api}/unload_model`, spec(training.unloadModel, JSON_BODY))
    .add(
      "POST",
      `${api}/forward_backward`,
      spec(training.forwardBackward, ["application/x-protobuf", "application/json"]),
    )
    .add("POST", `${api}/forward`, spec(training.forward, JSON_BODY))
    .add("POST", `${api}/optim_step`, spec(training.optimStep, JSON_BODY))
    .add("POST", `${api}/save_weights`, spec(training.saveWeights, JSON_BODY))
    .add("POST", `${api}/save_weights_for_sampler`, spec(training.saveWeightsForSampler, JSON_BODY))
    .add("POST", `${api}/load_weights`, spec(training.loadWeights, JSON_BODY))
    .add("POST", `${api}/asample`, spec(sampling.asample, JSON_BODY))
    .add("POST", `${api}/retrieve_future`, spec(futures.retrieveFuture, JSON_BODY))
    .add("POST", `${api}/cancel_future`, spec(futures.cancelFuture, JSON_BODY))
    .add("POST", `${api}/telemetry`, spec(service.telemetry, JSON_BODY))
    .add("GET", `${api}/training_runs/:run/checkpoints`, spec(rest.listRunCheckpoints))
    .add("DELETE", ckpt, spec(rest.deleteCheckpoint))
    .add("GET", `${ckpt}/archive`, spec(rest.checkpointArchive))
    .add("POST", `${ckpt}/publish`, spec(rest.setPublished))
    .add("DELETE", `${ckpt}/publish`, spec(rest.setPublished))
    .add("PUT", `${ckpt}/ttl`, spec(rest.setTtl, JSON_BODY))
    .add("GET", `${api}/training_runs`, spec(rest.listTrainingRuns))
    .add("GET", `${api}/training_runs/:run`, spec(rest.getTrainingRun))
    .add("POST", `${api}/weights_info`, spec(rest.weightsInfo, JSON_BODY))
    .add("GET", `${api}/checkpoints`, spec(rest.listUserCheckpoints))
    .add("GET", `${api}/sessions`, spec(rest.listSessions))
    .add("GET", `${api}/sessions/:session`, spec(rest.getSession))
    .add("PUT", `${api}/sessions/:session/project`, spec(rest.assignProject, JSON_BODY))
    .add("GET", `${api}/sessions/:session/trace_export`, spec(rest.traceExport))
    .add("GET", `${api}/samplers/:sampler`, spec(rest.getSampler))
    .add("GET", `${api}/audit`, spec(rest.auditLog))
    .add("GET", `${api}/billing/usage/events`, spec(rest.billingUsage))
    .add("GET", "/_admin/faults", { handler: admin.getFaults, auth: "none" })
    .add("PUT", "/_admin/faults", { handler: admin.putFaults, auth: "none" })
    .add("POST", "/_admin/faults/reset", { handler: admin.resetFaults, auth: "none" })
    .add("POST", "/_admin/pause", { handler: admin.pauseQueue, auth: "none" })
    .add("GET", "/_admin/telemetry", { handler: admin.getTelemetry, auth: "none" })
    .add("GET", "/_admin/state", { handler: admin.getState, auth: "none" })
    .add("POST", "/_admin/sweep", { handler: admin.sweep, auth: "none" })
    .add("GET", "/_download/:token", { handler: admin.download, auth: "none" });
  return router;
}
