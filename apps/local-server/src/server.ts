import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError, TinkerError } from "@tinker-ts/types";
import { Authenticator, type Principal } from "./auth.js";
import type { Backend } from "./backend/backend.js";
import { createNullBackend } from "./backend/null-backend.js";
import { Catalogue, defaultCatalogue } from "./catalogue.js";
import { systemClock } from "./clock.js";
import { HttpError } from "./errors.js";
import { FaultInjector, type FaultKind } from "./faults.js";
import { FutureRegistry } from "./futures.js";
import { checkAdmin } from "./handlers/admin.js";
import { decodeContent, ensureZstd, mediaType, readBody } from "./http/body.js";
import type { Reply, RequestContext, RouteSpec } from "./http/types.js";
import { createLogger } from "./log.js";
import { defaultClientConfig, defaultDynamicConfig, type LocalServerOptions } from "./options.js";
import { RequestRecorder } from "./record.js";
import { buildRouter } from "./routes.js";
import { ServerRuntime } from "./runtime.js";
import { Store } from "./state/store.js";
import { TelemetryIntake } from "./telemetry-intake.js";
import { createTinyBackend } from "./tiny/backend.js";
import { tokenizerDecoderLoader } from "./tokenizers.js";

/** A running server. */
export interface LocalServer {
  /** Base URL, for example `http://127.0.0.1:8765` (use it as the SDK's base URL). */
  readonly url: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  /** Directory holding the persistent state. */
  readonly dataDir: string;
  /** Admin token, when admin endpoints are on. */
  readonly adminToken: string | undefined;
  /**
   * Stops listening, drops connections, timers and queued work, waits (up to 5 s) for requests
   * and futures already running, and removes a temporary data dir.
   */
  close(): Promise<void>;
}

/** Thrown when the server cannot start (the port cannot be bound). */
export class LocalServerStartError extends TinkerError {}

function resolveBackend(options: LocalServerOptions, catalogue: Catalogue): Backend {
  const option = options.backend;
  if (option === undefined || option === "null") return createNullBackend();
  if (option === "tiny") {
    return createTinyBackend({
      catalogue: catalogue.models,
      loadDecoder: tokenizerDecoderLoader(options.tokenizers ?? {}, catalogue),
      ...options.tiny,
    });
  }
  return option;
}

const anonymous: Principal = { owner: "anonymous", email: "", via: "api_key" };

/**
 * Starts a Tinker-compatible server (tinker-wire-spec.md §3) on `host:port` and resolves once it
 * listens. In-process use for tests: `const srv = await startLocalServer({ port: 0 })`, then
 * point the SDK at `srv.url` and `await srv.close()` at the end.
 *
 * @throws LocalServerStartError when the port cannot be bound.
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const catalogue = new Catalogue(options.catalogue ?? defaultCatalogue);
  const backend = resolveBackend(options, catalogue);
  const clock = options.clock ?? systemClock;
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "tinker-local-")));
  const store = await Store.open(dataDir);
  await ensureZstd();
  const logger = createLogger(options.logLevel ?? "info", options.logSink);
  const auth = new Authenticator(
    {
      ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}),
      jwtEnabled: options.jwtAuth ?? false,
      ...(options.jwtTtlSeconds === undefined ? {} : { jwtTtlSeconds: options.jwtTtlSeconds }),
    },
    clock,
  );
  const runtime = new ServerRuntime({
    clock,
    store,
    futures: new FutureRegistry(clock, options.futureResultTtlMs ?? 3_600_000),
    faults: new FaultInjector(clock, options.faults),
    auth,
    backend,
    catalogue,
    logger,
    telemetry: new TelemetryIntake(options.telemetryBatchesKept ?? 100),
    clientConfig: { ...defaultClientConfig, ...options.clientConfig },
    dynamicConfig: { ...defaultDynamicConfig, ...options.dynamicConfig },
    pollTimeoutMs: options.pollTimeoutMs ?? 30_000,
    sessionExpiryMs: options.sessionExpiryMs ?? 300_000,
    seqGapTimeoutMs: options.seqGapTimeoutMs ?? 60_000,
    inlineResultLimitBytes: options.inlineResultLimitBytes ?? 4 * 1024 * 1024,
    archiveWaitMs: options.archiveWaitMs ?? 2000,
    downloadUrlTtlMs: options.downloadUrlTtlMs ?? 900_000,
    adminToken: options.adminToken,
  });
  const recorder = options.recordFile ? new RequestRecorder(options.recordFile) : undefined;
  const router = buildRouter();
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024 * 1024;

  // Requests being handled: close() lets them finish their writes before the data dir goes.
  const handling = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const handled = dispatch(req, res).catch((error) => {
      logger.error("unhandled dispatch error", { error: String(error) });
      if (!res.headersSent) send(res, errorReply(error));
    });
    handling.add(handled);
    void handled.finally(() => handling.delete(handled));
  });
  server.keepAliveTimeout = 75_000;

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://localhost");
    const abort = new AbortController();
    // Abort only when the client went away before the answer (aborting builds a DOMException).
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    let raw: Buffer = Buffer.alloc(0);
    let reply: Reply | undefined;
    const logFields: Record<string, unknown> = {};
    let dropped = false;
    try {
      const match = router.match(method, url.pathname);
      if (match.kind === "not_found") throw new HttpError(404, `No route for ${method} ${url.pathname}.`);
      if (match.kind === "method_not_allowed") {
        throw new HttpError(405, `Method ${method} is not allowed on ${url.pathname}.`, {
          headers: { allow: match.allowed.join(", ") },
        });
      }
      const route: RouteSpec = match.handler;
      raw = await readBody(req, maxBodyBytes);
      const internal = url.pathname.startsWith("/_");
      if (!internal) {
        const decision = runtime.parts.faults.decide(url.pathname);
        if (decision.latencyMs > 0) {
          await new Promise<void>((resolve) => clock.setTimer(resolve, decision.latencyMs));
        }
        if (decision.fault === "drop") {
          dropped = true;
          logFields["fault"] = "drop";
          req.socket.destroy();
          return;
        }
        if (decision.fault) {
          logFields["fault"] = decision.fault;
          reply = faultReply(decision.fault, runtime.parts.faults.retryAfterSeconds);
          return;
        }
      }
      const contentType = mediaType(req.headers["content-type"]);
      const principal =
        route.auth === "none"
          ? anonymous
          : auth.authenticate(headerValue(req.headers["x-api-key"]), route.auth === "any");
      if (route.accepts && !route.accepts.includes(contentType)) {
        throw new HttpError(
          415,
          `Expected Content-Type ${route.accepts.join(" or ")}, got '${contentType || "none"}'.`,
        );
      }
      const body = route.accepts
        ? await decodeContent(raw, headerValue(req.headers["content-encoding"]), maxBodyBytes)
        : raw;
      const context: RequestContext = {
        method,
        path: url.pathname,
        params: match.params,
        query: url.searchParams,
        headers: req.headers,
        body,
        contentType,
        principal,
        signal: abort.signal,
        runtime,
        logFields,
      };
      if (url.pathname.startsWith("/_admin/")) checkAdmin(context);
      reply = await route.handler(context);
    } catch (error) {
      reply = errorReply(error);
      if (!HttpError.isInstance(error) && !InvalidInputError.isInstance(error)) {
        logger.error("handler crashed", {
          method,
          path: url.pathname,
          error: String((error as Error)?.stack ?? error),
        });
      }
    } finally {
      const status = dropped ? 0 : (reply?.status ?? 500);
      if (reply && !res.destroyed) send(res, reply);
      const json = reply?.json as { request_id?: unknown } | undefined;
      const requestId = logFields["request_id"] ?? json?.request_id;
      logger.info("request", {
        method,
        path: url.pathname,
        status,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        ...(requestId === undefined ? {} : { request_id: requestId }),
        ...logFields,
      });
      recorder?.write(
        {
          time: new Date().toISOString(),
          method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
          ),
          status,
        },
        raw,
        headerValue(req.headers["content-type"]) ?? "",
      );
    }
  }

  const host = options.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(new LocalServerStartError(`Cannot listen on ${host}:${options.port ?? 0}: ${error.message}`)),
      );
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    runtime.close();
    await recorder?.close();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  runtime.baseUrl = url;
  runtime.start();
  logger.info("listening", { url, data_dir: dataDir, backend: backend.name });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir,
    adminToken: options.adminToken,
    close() {
      closing ??= (async () => {
        runtime.close();
        await closeServer(server);
        await settleWithin(closeGraceMs, [Promise.allSettled([...handling]), runtime.idle()]);
        await recorder?.close();
        await store.flush();
        // Retries cover a write that outlived the grace period landing while the tree is removed.
        if (ownsDataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return closing;
    },
  };
}

/**
 * Longest `close()` waits for requests and futures already running (real ms, not the injected
 * clock: a test's frozen clock must not stop a shutdown; queued work was dropped already).
 */
const closeGraceMs = 5_000;

/** Waits for `work`, or `ms` real milliseconds, whichever comes first. */
async function settleWithin(ms: number, work: Promise<unknown>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.allSettled(work), expired]);
  clearTimeout(timer);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorReply(error: unknown): Reply {
  if (HttpError.isInstance(error)) {
    return { status: error.status, json: error.body(), headers: error.headers };
  }
  // The shared helpers of @tinker-ts/types (paths, model inputs, tensors) reject bad input this way.
  if (InvalidInputError.isInstance(error)) {
    return { status: 400, json: { detail: error.message, ...(error.path ? { path: error.path } : {}) } };
  }
  return {
    status: 500,
    json: { detail: `Internal server error: ${(error as Error)?.message ?? String(error)}` },
  };
}

function faultReply(fault: Exclude<FaultKind, "drop">, retryAfterSeconds: number): Reply {
  switch (fault) {
    case "server_error":
      return { status: 500, json: { detail: "Injected fault: internal server error." } };
    case "rate_limit":
      return { status: 429, json: { detail: "Injected fault: rate limited." } };
    case "rate_limit_retry_after":
      return {
        status: 429,
        json: { detail: "Injected fault: rate limited." },
        headers: { "retry-after": String(retryAfterSeconds) },
      };
    case "timeout":
      return { status: 408, json: { detail: "Injected fault: request timeout.", queue_state: "active" } };
    case "gone":
      return { status: 410, json: { detail: "Injected fault: promise expired." } };
    case "payment_required":
      return { status: 402, json: { detail: "Injected fault: billing check failed." } };
    case "empty_400":
      return { status: 400, bytes: new Uint8Array(0), contentType: "application/json" };
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const body = reply.bytes
    ? Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength)
    : Buffer.from(JSON.stringify(reply.json ?? {}));
  res.writeHead(reply.status, {
    ...reply.headers,
    "content-type": reply.bytes ? (reply.contentType ?? "application/octet-stream") : "application/json",
    "content-length": body.length,
  });
  res.end(body);
}
