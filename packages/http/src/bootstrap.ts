import {
  AuthTokenResponseSchema,
  type ClientConfigResponse,
  ClientConfigResponseSchema,
  type ClientDynamicConfigResponse,
  ClientDynamicConfigResponseSchema,
  TinkerError,
} from "@tinker-ts/types";
import { ApiKeyAuth, type AuthProvider, MISSING_API_KEY_MESSAGE, resolveAuthProvider } from "./auth.js";
import type { TinkerHttp } from "./client.js";
import { NotFoundError } from "./errors.js";
import { JwtAuth } from "./jwt-auth.js";

/** Client-config defaults (every field of `ClientConfigResponseSchema` at its default), for servers without flags. */
export const DEFAULT_CLIENT_CONFIG: ClientConfigResponse = Object.freeze(
  ClientConfigResponseSchema.parse({}),
);

/** Dynamic-config defaults, used when the server has no `/client/dynamic_config` endpoint (404). */
export const DEFAULT_DYNAMIC_CONFIG: ClientDynamicConfigResponse = Object.freeze(
  ClientDynamicConfigResponseSchema.parse({}),
);

/** Options shared by the bootstrap calls. */
export interface BootstrapCallOptions {
  signal?: AbortSignal | undefined;
}

/**
 * `POST /api/v1/client/config` with `{"sdk_version": …}` (tinker-wire-spec.md §2.3 step 1), wrapped
 * in `executeWithRetries` with the default base retries inside. Also sets the client's billing
 * pause window from `billing_exception_max_pause_duration_sec`.
 *
 * Responses are validated with `ClientConfigResponseSchema` of `@tinker-ts/types` (defaults filled
 * in, unknown flags dropped).
 *
 * @throws APIResponseValidationError when the response is not a valid config; any error of
 * `executeWithRetries`.
 */
export async function fetchClientConfig(
  http: TinkerHttp,
  options: BootstrapCallOptions = {},
): Promise<ClientConfigResponse> {
  const config = await http.executeWithRetries(
    () =>
      http.requestJson(
        {
          method: "POST",
          path: "/api/v1/client/config",
          json: { sdk_version: http.config.sdkVersion },
          signal: options.signal,
        },
        (v) => ClientConfigResponseSchema.parse(v),
      ),
    { signal: options.signal, name: "client_config" },
  );
  http.billing.setMaxPauseMs(config.billing_exception_max_pause_duration_sec * 1000);
  return config;
}

/**
 * One `POST /api/v1/client/dynamic_config` (session pool, `maxRetries: 0`, 10 s timeout; §2.3).
 *
 * @throws APIStatusError / APIConnectionError as {@link TinkerHttp.request}.
 */
export function fetchDynamicConfigOnce(
  http: TinkerHttp,
  options: BootstrapCallOptions = {},
): Promise<ClientDynamicConfigResponse> {
  return http.requestJson(
    {
      method: "POST",
      path: "/api/v1/client/dynamic_config",
      json: { sdk_version: http.config.sdkVersion },
      pool: "session",
      maxRetries: 0,
      timeoutMs: 10_000,
      signal: options.signal,
    },
    (v) => ClientDynamicConfigResponseSchema.parse(v),
  );
}

/**
 * The startup fetch of the dynamic config (§2.3 step 4): {@link fetchDynamicConfigOnce} inside
 * `executeWithRetries`; a 404 (a server without the endpoint) gives {@link DEFAULT_DYNAMIC_CONFIG}.
 *
 * @throws any other final error.
 */
export async function fetchInitialDynamicConfig(
  http: TinkerHttp,
  options: BootstrapCallOptions = {},
): Promise<ClientDynamicConfigResponse> {
  try {
    return await http.executeWithRetries(() => fetchDynamicConfigOnce(http, options), {
      signal: options.signal,
      name: "client_dynamic_config",
    });
  } catch (error) {
    if (NotFoundError.isInstance(error)) {
      http.logger.debug("Server does not support /api/v1/client/dynamic_config; using defaults");
      return DEFAULT_DYNAMIC_CONFIG;
    }
    throw error;
  }
}

/** Minimum refresh period of the dynamic config, 10 s. */
export const MIN_DYNAMIC_REFRESH_MS = 10_000;

/**
 * Keeps the dynamic config fresh (§2.3 step 6): every `max(refresh_interval_sec, 10)` s it fetches
 * once; a failed refresh keeps the last known good value. Sleeps go through the client's clock.
 */
export class DynamicConfigRefresher {
  readonly #http: TinkerHttp;
  #current: ClientDynamicConfigResponse;
  #stop: AbortController | undefined;

  constructor(http: TinkerHttp, initial: ClientDynamicConfigResponse) {
    this.#http = http;
    this.#current = initial;
  }

  /** The latest known good config; read it per use, it is replaced on refresh. */
  get current(): ClientDynamicConfigResponse {
    return this.#current;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.#stop) return;
    const controller = new AbortController();
    this.#stop = controller;
    void this.#loop(controller.signal).catch(() => {
      // Ends only by stop().
    });
  }

  /** Stops the loop, also in the middle of a sleep or a fetch. */
  stop(): void {
    this.#stop?.abort();
    this.#stop = undefined;
  }

  /** One refresh now; resolves to the config in effect afterwards. */
  async refreshOnce(signal?: AbortSignal): Promise<ClientDynamicConfigResponse> {
    try {
      this.#current = await fetchDynamicConfigOnce(this.#http, { signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      this.#http.logger.debug(`Dynamic client config refresh failed: ${String(error)}`);
    }
    return this.#current;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    for (;;) {
      const periodMs = Math.max(this.#current.refresh_interval_sec * 1000, MIN_DYNAMIC_REFRESH_MS);
      await this.#http.clock.sleep(periodMs, signal);
      await this.refreshOnce(signal);
    }
  }
}

/**
 * The auth provider for traffic after `/client/config` (§2.2, §2.3 step 3):
 * - without `pjwt_auth_enabled`, the API key (a credential command cannot be used);
 * - with it, a {@link JwtAuth} whose exchange `POST /api/v1/auth/token` (body `{}`) authenticates
 *   with the credential command when `credential_default_source` is `credential_cmd`, else the API key.
 *
 * Returns a view of `http` authenticated with that provider (same pools).
 *
 * @throws TinkerError when no usable credential is configured.
 */
export function authenticateForClientConfig(
  http: TinkerHttp,
  clientConfig: ClientConfigResponse,
): TinkerHttp {
  const { config, clock, logger } = http;
  const apiKey = config.apiKey?.reveal();
  if (!clientConfig.pjwt_auth_enabled) {
    if (!apiKey) throw new TinkerError(MISSING_API_KEY_MESSAGE);
    return http.withAuth(new ApiKeyAuth(apiKey, clock));
  }
  const useCommand = clientConfig.credential_default_source === "credential_cmd";
  const credential: AuthProvider = resolveAuthProvider(apiKey, config.credentialCmd, useCommand, clock);
  const exchangeClient = http.withAuth(credential);
  const jwt = new JwtAuth({
    clock,
    logger,
    exchange: async () => {
      const body = await exchangeClient.requestJson(
        { method: "POST", path: "/api/v1/auth/token", json: {} },
        (v) => AuthTokenResponseSchema.parse(v),
      );
      if (!body.jwt) throw new TinkerError("The /api/v1/auth/token response carried no jwt.");
      return body.jwt;
    },
  });
  return http.withAuth(jwt);
}
