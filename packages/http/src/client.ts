import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { InvalidInputError } from "@tinker-ts/types";
import type { Dispatcher } from "undici";
import { type AuthProvider, resolveAuthProvider } from "./auth.js";
import { BillingPause } from "./billing.js";
import {
  ACCEPT_ENCODING,
  decodeContentEncoding,
  isJsonContentType,
  isProtobufContentType,
  type ParsedBody,
} from "./body.js";
import { type Clock, systemClock } from "./clock.js";
import { type HttpConfigOptions, resolveHttpConfig, type TinkerHttpConfig } from "./config.js";
import {
  APIConnectionError,
  APIResponseValidationError,
  APITimeoutError,
  makeStatusError,
  REQUEST_ID_HEADER,
  type RequestInfo,
} from "./errors.js";
import {
  type ExecuteWithRetriesOptions,
  executeWithRetries,
  type OuterRetryEvent,
} from "./execute-with-retries.js";
import {
  extendHeaders,
  type HeaderInit,
  hasHeader,
  mergeHeaders,
  type PreparedHeaders,
  type PythonTimeoutType,
  platformHeaders,
  prepareHeaders,
  readTimeoutHeader,
} from "./headers.js";
import { consoleLogger, type Logger, leveledLogger } from "./logger.js";
import { type PoolKind, PoolSet } from "./pools.js";
import { type AttemptOutcome, decideRetry, isEmptyBodyRejection } from "./retry.js";
import { buildTarget, type QueryValue } from "./url.js";
import { zstdCompress } from "./zstd.js";

/** HTTP methods the Tinker API uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

/** Per-call options of {@link TinkerHttp.request}. */
export interface RequestOptions {
  method: HttpMethod;
  /** Path relative to the base URL, e.g. `/api/v1/retrieve_future`; ids go in unescaped (§1.1). An absolute URL is used as is. */
  path: string;
  /** Query parameters; `null`/`undefined` drop, booleans become `true`/`false`. */
  query?: Readonly<Record<string, QueryValue>> | undefined;
  /**
   * A JSON body, serialized compactly with `JSON.stringify` (non-finite numbers are rejected, as
   * Python does). Exclusive with `body`.
   */
  json?: unknown;
  /**
   * A pre-encoded body: protobuf bytes or a JSON string produced elsewhere (for Python-exact float
   * formatting). Set `contentType` accordingly. Exclusive with `json`.
   */
  body?: Uint8Array | string | undefined;
  /** `Content-Type` of the body; default `application/json`. Use `application/x-protobuf` for protobuf. */
  contentType?: string | undefined;
  /** Compress the body with zstd and send `Content-Encoding: zstd` (fwd/bwd when the client config asks, §5). */
  compress?: "zstd" | undefined;
  /** Connection pool; default `session` (§2.5). */
  pool?: PoolKind | undefined;
  /**
   * Time limit in ms for the response headers and for each gap between body chunks (like httpx's
   * read timeout); default the client's (60 000). Also sent as `x-stainless-read-timeout`.
   */
  timeoutMs?: number | undefined;
  /**
   * The type the Python SDK gives this call's timeout, which decides how
   * `x-stainless-read-timeout` prints it: default `int` (`60`, `45`, `10`); `float` for the calls
   * where 0.38 passes a float, such as telemetry's `HTTP_TIMEOUT_SECONDS = 5.0` (`5.0`).
   */
  timeoutType?: PythonTimeoutType | undefined;
  /** Base-client retries for this call; default the client's (10). Futures polls pass 0. */
  maxRetries?: number | undefined;
  /** Extra headers, applied after the SDK's own; `null` removes one. `Accept` overrides the default. */
  headers?: HeaderInit | undefined;
  /** Cancels the request, its retries and the sleeps between them; the call rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** `X-Idempotency-Key` to use; default a fresh `stainless-node-retry-<uuid>` per call for non-GET. */
  idempotencyKey?: string | undefined;
  /** Follow 3xx redirects (default true, up to 20). With false a 3xx raises an `APIStatusError` (§1.5). */
  followRedirects?: boolean | undefined;
  /**
   * The public SDK method this request serves, in the Python SDK 0.38 spelling
   * (`TrainingClient.forward_backward`, `RestClient.list_training_runs`): sent as `x-sdk-method`,
   * with `x-sdk-version` = the configured `sdkVersion`. 0.38 sends both on every request made
   * inside a public method (its submits, polls and retries, the method named by the outermost
   * public call) and neither on bootstrap or background requests (client config, session
   * creation, heartbeats, dynamic config refreshes, telemetry). Omit it for those.
   */
  sdkMethod?: string | undefined;
}

/** A successful (2xx) response, with the body already read and its `Content-Encoding` undone. */
export interface HttpResponse {
  readonly status: number;
  /** Response headers, lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded body bytes. */
  readonly body: Uint8Array;
  /** Final URL (after redirects). */
  readonly url: string;
  /** `x-request-id` response header, when present. */
  readonly requestId: string | undefined;
  /** Base-client retries this call took. */
  readonly retriesTaken: number;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON. @throws APIResponseValidationError when it is not JSON. */
  json(): unknown;
  /**
   * The body by content type (tinker-wire-spec.md §1.4, §6.3): protobuf bytes when the content type
   * contains `application/x-protobuf`, JSON when the media type ends with `json`, else text.
   * @throws APIResponseValidationError when a JSON content type carries invalid JSON.
   */
  parsed(): ParsedBody;
}

/** One attempt of the base client, reported to {@link HttpObserver.onAttempt} (e.g. for telemetry spans). */
export interface AttemptEvent {
  readonly method: string;
  /** The path as passed (no base URL, no query). */
  readonly path: string;
  readonly pool: PoolKind;
  /** Retries made before this attempt (0 for the first). */
  readonly retryCount: number;
  /** Status of the final response of the attempt, when one arrived. */
  readonly status?: number | undefined;
  /** Kind of failure when no response arrived. */
  readonly error?: "timeout" | "connection" | undefined;
  /** Wall time of the attempt in ms (real time, not the injected clock). */
  readonly durationMs: number;
  /** `x-request-id` of the response, when present. */
  readonly requestId?: string | undefined;
  /** Whether the base client will retry. */
  readonly willRetry: boolean;
  /** The wait before that retry, in ms. */
  readonly retryDelayMs?: number | undefined;
}

/** What the base client knows as one attempt of a request starts (tinker-wire-spec.md §7.1). */
export interface AttemptStart {
  readonly method: string;
  /** Absolute URL of the request, without the query string. */
  readonly url: string;
  /** The path as passed (no base URL, no query). */
  readonly path: string;
  readonly pool: PoolKind;
  /** Retries made before this attempt (0 for the first). */
  readonly retryCount: number;
  /** Body size in bytes as sent (after compression); undefined without a body. */
  readonly requestBytes: number | undefined;
}

/** One observed attempt, from {@link HttpObserver.startAttempt}: a span, for example. */
export interface AttemptObservation {
  /** Adds headers to the attempt before it is sent (a W3C `traceparent`, for example). */
  addHeaders?(headers: Record<string, string>): void;
  /**
   * How the attempt ended; `error` is the transport error (APIConnectionError / APITimeoutError)
   * when no response arrived.
   */
  end(event: AttemptEvent, error: unknown): void;
}

/** Hooks for observability (telemetry attaches here). Exceptions thrown by hooks are logged and ignored. */
export interface HttpObserver {
  /** Called as each attempt starts; the returned observation receives its headers and outcome. */
  startAttempt?(start: AttemptStart): AttemptObservation | undefined;
  /** Called as each attempt ends. */
  onAttempt?(event: AttemptEvent): void;
  onOuterRetryError?(event: OuterRetryEvent): void;
}

/** Options of {@link TinkerHttp}: configuration plus injectable collaborators. */
export interface TinkerHttpOptions extends HttpConfigOptions {
  /** An already resolved configuration; the other config fields are then ignored. */
  config?: TinkerHttpConfig | undefined;
  /** Environment to resolve from; default `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Credential provider; default from the config (API key, else credential command). */
  auth?: AuthProvider | undefined;
  /** Clock for every sleep; default the system clock. */
  clock?: Clock | undefined;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: (() => number) | undefined;
  /** Log sink; default the console. Lines below the configured level are dropped and secrets masked. */
  logger?: Logger | undefined;
  observer?: HttpObserver | undefined;
  /** undici agent-level headers/body timeout in ms (default 0 = off); see `PoolSettings.agentTimeoutMs`. */
  agentTimeoutMs?: number | undefined;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
// Credentials must not follow a redirect to another origin (a signed storage URL, for example).
const CROSS_ORIGIN_STRIPPED = [
  "x-api-key",
  "cf-access-client-id",
  "cf-access-client-secret",
  "authorization",
  "cookie",
];

interface Shared {
  readonly config: TinkerHttpConfig;
  readonly pools: PoolSet;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly observer: HttpObserver | undefined;
  readonly billing: BillingPause;
  /**
   * The constant first layers of every request's headers, merged once per client and SDK method
   * instead of once per request; keyed by the SDK method (undefined: none).
   */
  readonly constantHeaders: Map<string | undefined, PreparedHeaders>;
}

// SDK method names form a small fixed set; past this many, headers are merged per request.
const MAX_CONSTANT_HEADER_SETS = 128;

type AttemptResult =
  | { kind: "response"; response: RawResponse }
  | { kind: "error"; error: APIConnectionError; timeout: boolean };

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  url: string;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function encodeJson(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new InvalidInputError(
        `JSON body value ${key ? `at key ${JSON.stringify(key)} ` : ""}is ${v}; Tinker bodies cannot carry NaN or Infinity.`,
        { path: key || "json" },
      );
    }
    if (typeof v === "bigint") {
      throw new InvalidInputError(
        `JSON body value at key ${JSON.stringify(key)} is a bigint; pass a number.`,
        {
          path: key || "json",
        },
      );
    }
    return v;
  });
}

class Response implements HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly url: string;
  readonly requestId: string | undefined;
  readonly retriesTaken: number;
  readonly #request: RequestInfo;

  constructor(raw: RawResponse, retriesTaken: number, request: RequestInfo) {
    this.status = raw.status;
    this.headers = raw.headers;
    this.body = raw.body;
    this.url = raw.url;
    this.requestId = raw.headers[REQUEST_ID_HEADER];
    this.retriesTaken = retriesTaken;
    this.#request = request;
  }

  text(): string {
    return Buffer.from(this.body.buffer, this.body.byteOffset, this.body.byteLength).toString("utf8");
  }

  json(): unknown {
    const text = this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new APIResponseValidationError(
        { request: this.#request, status: this.status, headers: this.headers, body: text, cause: error },
        `Expected a JSON response body from ${this.#request.method} ${this.#request.url} (content-type ${JSON.stringify(this.headers["content-type"] ?? "")}), but it did not parse.`,
      );
    }
  }

  parsed(): ParsedBody {
    const contentType = this.headers["content-type"];
    if (isProtobufContentType(contentType)) return { kind: "protobuf", bytes: this.body };
    if (isJsonContentType(contentType)) return { kind: "json", value: this.json() };
    return { kind: "text", text: this.text() };
  }
}

/**
 * The Tinker HTTP transport: configuration, auth, headers, one undici pool per purpose, and the
 * retry layers 1 and 2 of tinker-wire-spec.md §7.1 (base-client retries §1.5 and the empty-400
 * rule §2.5), plus {@link TinkerHttp.executeWithRetries} (layer 3, §7.2) and the billing pause
 * (§7.4). Construction makes no network call.
 *
 * ```ts
 * const http = new TinkerHttp({ apiKey: "tml-…" });
 * const res = await http.request({ method: "POST", path: "/api/v1/retrieve_future",
 *   json: { request_id: id, allow_metadata_only: true }, pool: "retrieve_promise",
 *   timeoutMs: 45_000, maxRetries: 0, headers: { Accept: "application/x-protobuf" } });
 * ```
 */
export class TinkerHttp {
  readonly #shared: Shared;
  readonly #auth: AuthProvider;

  /**
   * @throws InvalidInputError for invalid options or environment values.
   * @throws TinkerError when no credential is configured (unless `auth` is given).
   *
   * `shared` is internal: {@link TinkerHttp.withAuth} passes the pools and state a view shares.
   */
  constructor(options: TinkerHttpOptions = {}, shared?: Shared) {
    if (shared) {
      this.#shared = shared;
    } else {
      const config = options.config ?? resolveHttpConfig(options, options.env);
      const clock = options.clock ?? systemClock;
      const logger = leveledLogger(options.logger ?? consoleLogger, config.logLevel);
      this.#shared = {
        config,
        clock,
        logger,
        random: options.random ?? Math.random,
        observer: options.observer,
        billing: new BillingPause(clock, logger),
        constantHeaders: new Map(),
        pools: new PoolSet({
          connectTimeoutMs: config.connectTimeoutMs,
          http2: config.http2,
          ...(options.agentTimeoutMs === undefined ? {} : { agentTimeoutMs: options.agentTimeoutMs }),
        }),
      };
    }
    const { config, clock } = this.#shared;
    this.#auth =
      options.auth ?? resolveAuthProvider(config.apiKey?.reveal(), config.credentialCmd, false, clock);
  }

  /** The resolved configuration (secrets masked in every string form). */
  get config(): TinkerHttpConfig {
    return this.#shared.config;
  }

  /** The leveled, redacting logger. */
  get logger(): Logger {
    return this.#shared.logger;
  }

  /** The injected clock. */
  get clock(): Clock {
    return this.#shared.clock;
  }

  /** The client-wide billing pause state (§7.4), shared with futures polling. */
  get billing(): BillingPause {
    return this.#shared.billing;
  }

  /** The credential provider of this view. */
  get auth(): AuthProvider {
    return this.#auth;
  }

  /**
   * A view of this client that authenticates with `auth` but shares pools, clock, logger,
   * observer and billing state — e.g. the JWT view after the exchange (§2.2).
   */
  withAuth(auth: AuthProvider): TinkerHttp {
    return new TinkerHttp({ auth }, this.#shared);
  }

  /**
   * Sends one request with base-client retries (§1.5) and the empty-400 rule (§2.5), and resolves
   * with the 2xx response.
   *
   * @throws APIStatusError (subclass by status) for a non-2xx final response.
   * @throws APIConnectionError / APITimeoutError when no response arrived after all retries, or
   *   for an empty-body 400 while the pool's budget lasts.
   * @throws InvalidInputError for invalid options (before anything is sent).
   * @throws whatever the auth provider throws (not retried), or `signal.reason` when aborted.
   */
  async request(options: RequestOptions): Promise<HttpResponse> {
    const { config, pools, clock, random, logger } = this.#shared;
    if (options.json !== undefined && options.body !== undefined) {
      throw new InvalidInputError("Pass either json or body, not both.", { path: "json" });
    }
    const method = options.method;
    const pool = options.pool ?? "session";
    const maxRetries = options.maxRetries ?? config.maxRetries;
    const timeoutMs = options.timeoutMs ?? config.timeoutMs;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new InvalidInputError(`maxRetries must be a non-negative integer, got ${maxRetries}.`, {
        path: "maxRetries",
      });
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidInputError(`timeoutMs must be a positive number, got ${timeoutMs}.`, {
        path: "timeoutMs",
      });
    }
    const signal = options.signal;
    signal?.throwIfAborted();

    let payload: Uint8Array | string | undefined =
      options.json !== undefined ? encodeJson(options.json) : options.body;
    const callHeaders: Record<string, string | null | undefined> = {};
    if (options.contentType) callHeaders["Content-Type"] = options.contentType;
    if (options.compress === "zstd" && payload !== undefined) {
      payload = await zstdCompress(typeof payload === "string" ? Buffer.from(payload, "utf8") : payload);
      callHeaders["Content-Encoding"] = "zstd";
    }
    const idempotencyKey =
      method === "GET" ? undefined : (options.idempotencyKey ?? `stainless-node-retry-${randomUUID()}`);

    for (let retriesTaken = 0; ; retriesTaken++) {
      signal?.throwIfAborted();
      const started = performance.now();
      const observation = this.#startAttempt(options, pool, retriesTaken, payload);
      const observedHeaders = this.#observedHeaders(observation);
      const headerLayers = (token: string | undefined) =>
        this.#buildHeaders(
          options,
          callHeaders,
          method,
          idempotencyKey,
          retriesTaken,
          timeoutMs,
          token,
          observedHeaders,
        );
      const result = await this.#attempt(options, pool, payload, headerLayers, timeoutMs);
      const durationMs = performance.now() - started;

      if (result.kind === "response" && result.response.status >= 200 && result.response.status < 300) {
        pools.creditSuccess(pool);
        this.#logDeprecation(result.response.headers);
        this.#emitAttempt(
          {
            method,
            path: options.path,
            pool,
            retryCount: retriesTaken,
            status: result.response.status,
            durationMs,
            requestId: result.response.headers[REQUEST_ID_HEADER],
            willRetry: false,
          },
          observation,
          undefined,
        );
        return new Response(result.response, retriesTaken, { method, url: result.response.url });
      }

      const outcome: AttemptOutcome =
        result.kind === "response"
          ? { kind: "response", status: result.response.status, headers: result.response.headers }
          : { kind: result.timeout ? "timeout" : "connection" };
      const decision = decideRetry(outcome, retriesTaken, maxRetries, Date.now(), random());
      this.#emitAttempt(
        {
          method,
          path: options.path,
          pool,
          retryCount: retriesTaken,
          status: result.kind === "response" ? result.response.status : undefined,
          error: result.kind === "error" ? (result.timeout ? "timeout" : "connection") : undefined,
          durationMs,
          requestId: result.kind === "response" ? result.response.headers[REQUEST_ID_HEADER] : undefined,
          willRetry: decision.retry,
          retryDelayMs: decision.retry ? decision.delayMs : undefined,
        },
        observation,
        result.kind === "error" ? result.error : undefined,
      );
      if (decision.retry) {
        logger.debug(
          `Retrying ${method} ${options.path} in ${Math.round(decision.delayMs)} ms (${maxRetries - retriesTaken} retries left)`,
        );
        await clock.sleep(decision.delayMs, signal);
        continue;
      }
      if (result.kind === "error") throw result.error;
      throw this.#statusError(result.response, method, pool);
    }
  }

  /**
   * {@link TinkerHttp.request}, then the body parsed as JSON (strict: any content type, §1.4) and
   * passed through `parse` (a zod schema's `parse`, for example).
   *
   * @throws APIResponseValidationError when the body is not JSON or `parse` throws.
   */
  async requestJson<T = unknown>(options: RequestOptions, parse?: (value: unknown) => T): Promise<T> {
    const response = await this.request(options);
    const value = response.json();
    if (!parse) return value as T;
    try {
      return parse(value);
    } catch (error) {
      throw new APIResponseValidationError({
        request: { method: options.method, url: response.url },
        status: response.status,
        headers: response.headers,
        body: value,
        cause: error,
      });
    }
  }

  /**
   * Retry layer 3 (§7.2) with this client's clock, billing pause and observer: see
   * {@link executeWithRetries}.
   */
  executeWithRetries<T>(
    fn: (attempt: number) => Promise<T>,
    options: Omit<ExecuteWithRetriesOptions, "clock" | "billing"> = {},
  ): Promise<T> {
    const { clock, billing, observer } = this.#shared;
    return executeWithRetries(fn, {
      ...options,
      clock,
      billing,
      onError: (event) => {
        options.onError?.(event);
        this.#safely(() => observer?.onOuterRetryError?.(event));
      },
    });
  }

  /** Closes every pool (waiting for in-flight requests) and stops the auth provider's background work. */
  async close(): Promise<void> {
    this.#auth.close?.();
    await this.#shared.pools.close();
  }

  #buildHeaders(
    options: RequestOptions,
    callHeaders: HeaderInit,
    method: string,
    idempotencyKey: string | undefined,
    retriesTaken: number,
    timeoutMs: number,
    token: string | undefined,
    observedHeaders: HeaderInit | undefined,
  ): Record<string, string> {
    const custom = options.headers ?? {};
    return extendHeaders(
      this.#constantHeaders(options.sdkMethod),
      callHeaders,
      custom,
      idempotencyKey && !hasHeader(custom, "X-Idempotency-Key")
        ? { "X-Idempotency-Key": idempotencyKey }
        : undefined,
      hasHeader(custom, "x-stainless-retry-count")
        ? undefined
        : { "x-stainless-retry-count": String(retriesTaken) },
      hasHeader(custom, "x-stainless-read-timeout")
        ? undefined
        : { "x-stainless-read-timeout": readTimeoutHeader(timeoutMs, options.timeoutType) },
      method === "GET" ? { "Content-Type": null } : undefined,
      token ? { "X-API-Key": token } : undefined,
      observedHeaders,
    );
  }

  /**
   * The layers every request of `sdkMethod` starts with, merged: `Accept` and `Accept-Encoding`
   * first (that is where the Python SDK puts them), {@link platformHeaders} in its order, the
   * method headers (0.38 places them after the platform ones, before its custom headers), the
   * Cloudflare Access pair and the configured default headers. Constant for a client.
   */
  #constantHeaders(sdkMethod: string | undefined): PreparedHeaders {
    const { config, constantHeaders } = this.#shared;
    const cached = constantHeaders.get(sdkMethod);
    if (cached) return cached;
    const platform = platformHeaders();
    const prepared = prepareHeaders(
      { Accept: platform.Accept, "Accept-Encoding": ACCEPT_ENCODING },
      platform,
      sdkMethod ? { "x-sdk-version": config.sdkVersion, "x-sdk-method": sdkMethod } : undefined,
      {
        "CF-Access-Client-Id": config.cloudflareClientId,
        "CF-Access-Client-Secret": config.cloudflareClientSecret?.reveal(),
      },
      config.defaultHeaders,
    );
    if (constantHeaders.size < MAX_CONSTANT_HEADER_SETS) constantHeaders.set(sdkMethod, prepared);
    return prepared;
  }

  async #attempt(
    options: RequestOptions,
    pool: PoolKind,
    payload: Uint8Array | string | undefined,
    buildHeaders: (token: string | undefined) => Record<string, string>,
    timeoutMs: number,
  ): Promise<AttemptResult> {
    const { config, pools, logger } = this.#shared;
    const debugging = config.logLevel === "debug";
    const signal = options.signal;
    let token = await this.#auth.getToken(signal);
    let method: string = options.method;
    let body = payload;
    let headers = buildHeaders(token);
    let target = buildTarget(config.baseUrl, options.path, options.query);
    let replayed = false;
    for (let hops = 0; ; ) {
      const url = `${target.origin}${target.path}`;
      // Per-request lines: skip building them unless they are logged.
      if (debugging) logger.debug(`Sending HTTP Request: ${method} ${url}`);
      const dispatcher = pools.dispatcher(pool);
      let raw: RawResponse;
      try {
        raw = await this.#send(dispatcher, target, method, headers, body, timeoutMs, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const code = (error as { code?: unknown }).code;
        if (code === "UND_ERR_INVALID_ARG") {
          throw new InvalidInputError(`The request could not be built: ${(error as Error).message}`, {
            path: "headers",
            cause: error,
          });
        }
        const timeout =
          code === "UND_ERR_HEADERS_TIMEOUT" ||
          code === "UND_ERR_BODY_TIMEOUT" ||
          code === "UND_ERR_CONNECT_TIMEOUT";
        const init = { request: { method, url }, cause: error };
        logger.debug(`HTTP request failed: ${method} ${url}: ${String(error)}`);
        return {
          kind: "error",
          error: timeout ? new APITimeoutError(init) : new APIConnectionError(init),
          timeout,
        };
      }
      if (debugging) logger.debug(`HTTP Response: ${method} ${url} ${raw.status}`);

      // 0.38: a 401 marked invalid_token gets one replay with a replaced token.
      if (
        raw.status === 401 &&
        !replayed &&
        token &&
        this.#auth.replaceToken &&
        (raw.headers["www-authenticate"] ?? "").includes('error="invalid_token"')
      ) {
        replayed = true;
        token = await this.#auth.replaceToken(token, signal);
        headers = mergeHeaders(headers, { "X-API-Key": token });
        continue;
      }

      const location = raw.headers["location"];
      if (options.followRedirects !== false && REDIRECT_STATUSES.has(raw.status) && location) {
        if (++hops > MAX_REDIRECTS) {
          return {
            kind: "error",
            error: new APIConnectionError(
              { request: { method, url } },
              `Too many redirects (more than ${MAX_REDIRECTS}).`,
            ),
            timeout: false,
          };
        }
        const next = new URL(location, url);
        if (raw.status === 303 || ((raw.status === 301 || raw.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
          headers = mergeHeaders(headers, { "Content-Type": null, "Content-Encoding": null });
        }
        if (next.origin !== target.origin) {
          headers = mergeHeaders(headers, Object.fromEntries(CROSS_ORIGIN_STRIPPED.map((h) => [h, null])));
        }
        target = { origin: next.origin, path: `${next.pathname}${next.search}` };
        continue;
      }
      return { kind: "response", response: raw };
    }
  }

  async #send(
    dispatcher: Dispatcher,
    target: { origin: string; path: string },
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<RawResponse> {
    const res = await dispatcher.request({
      origin: target.origin,
      path: target.path,
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body ?? (method === "GET" || method === "HEAD" ? null : ""),
      // Per-request timeouts replace the agent's, so undici's 300 s defaults never cut a call
      // whose own timeout is longer (a 10-minute call) and a 45 s poll gets exactly 45 s.
      headersTimeout: Math.ceil(timeoutMs),
      bodyTimeout: Math.ceil(timeoutMs),
      ...(signal ? { signal } : {}),
    });
    const bytes = new Uint8Array(await res.body.arrayBuffer());
    const responseHeaders = flattenHeaders(res.headers);
    const decoded = await decodeContentEncoding(bytes, responseHeaders["content-encoding"]);
    return {
      status: res.statusCode,
      headers: responseHeaders,
      body: decoded,
      url: `${target.origin}${target.path}`,
    };
  }

  #statusError(response: RawResponse, method: string, pool: PoolKind): Error {
    const { pools, logger } = this.#shared;
    this.#logDeprecation(response.headers);
    const request = { method, url: response.url };
    const text = Buffer.from(response.body).toString("utf8");
    const error = makeStatusError(request, response.status, response.headers, text);
    if (isEmptyBodyRejection(response.status, response.headers)) {
      // §2.5: an empty 400 is most likely Cloudflare rejecting the connection; start over on fresh
      // connections and let the outer layers retry it, while the pool's budget lasts.
      pools.replace(pool);
      if (pools.takeBudget(pool)) {
        logger.debug(`Empty-body 400 on ${method} ${response.url}; treating it as a connection error`);
        return new APIConnectionError({
          request,
          status: response.status,
          headers: response.headers,
          cause: error,
        });
      }
    }
    return error;
  }

  #logDeprecation(headers: Readonly<Record<string, string>>): void {
    const note = headers["x-deprecation-note"];
    if (!note) return;
    const level = (headers["x-deprecation-level"] ?? "").trim().toLowerCase();
    if (level === "error") this.#shared.logger.error(`Deprecation notice: ${note}`);
    else this.#shared.logger.warn(`Deprecation notice: ${note}`);
  }

  /** The observer's view of an attempt about to start, when it asked for one. */
  #startAttempt(
    options: RequestOptions,
    pool: PoolKind,
    retryCount: number,
    payload: Uint8Array | string | undefined,
  ): AttemptObservation | undefined {
    const observer = this.#shared.observer;
    if (!observer?.startAttempt) return undefined;
    const { origin, path } = buildTarget(this.#shared.config.baseUrl, options.path, undefined);
    const start: AttemptStart = {
      method: options.method,
      url: `${origin}${path}`,
      path: options.path,
      pool,
      retryCount,
      requestBytes: typeof payload === "string" ? Buffer.byteLength(payload, "utf8") : payload?.byteLength,
    };
    let observation: AttemptObservation | undefined;
    this.#safely(() => {
      observation = observer.startAttempt?.(start);
    });
    return observation;
  }

  /** The headers the attempt's observation adds (a W3C `traceparent`, say), if any. */
  #observedHeaders(observation: AttemptObservation | undefined): Record<string, string> | undefined {
    if (!observation?.addHeaders) return undefined;
    const added: Record<string, string> = {};
    this.#safely(() => observation.addHeaders?.(added));
    return Object.keys(added).length > 0 ? added : undefined;
  }

  #emitAttempt(event: AttemptEvent, observation: AttemptObservation | undefined, error: unknown): void {
    if (observation) this.#safely(() => observation.end(event, error));
    const observer = this.#shared.observer;
    if (observer?.onAttempt) this.#safely(() => observer.onAttempt?.(event));
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#shared.logger.warn(`An HTTP observer hook threw: ${String(error)}`);
    }
  }
}
