import {
  type AccessScope,
  type AuditLogResponse,
  AuditLogResponseSchema,
  type BillingUsageResponse,
  BillingUsageResponseSchema,
  type Checkpoint,
  type CheckpointArchiveUrlResponse,
  type CheckpointsListResponse,
  CheckpointsListResponseSchema,
  encodeRequestBody,
  type GetSamplerResponse,
  GetSamplerResponseSchema,
  type GetServerCapabilitiesResponse,
  GetServerCapabilitiesResponseSchema,
  type GetSessionResponse,
  GetSessionResponseSchema,
  type ListSessionsResponse,
  ListSessionsResponseSchema,
  parseTinkerPath,
  type TrainingRun,
  TrainingRunSchema,
  type TrainingRunsResponse,
  TrainingRunsResponseSchema,
  type WeightsInfoResponse,
  WeightsInfoResponseSchema,
  type WhoamiResponse,
} from "@tinker-ts/types";
import type { ClientContext } from "../context.js";
import { TraceExportFailedError, WhoamiUnavailableError } from "../errors.js";
import { callWithRetries } from "../requests.js";
import { withFailureReport } from "../telemetry-capture.js";
import { fetchArchiveUrl } from "./archive-url.js";
import { PagePromise } from "./page.js";
import { identityJwt, parseTraceExportReply, whoamiFromJwt } from "./replies.js";

/** Poll period of `exportSessionTrace`, 5 s (tinker-wire-spec.md §3.2). */
export const TRACE_EXPORT_POLL_MS = 5_000;

/** A RestClient method name in Python's snake_case spelling, e.g. `list_training_runs`. */
type RestMethod = string;

/**
 * `GET /api/v1/get_server_capabilities` (§10.1) inside `executeWithRetries`, attributed to
 * `sdkMethod`: `RestClient.get_server_capabilities`, or `ServiceClient.get_server_capabilities`
 * when the ServiceClient asks.
 */
export function fetchServerCapabilities(
  context: ClientContext,
  sdkMethod: string,
): Promise<GetServerCapabilitiesResponse> {
  return callWithRetries(
    context,
    {
      method: "GET",
      path: "/api/v1/get_server_capabilities",
      name: "get_server_capabilities",
      sdkMethod,
    },
    (value) => GetServerCapabilitiesResponseSchema.parse(value),
  );
}

/** Options of the listings that take an access scope. */
export interface AccessScopeOptions {
  /** `owned` (default): the caller's own resources; `accessible`: everything the caller can read. */
  readonly accessScope?: AccessScope | undefined;
}

/** Options of `listTrainingRuns`. */
export interface ListTrainingRunsOptions extends AccessScopeOptions {
  /** Page size (default 20). */
  readonly limit?: number | undefined;
  /** Where the first page starts (default 0). */
  readonly offset?: number | undefined;
  /** Only runs of this project. */
  readonly projectId?: string | undefined;
}

/** Options of `listSessions`. */
export interface ListSessionsOptions extends AccessScopeOptions {
  /** Page size (default 20). */
  readonly limit?: number | undefined;
  /** Where the first page starts (default 0). */
  readonly offset?: number | undefined;
}

/** Options of `listUserCheckpoints`. */
export interface ListUserCheckpointsOptions {
  /** Page size (default 100). */
  readonly limit?: number | undefined;
  /** Where the first page starts (default 0). */
  readonly offset?: number | undefined;
}

/** Options of `getAuditLog`. */
export interface AuditLogOptions {
  /** `all` (default) or `checkpoints`; documented as equivalent. */
  readonly eventType?: "all" | "checkpoints" | undefined;
  /** One UTC day, as `YYYY-MM-DD` or a Date. */
  readonly day?: string | Date | undefined;
}

/** The window of `getBillingUsage`: hour-aligned, at most 14 days (a server rule). */
export interface BillingUsageWindow {
  readonly startingOn: string | Date;
  readonly endingBefore: string | Date;
}

/**
 * The REST API (Python `RestClient`, tinker-wire-spec.md §10.2): training runs, checkpoints
 * (archive URLs, deletion, publishing, TTL), sessions, samplers, the audit log, billing usage and
 * `whoami`. It runs on the ServiceClient's session-less holder, so it creates no session. Every
 * call runs inside `executeWithRetries` (§7.2) on the TRAIN pool, except the archive URL and the
 * audit log, which use the redirect-safe pool.
 *
 * Listings return a {@link PagePromise}: await it for one page, or `for await` over it for every
 * item.
 */
export class RestClient {
  readonly #context: () => Promise<ClientContext>;

  /** @internal Use `ServiceClient.createRestClient()`. */
  constructor(context: () => Promise<ClientContext>) {
    this.#context = context;
  }

  /** The base models the server offers (`GET /api/v1/get_server_capabilities`, §10.1). */
  getServerCapabilities(): Promise<GetServerCapabilitiesResponse> {
    return this.#call("get_server_capabilities", "get_server_capabilities", (context, sdkMethod) =>
      fetchServerCapabilities(context, sdkMethod),
    );
  }

  /** One training run (`GET /api/v1/training_runs/{id}`). */
  getTrainingRun(trainingRunId: string, options: AccessScopeOptions = {}): Promise<TrainingRun> {
    return this.#getTrainingRun(trainingRunId, options, "get_training_run");
  }

  /**
   * The training run a `tinker://` path belongs to.
   * @throws InvalidInputError for a malformed path (§4.6).
   */
  getTrainingRunByTinkerPath(tinkerPath: string, options: AccessScopeOptions = {}): Promise<TrainingRun> {
    return this.#withPath(tinkerPath, (parsed) =>
      this.#getTrainingRun(parsed.training_run_id, options, "get_training_run_by_tinker_path"),
    );
  }

  /**
   * Base model and LoRA settings of a checkpoint (`POST /api/v1/weights_info`; also public
   * checkpoints of other users). The path is sent as given.
   */
  getWeightsInfoByTinkerPath(tinkerPath: string): Promise<WeightsInfoResponse> {
    return this.#call("get_weights_info", "get_weights_info_by_tinker_path", (context, sdkMethod) =>
      callWithRetries(
        context,
        {
          method: "POST",
          path: "/api/v1/weights_info",
          name: "get_weights_info",
          body: encodeRequestBody("WeightsInfoRequest", { tinker_path: tinkerPath }),
          sdkMethod,
        },
        (value) => WeightsInfoResponseSchema.parse(value),
      ),
    );
  }

  /**
   * The caller's training runs (`GET /api/v1/training_runs?limit&offset&access_scope[&project_id]`),
   * newest first. Await for one page; iterate for every run (pages follow `cursor.total_count`).
   */
  listTrainingRuns(options: ListTrainingRunsOptions = {}): PagePromise<TrainingRunsResponse, TrainingRun> {
    const limit = options.limit ?? 20;
    return new PagePromise(
      {
        fetch: (offset) =>
          this.#get(
            "list_training_runs",
            "/api/v1/training_runs",
            {
              limit,
              offset,
              access_scope: options.accessScope ?? "owned",
              project_id: options.projectId,
            },
            (value) => TrainingRunsResponseSchema.parse(value),
          ),
        items: (page) => page.training_runs,
        next: (page, offset) =>
          nextOffset(offset, page.training_runs.length, limit, page.cursor?.total_count),
      },
      options.offset ?? 0,
    );
  }

  /** Every checkpoint of one training run (`GET /api/v1/training_runs/{id}/checkpoints`). */
  listCheckpoints(trainingRunId: string): Promise<CheckpointsListResponse> {
    return this.#get(
      "list_checkpoints",
      `/api/v1/training_runs/${trainingRunId}/checkpoints`,
      undefined,
      (value) => CheckpointsListResponseSchema.parse(value),
    );
  }

  /**
   * The caller's checkpoints across runs, newest first (`GET /api/v1/checkpoints?limit&offset`).
   * Await for one page; iterate for every checkpoint.
   */
  listUserCheckpoints(
    options: ListUserCheckpointsOptions = {},
  ): PagePromise<CheckpointsListResponse, Checkpoint> {
    const limit = options.limit ?? 100;
    return new PagePromise(
      {
        fetch: (offset) =>
          this.#get("list_user_checkpoints", "/api/v1/checkpoints", { limit, offset }, (value) =>
            CheckpointsListResponseSchema.parse(value),
          ),
        items: (page) => page.checkpoints,
        next: (page, offset) => nextOffset(offset, page.checkpoints.length, limit, page.cursor?.total_count),
      },
      options.offset ?? 0,
    );
  }

  /**
   * A signed URL to download a checkpoint as a tar archive (§3.3): a 302's `Location` and
   * `Expires`, or a 200's `{url, expires}`; while the server answers 503 (still building) it retries
   * every 30 s, 6 attempts. `expires` is an ISO 8601 string.
   */
  getCheckpointArchiveUrl(
    trainingRunId: string,
    checkpointId: string,
  ): Promise<CheckpointArchiveUrlResponse> {
    return this.#archiveUrl(trainingRunId, checkpointId, "get_checkpoint_archive_url");
  }

  /** {@link RestClient.getCheckpointArchiveUrl} of a `tinker://` path. */
  getCheckpointArchiveUrlFromTinkerPath(tinkerPath: string): Promise<CheckpointArchiveUrlResponse> {
    return this.#withPath(tinkerPath, (parsed) =>
      this.#archiveUrl(
        parsed.training_run_id,
        parsed.checkpoint_id,
        "get_checkpoint_archive_url_from_tinker_path",
      ),
    );
  }

  /** Deletes a checkpoint (`DELETE /api/v1/training_runs/{run}/checkpoints/{id}`; the id holds a `/`). */
  deleteCheckpoint(trainingRunId: string, checkpointId: string): Promise<void> {
    return this.#noContent(
      "delete_checkpoint",
      "delete_checkpoint",
      "DELETE",
      `/api/v1/training_runs/${trainingRunId}/checkpoints/${checkpointId}`,
    );
  }

  /** {@link RestClient.deleteCheckpoint} of a `tinker://` path. */
  deleteCheckpointFromTinkerPath(tinkerPath: string): Promise<void> {
    return this.#withPath(tinkerPath, (parsed) =>
      this.#noContent(
        "delete_checkpoint",
        "delete_checkpoint_from_tinker_path",
        "DELETE",
        checkpointPath(parsed),
      ),
    );
  }

  /** Makes a checkpoint public (`POST …/publish`; 409 when it already is). */
  publishCheckpointFromTinkerPath(tinkerPath: string): Promise<void> {
    return this.#withPath(tinkerPath, (parsed) =>
      this.#noContent(
        "publish_checkpoint",
        "publish_checkpoint_from_tinker_path",
        "POST",
        `${checkpointPath(parsed)}/publish`,
      ),
    );
  }

  /** Makes a checkpoint private again (`DELETE …/publish`; 409 when it already is). */
  unpublishCheckpointFromTinkerPath(tinkerPath: string): Promise<void> {
    return this.#withPath(tinkerPath, (parsed) =>
      this.#noContent(
        "unpublish_checkpoint",
        "unpublish_checkpoint_from_tinker_path",
        "DELETE",
        `${checkpointPath(parsed)}/publish`,
      ),
    );
  }

  /**
   * Sets a checkpoint's time to live in seconds from now, or removes it with `null`
   * (`PUT …/ttl {"ttl_seconds": n|null}`; the server rejects n ≤ 0 with 400).
   */
  setCheckpointTtlFromTinkerPath(tinkerPath: string, ttlSeconds: number | null): Promise<void> {
    return this.#withPath(tinkerPath, (parsed) =>
      this.#noContent(
        "set_checkpoint_ttl",
        "set_checkpoint_ttl_from_tinker_path",
        "PUT",
        `${checkpointPath(parsed)}/ttl`,
        encodeRequestBody("CheckpointTtlRequest", { ttl_seconds: ttlSeconds }),
      ),
    );
  }

  /** A session's training runs and samplers (`GET /api/v1/sessions/{id}`). */
  getSession(sessionId: string, options: AccessScopeOptions = {}): Promise<GetSessionResponse> {
    return this.#get(
      "get_session",
      `/api/v1/sessions/${sessionId}`,
      { access_scope: options.accessScope ?? "owned" },
      (value) => GetSessionResponseSchema.parse(value),
    );
  }

  /**
   * The caller's session ids (`GET /api/v1/sessions?limit&offset&access_scope`). Await for one
   * page; iterate for every id (the reply has no cursor, so iteration stops at a short page).
   */
  listSessions(options: ListSessionsOptions = {}): PagePromise<ListSessionsResponse, string> {
    const limit = options.limit ?? 20;
    return new PagePromise(
      {
        fetch: (offset) =>
          this.#get(
            "list_sessions",
            "/api/v1/sessions",
            { limit, offset, access_scope: options.accessScope ?? "owned" },
            (value) => ListSessionsResponseSchema.parse(value),
          ),
        items: (page) => page.sessions,
        next: (page, offset) => nextOffset(offset, page.sessions.length, limit, undefined),
      },
      options.offset ?? 0,
    );
  }

  /** Moves a session into a project (`PUT /api/v1/sessions/{id}/project`); it cannot be moved out again. */
  assignSessionProject(sessionId: string, projectId: string): Promise<void> {
    return this.#noContent(
      "assign_session_project",
      "assign_session_project",
      "PUT",
      `/api/v1/sessions/${sessionId}/project`,
      encodeRequestBody("SessionProjectRequest", { project_id: projectId }),
    );
  }

  /**
   * Exports a session's timeline as a Perfetto trace and resolves with its signed download URL
   * (valid about an hour): polls `GET /api/v1/sessions/{id}/trace_export` every 5 s until `ready`.
   *
   * @throws TraceExportFailedError when the server reports the export failed.
   */
  exportSessionTrace(sessionId: string): Promise<string> {
    return this.#call("export_session_trace", "export_session_trace", async (context, sdkMethod) => {
      for (let polls = 0; ; polls++) {
        const reply = await callWithRetries(
          context,
          {
            method: "GET",
            path: `/api/v1/sessions/${sessionId}/trace_export`,
            name: "export_session_trace",
            sdkMethod,
          },
          parseTraceExportReply,
        );
        if (reply.status === "ready") return reply.url;
        if (reply.status === "failed") throw new TraceExportFailedError(sessionId, reply.error);
        if (polls === 0) {
          context.logger.warn(`Building trace export for session: ${sessionId} (this may take a while)`);
        }
        await context.clock.sleep(TRACE_EXPORT_POLL_MS, context.closeSignal);
      }
    });
  }

  /** A sampler's base model and weights (`GET /api/v1/samplers/{id}`). */
  getSampler(samplerId: string): Promise<GetSamplerResponse> {
    return this.#get("get_sampler", `/api/v1/samplers/${samplerId}`, undefined, (value) =>
      GetSamplerResponseSchema.parse(value),
    );
  }

  /** The organization's audit log (`GET /api/v1/audit?event_type[&day]`; needs the tinker-admin role). */
  getAuditLog(options: AuditLogOptions = {}): Promise<AuditLogResponse> {
    const day = options.day instanceof Date ? options.day.toISOString().slice(0, 10) : options.day;
    return this.#call("get_audit_log", "get_audit_log", (context, sdkMethod) =>
      callWithRetries(
        context,
        {
          method: "GET",
          path: "/api/v1/audit",
          name: "get_audit_log",
          query: { event_type: options.eventType ?? "all", day },
          pool: "rest_support_redirect",
          sdkMethod,
        },
        (value) => AuditLogResponseSchema.parse(value),
      ),
    );
  }

  /**
   * Usage events of a billing window (`GET /api/v1/billing/usage/events?starting_on&ending_before`),
   * with datetimes written as the Python SDK writes them (UTC as `Z`).
   *
   * @throws InvalidInputError for a datetime that cannot be read (before anything is sent).
   */
  async getBillingUsage(window: BillingUsageWindow): Promise<BillingUsageResponse> {
    const query = JSON.parse(
      encodeRequestBody("GetBillingUsageRequest", {
        starting_on: window.startingOn,
        ending_before: window.endingBefore,
      }),
    ) as Record<string, string>;
    return this.#get("get_billing_usage", "/api/v1/billing/usage/events", query, (value) =>
      BillingUsageResponseSchema.parse(value),
    );
  }

  /**
   * The caller's identity from the claims of the JWT the client already holds (no request):
   * `user_urn` = `sub`, `org_urn` = `tml:organization:<org_id>`, `email` (null when missing or
   * empty), as Python SDK 0.38 maps them. With JWT auth off, a Tinker-issued JWT credential
   * (`iss` starting with `passport-`) is read instead.
   *
   * @throws WhoamiUnavailableError when there is no JWT to read; TinkerError when its claims lack
   *   `sub` or `org_id`.
   */
  whoami(): Promise<WhoamiResponse> {
    return this.#call("whoami", "whoami", async (context) => {
      const { http, clientConfig, closeSignal } = context;
      const jwt = await identityJwt(clientConfig.pjwt_auth_enabled, http.config.apiKey?.reveal(), () =>
        http.auth.getToken(closeSignal),
      );
      if (jwt === undefined) throw new WhoamiUnavailableError();
      return whoamiFromJwt(jwt);
    });
  }

  #getTrainingRun(
    trainingRunId: string,
    options: AccessScopeOptions,
    method: RestMethod,
  ): Promise<TrainingRun> {
    return this.#get(
      "get_training_run",
      `/api/v1/training_runs/${trainingRunId}`,
      { access_scope: options.accessScope ?? "owned" },
      (value) => TrainingRunSchema.parse(value),
      method,
    );
  }

  #archiveUrl(
    trainingRunId: string,
    checkpointId: string,
    method: RestMethod,
  ): Promise<CheckpointArchiveUrlResponse> {
    return this.#call("get_checkpoint_archive_url", method, (context, sdkMethod) =>
      fetchArchiveUrl(context, trainingRunId, checkpointId, context.closeSignal, sdkMethod),
    );
  }

  /** A GET inside `executeWithRetries`; `method` defaults to `name` (the operation's own method). */
  #get<T>(
    name: string,
    path: string,
    query: Readonly<Record<string, string | number | undefined>> | undefined,
    parse: (value: unknown) => T,
    method: RestMethod = name,
  ): Promise<T> {
    return this.#call(name, method, (context, sdkMethod) =>
      callWithRetries(context, { method: "GET", path, name, query, sdkMethod }, parse),
    );
  }

  #noContent(
    name: string,
    method: RestMethod,
    httpMethod: "POST" | "PUT" | "DELETE",
    path: string,
    body?: string,
  ): Promise<void> {
    return this.#call(name, method, async (context, sdkMethod) => {
      const { http, closeSignal } = context;
      await http.executeWithRetries(
        () => http.request({ method: httpMethod, path, body, pool: "train", signal: closeSignal, sdkMethod }),
        { signal: closeSignal, name },
      );
    });
  }

  async #withPath<T>(
    tinkerPath: string,
    fn: (parsed: ReturnType<typeof parseTinkerPath>) => Promise<T>,
  ): Promise<T> {
    return fn(parseTinkerPath(tinkerPath));
  }

  /**
   * Runs one public call: `name` labels its span and retries, `method` is the public method in
   * Python's spelling, sent as `x-sdk-method: RestClient.<method>` on each of its requests. A
   * method built on another (`deleteCheckpointFromTinkerPath` on `deleteCheckpoint`) keeps its own
   * name, as 0.38 attributes requests to the outermost public call.
   */
  async #call<T>(
    name: string,
    method: RestMethod,
    fn: (context: ClientContext, sdkMethod: string) => Promise<T>,
  ): Promise<T> {
    const context = await this.#context();
    context.assertOpen();
    return withFailureReport(
      context,
      context.instrumentation.operation(name, {}, () => fn(context, `RestClient.${method}`)),
    );
  }
}

/** The next page's offset, or undefined after the last page (total reached, or a short page). */
function nextOffset(
  offset: number,
  received: number,
  limit: number,
  total: number | undefined,
): number | undefined {
  const next = offset + received;
  if (received === 0 || received < limit) return undefined;
  if (total !== undefined && next >= total) return undefined;
  return next;
}

function checkpointPath(parsed: ReturnType<typeof parseTinkerPath>): string {
  return `/api/v1/training_runs/${parsed.training_run_id}/checkpoints/${parsed.checkpoint_id}`;
}
