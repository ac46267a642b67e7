import type { PoolKind } from "@tinker-ts/http";
import {
  CreateSamplingSessionResponseSchema,
  encodeRequestBody,
  GetSamplerResponseSchema,
  InvalidInputError,
  TINKER_PATH_PREFIX,
  TinkerError,
  type UntypedAPIFuture,
  UntypedAPIFutureSchema,
} from "@tinker-ts/types";
import type { ClientContext } from "./context.js";

/** One submission of an asynchronous endpoint (one that answers `{"request_id": …}`, §3). */
export interface AsyncSubmit {
  /** Path such as `/api/v1/optim_step`. */
  readonly path: string;
  /**
   * The encoded body: JSON text from `encodeRequestBody`, protobuf bytes, or a function building
   * the JSON text anew for every `executeWithRetries` attempt.
   */
  readonly body: string | Uint8Array | (() => string);
  /** `Content-Type`; default JSON. */
  readonly contentType?: string | undefined;
  /** Compress with zstd (forward_backward when the client config asks, §5.2). */
  readonly compress?: "zstd" | undefined;
  /** Base-client retries; 0 for save_weights and save_weights_for_sampler (§7.1). Default 10. */
  readonly maxRetries?: number | undefined;
  /** Label of the `executeWithRetries` telemetry events. */
  readonly name: string;
  /** The public method that sends it, in Python's spelling (`x-sdk-method`, see `RequestOptions.sdkMethod`). */
  readonly sdkMethod: string;
}

/**
 * Sends an asynchronous request on the TRAIN pool inside `executeWithRetries` (retry layer 3,
 * tinker-wire-spec.md §7.1) and resolves with its `{"request_id": …}` body.
 *
 * @throws the HTTP errors of the last attempt, or `signal.reason` when aborted.
 */
export function submitAsync(
  context: ClientContext,
  submit: AsyncSubmit,
  signal: AbortSignal,
): Promise<UntypedAPIFuture> {
  const { http } = context;
  return http.executeWithRetries(
    () =>
      http.requestJson(
        {
          method: "POST",
          path: submit.path,
          body: typeof submit.body === "function" ? submit.body() : submit.body,
          contentType: submit.contentType,
          compress: submit.compress,
          maxRetries: submit.maxRetries,
          pool: "train",
          signal,
          sdkMethod: submit.sdkMethod,
        },
        (value) => UntypedAPIFutureSchema.parse(value),
      ),
    { signal, name: submit.name },
  );
}

/**
 * A synchronous JSON call inside `executeWithRetries` (§7.2): `GET`/`DELETE` without a body or a
 * body-carrying method with a pre-encoded JSON body. Resolves with the parsed (and, when `parse`
 * is given, validated) response.
 */
export function callWithRetries<T>(
  context: ClientContext,
  request: {
    readonly method: "GET" | "POST" | "PUT" | "DELETE";
    readonly path: string;
    readonly name: string;
    readonly body?: string | undefined;
    readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
    readonly pool?: PoolKind | undefined;
    readonly signal?: AbortSignal | undefined;
    /** The public method that sends it (`x-sdk-method`). */
    readonly sdkMethod: string;
  },
  parse: (value: unknown) => T,
): Promise<T> {
  const { http } = context;
  const signal = request.signal ?? context.closeSignal;
  return http.executeWithRetries(
    () =>
      http.requestJson(
        {
          method: request.method,
          path: request.path,
          body: request.body,
          query: request.query,
          pool: request.pool ?? "train",
          signal,
          sdkMethod: request.sdkMethod,
        },
        parse,
      ),
    { signal, name: request.name },
  );
}

/** What a sampling session is created from: a base model, or a `tinker://` sampler checkpoint. */
export interface SamplingSessionSource {
  /** Base model name, for example `Qwen/Qwen3-8B`. */
  readonly baseModel?: string | undefined;
  /** `tinker://<run>/sampler_weights/<name>` (or another `tinker://` weights path). */
  readonly modelPath?: string | undefined;
}

/**
 * Checks a sampling-session source before anything is sent (§9.1): a base model or a model path
 * must be given, and a model path must start with `tinker://`.
 *
 * @throws InvalidInputError otherwise.
 */
export function checkSamplingSource(source: SamplingSessionSource): void {
  if (source.baseModel === undefined && source.modelPath === undefined) {
    throw new InvalidInputError("Either modelPath or baseModel must be provided.", { path: "modelPath" });
  }
  if (source.modelPath !== undefined && !source.modelPath.startsWith(TINKER_PATH_PREFIX)) {
    throw new InvalidInputError(
      `modelPath must start with '${TINKER_PATH_PREFIX}', got ${JSON.stringify(source.modelPath)}.`,
      { path: "modelPath" },
    );
  }
}

/**
 * `POST /api/v1/create_sampling_session` (tinker-wire-spec.md §3.2, §9.1) with the session's next
 * `sampling_session_seq_id`, base-client retries only, on the session pool. Resolves with the
 * sampling session id (`<session>:sample:<n>`).
 *
 * @param sdkMethod the public method creating it (`x-sdk-method`).
 */
export async function createSamplingSession(
  context: ClientContext,
  source: SamplingSessionSource,
  sdkMethod: string,
): Promise<string> {
  checkSamplingSource(source);
  const sessionId = context.sessionId;
  if (sessionId === undefined) throw new TinkerError("create_sampling_session needs a session holder");
  const body = encodeRequestBody("CreateSamplingSessionRequest", {
    session_id: sessionId,
    sampling_session_seq_id: context.nextSamplingSessionSeqId(),
    base_model: source.baseModel,
    model_path: source.modelPath,
  });
  const response = await context.http.requestJson(
    {
      method: "POST",
      path: "/api/v1/create_sampling_session",
      body,
      pool: "session",
      signal: context.closeSignal,
      sdkMethod,
    },
    (value) => CreateSamplingSessionResponseSchema.parse(value),
  );
  return response.sampling_session_id;
}

/**
 * The base model of a sampler, `GET /api/v1/samplers/{id}` (tinker-wire-spec.md §9.5) inside
 * `executeWithRetries` on the TRAIN pool: what Python SDK 0.38 fetches when it creates a
 * SamplingClient without knowing the base model (from a `model_path`).
 *
 * @param sdkMethod the public method creating the client (`x-sdk-method`).
 * @throws the final error of `executeWithRetries` (e.g. `NotFoundError` for an unknown sampler),
 *   or `APIResponseValidationError` for a malformed reply.
 */
export async function fetchSamplerBaseModel(
  context: ClientContext,
  samplingSessionId: string,
  sdkMethod: string,
): Promise<string> {
  const sampler = await callWithRetries(
    context,
    { method: "GET", path: `/api/v1/samplers/${samplingSessionId}`, name: "get_sampler", sdkMethod },
    (value) => GetSamplerResponseSchema.parse(value),
  );
  return sampler.base_model;
}
