import { inspect } from "node:util";
import { InvalidInputError, WIRE_SDK_VERSION } from "@tinker-ts/types";
import { defaultCredentialsPath, readStoredApiKey } from "./credentials-file.js";
import { type LogLevel, parseLogLevel } from "./logger.js";
import { Secret } from "./secret.js";

/** The production base URL (tinker-wire-spec.md §1.1; unchanged in 0.38). */
export const DEFAULT_BASE_URL = "https://tinker.thinkingmachines.dev/services/tinker-prod";
/** Default per-request timeout, 60 s (§1.4). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default connect timeout, 5 s (§1.4). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default base-client retries, 10 (§1.4). */
export const DEFAULT_MAX_RETRIES = 10;

/** User-facing configuration; every field is optional and falls back to the environment, then to a default. */
export interface HttpConfigOptions {
  /** API key (`tml-…`) or a JWT (`eyJ…`). Env `TINKER_API_KEY`, then the stored default key of `tinker auth login`. */
  apiKey?: string | undefined;
  /** Base URL. Env `TINKER_BASE_URL`, then {@link DEFAULT_BASE_URL}. */
  baseUrl?: string | undefined;
  /** Default project for `create_session`. Env `TINKER_PROJECT_ID`. */
  projectId?: string | undefined;
  /** Session tags. Env `TINKER_TAGS` (comma-separated, de-duplicated). */
  tags?: readonly string[] | undefined;
  /** Shell command printing a credential. Env `TINKER_CREDENTIAL_CMD`. */
  credentialCmd?: string | undefined;
  /** Minimum log level. Env `TINKER_LOG`; default `warn`. */
  logLevel?: LogLevel | undefined;
  /** Per-request timeout in ms. Default 60 000. */
  timeoutMs?: number | undefined;
  /** TCP/TLS connect timeout in ms. Default 5 000. */
  connectTimeoutMs?: number | undefined;
  /** Base-client retries per request. Default 10. */
  maxRetries?: number | undefined;
  /** Extra headers on every request (after the SDK's own, before per-call ones). */
  defaultHeaders?: Readonly<Record<string, string>> | undefined;
  /** Offer HTTP/2 via ALPN on TLS connections (undici `allowH2`). Default false; see README. */
  http2?: boolean | undefined;
  /** `sdk_version` sent to the server. Default {@link WIRE_SDK_VERSION}. */
  sdkVersion?: string | undefined;
  /** Credentials file of `tinker auth login`, or `false` to never read one. Default `~/.tinker/credentials.json`. */
  credentialsFile?: string | false | undefined;
}

/** The resolved, validated configuration. Secrets are {@link Secret}s and print masked. */
export interface ResolvedHttpConfig {
  readonly apiKey: Secret | undefined;
  /** Where `apiKey` came from, for error messages. */
  readonly apiKeySource: "option" | "env" | "credentials-file" | undefined;
  /** Base URL without trailing slash. */
  readonly baseUrl: string;
  readonly projectId: string | undefined;
  readonly tags: readonly string[];
  readonly credentialCmd: string | undefined;
  readonly logLevel: LogLevel;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxRetries: number;
  readonly defaultHeaders: Readonly<Record<string, string>>;
  /** `CF-Access-Client-Id` from env `CLOUDFLARE_ACCESS_CLIENT_ID`. */
  readonly cloudflareClientId: string | undefined;
  /** `CF-Access-Client-Secret` from env `CLOUDFLARE_ACCESS_CLIENT_SECRET`. */
  readonly cloudflareClientSecret: Secret | undefined;
  readonly http2: boolean;
  readonly sdkVersion: string;
}

const nonEmpty = (value: string | undefined): string | undefined => (value ? value : undefined);

function nonNegativeInteger(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(`${path} must be a non-negative integer, got ${String(value)}.`, { path });
  }
  return value;
}

function positiveInteger(value: number | undefined, fallback: number, path: string): number {
  const v = nonNegativeInteger(value, fallback, path);
  if (v === 0) throw new InvalidInputError(`${path} must be greater than 0.`, { path });
  return v;
}

function resolveBaseUrl(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = nonEmpty(option) ?? nonEmpty(env["TINKER_BASE_URL"]) ?? DEFAULT_BASE_URL;
  const path = nonEmpty(option) ? "baseUrl" : "TINKER_BASE_URL";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError(`${path} is not a valid URL: ${JSON.stringify(raw)}.`, { path });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInputError(`${path} must be an http(s) URL, got ${JSON.stringify(raw)}.`, { path });
  }
  if (url.search || url.hash) {
    throw new InvalidInputError(`${path} must not carry a query or fragment: ${JSON.stringify(raw)}.`, {
      path,
    });
  }
  return normalizeBaseUrl(url);
}

/**
 * The canonical spelling of a base URL (docs/configuration.md#base-url): scheme and host in lower case, the scheme's default port
 * left out (`https://host:443` ≡ `https://host`, `http://host:80` ≡ `http://host`), no trailing
 * slash. Two spellings of one server then share everything keyed by the base URL, such as the
 * per-{server, credential} sampling limiter.
 */
export function normalizeBaseUrl(url: URL): string {
  // `origin` is already lower case and without a default port; the path keeps its case.
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/**
 * Resolves options against the environment (tinker-wire-spec.md §12b, 0.38 additions noted):
 * - `apiKey`: option, `TINKER_API_KEY`, then — only when no `TINKER_CREDENTIAL_CMD` is set — the
 *   default key stored by `tinker auth login` (0.38). It must start with `tml-` or `eyJ`, unless a
 *   credential command is configured, which then takes over (0.38 behaviour);
 * - empty environment values count as unset.
 *
 * @throws InvalidInputError naming the offending option or variable (`path`).
 */
export function resolveHttpConfig(
  options: HttpConfigOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): TinkerHttpConfig {
  const credentialCmd = nonEmpty(options.credentialCmd) ?? nonEmpty(env["TINKER_CREDENTIAL_CMD"]);
  let apiKey = nonEmpty(options.apiKey);
  let apiKeySource: ResolvedHttpConfig["apiKeySource"] = apiKey ? "option" : undefined;
  if (!apiKey && nonEmpty(env["TINKER_API_KEY"])) {
    apiKey = env["TINKER_API_KEY"];
    apiKeySource = "env";
  }
  if (!apiKey && !credentialCmd && options.credentialsFile !== false) {
    const file = options.credentialsFile ?? defaultCredentialsPath();
    try {
      apiKey = readStoredApiKey(file);
    } catch (error) {
      throw new InvalidInputError(
        `The credentials file ${file} could not be read (${String(error)}). Fix or remove it, or set TINKER_API_KEY.`,
        { path: "credentialsFile", cause: error },
      );
    }
    if (apiKey) apiKeySource = "credentials-file";
  }
  if (apiKey && !apiKey.startsWith("tml-") && !apiKey.startsWith("eyJ") && !credentialCmd) {
    const path = apiKeySource === "env" ? "TINKER_API_KEY" : "apiKey";
    throw new InvalidInputError(
      "The api_key must start with the 'tml-' prefix (or be a JWT starting with 'eyJ'). Check the key you copied from the Tinker console.",
      { path },
    );
  }

  let logLevel: LogLevel = "warn";
  if (options.logLevel !== undefined) {
    const parsed = parseLogLevel(options.logLevel);
    if (!parsed) {
      throw new InvalidInputError(
        `logLevel must be one of debug, info, warn, error, off; got ${JSON.stringify(options.logLevel)}.`,
        { path: "logLevel" },
      );
    }
    logLevel = parsed;
  } else if (nonEmpty(env["TINKER_LOG"])) {
    // Like the Python SDK, an unknown TINKER_LOG value is ignored rather than fatal.
    logLevel = parseLogLevel(env["TINKER_LOG"] ?? "") ?? "warn";
  }

  const tagsEnv = env["TINKER_TAGS"];
  const tags = options.tags ?? (tagsEnv === undefined ? [] : [...new Set(tagsEnv.split(","))]);
  const cfSecret = nonEmpty(env["CLOUDFLARE_ACCESS_CLIENT_SECRET"]);

  return new TinkerHttpConfig({
    apiKey: apiKey ? new Secret(apiKey) : undefined,
    apiKeySource,
    baseUrl: resolveBaseUrl(options.baseUrl, env),
    projectId: nonEmpty(options.projectId) ?? nonEmpty(env["TINKER_PROJECT_ID"]),
    tags,
    credentialCmd,
    logLevel,
    timeoutMs: positiveInteger(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs"),
    connectTimeoutMs: positiveInteger(
      options.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
      "connectTimeoutMs",
    ),
    maxRetries: nonNegativeInteger(options.maxRetries, DEFAULT_MAX_RETRIES, "maxRetries"),
    defaultHeaders: { ...options.defaultHeaders },
    cloudflareClientId: nonEmpty(env["CLOUDFLARE_ACCESS_CLIENT_ID"]),
    cloudflareClientSecret: cfSecret ? new Secret(cfSecret) : undefined,
    http2: options.http2 ?? false,
    sdkVersion: options.sdkVersion ?? WIRE_SDK_VERSION,
  });
}

/**
 * Immutable resolved configuration. Its string forms (`String()`, `JSON.stringify`,
 * `util.inspect`) show the API key and the Cloudflare secret masked.
 */
export class TinkerHttpConfig implements ResolvedHttpConfig {
  readonly apiKey!: Secret | undefined;
  readonly apiKeySource!: ResolvedHttpConfig["apiKeySource"];
  readonly baseUrl!: string;
  readonly projectId!: string | undefined;
  readonly tags!: readonly string[];
  readonly credentialCmd!: string | undefined;
  readonly logLevel!: LogLevel;
  readonly timeoutMs!: number;
  readonly connectTimeoutMs!: number;
  readonly maxRetries!: number;
  readonly defaultHeaders!: Readonly<Record<string, string>>;
  readonly cloudflareClientId!: string | undefined;
  readonly cloudflareClientSecret!: Secret | undefined;
  readonly http2!: boolean;
  readonly sdkVersion!: string;

  constructor(values: ResolvedHttpConfig) {
    Object.assign(this, values);
    Object.freeze(this);
  }

  /** A plain object with secrets masked; what `JSON.stringify` prints. */
  toJSON(): object {
    return {
      ...this,
      apiKey: this.apiKey?.toJSON(),
      cloudflareClientSecret: this.cloudflareClientSecret?.toJSON(),
    };
  }

  toString(): string {
    return `TinkerHttpConfig ${JSON.stringify(this)}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
