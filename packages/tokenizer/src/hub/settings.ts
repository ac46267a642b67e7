import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The default Hub endpoint, as in huggingface_hub. */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** Environment variables read here; `process.env` by default. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where and how Hub files are fetched and cached. */
export interface HubSettings {
  /** Hub base URL without a trailing slash (`HF_ENDPOINT`). */
  endpoint: string;
  /** Cache root holding `models--org--name/` folders (`HF_HUB_CACHE`). */
  cacheDir: string;
  /** Access token sent as `Authorization: Bearer …`, or undefined for anonymous access. */
  token: string | undefined;
  /** True when no network request may be made (`HF_HUB_OFFLINE`). */
  offline: boolean;
}

/** Explicit settings; each one overrides its environment variable. */
export interface HubOptions {
  /** Hub base URL; default `HF_ENDPOINT`, else {@link DEFAULT_HF_ENDPOINT}. */
  endpoint?: string;
  /** Cache root; default as huggingface_hub resolves `HF_HUB_CACHE` (see {@link resolveHubSettings}). */
  cacheDir?: string;
  /** Access token, or `false` for anonymous access; default `HF_TOKEN`, else the saved token file. */
  token?: string | false;
  /** Use the cache only; default `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`). */
  offline?: boolean;
  /** Environment to read instead of `process.env` (tests pass their own). */
  env?: Env;
}

/** huggingface_hub's `_is_true`: 1/ON/YES/TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "ON", "YES", "TRUE"].includes(value.toUpperCase());
}

/** `~` at the start of a path is the home directory, as `os.path.expanduser` does. */
function expandHome(path: string, env: Env): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  return join(env["HOME"] || homedir(), path.slice(1));
}

/**
 * The Hub settings huggingface_hub would use, so that one cache serves Python and TypeScript:
 *
 * - cache: `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, where `HF_HOME`
 *   defaults to `$XDG_CACHE_HOME/huggingface`, and `XDG_CACHE_HOME` to `~/.cache`;
 * - token: `HF_TOKEN`, else the file at `HF_TOKEN_PATH` (default `$HF_HOME/token`), trimmed;
 * - endpoint: `HF_ENDPOINT` without trailing slashes;
 * - offline: `HF_HUB_OFFLINE` or `TRANSFORMERS_OFFLINE` set to 1/ON/YES/TRUE.
 */
export function resolveHubSettings(options: HubOptions = {}): HubSettings {
  const env = options.env ?? process.env;
  const hfHome = expandHome(
    env["HF_HOME"] || join(env["XDG_CACHE_HOME"] || join(env["HOME"] || homedir(), ".cache"), "huggingface"),
    env,
  );
  const cacheDir =
    options.cacheDir ??
    expandHome(env["HF_HUB_CACHE"] || env["HUGGINGFACE_HUB_CACHE"] || join(hfHome, "hub"), env);
  const endpoint = (options.endpoint ?? (env["HF_ENDPOINT"] || DEFAULT_HF_ENDPOINT)).replace(/\/+$/, "");
  const offline = options.offline ?? isTrue(env["HF_HUB_OFFLINE"] || env["TRANSFORMERS_OFFLINE"]);
  let token: string | undefined;
  if (options.token === false) {
    token = undefined;
  } else if (options.token !== undefined) {
    token = options.token;
  } else {
    token =
      env["HF_TOKEN"]?.trim() ||
      readTokenFile(expandHome(env["HF_TOKEN_PATH"] || join(hfHome, "token"), env));
  }
  return { endpoint, cacheDir, token, offline };
}

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    // No saved token: anonymous access, as huggingface_hub does.
    return undefined;
  }
}
