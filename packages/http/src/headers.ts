import { formatPythonFloat } from "@tinker-ts/types";
import { VERSION } from "./version.js";

/** A header map; a `null` value removes a header set by an earlier layer. */
export type HeaderInit = Readonly<Record<string, string | null | undefined>>;

/** `X-Stainless-OS` for a Node `process.platform` value (Python SDK naming, §1.3). */
export function stainlessOs(platform: string): string {
  switch (platform) {
    case "darwin":
      return "MacOS";
    case "linux":
      return "Linux";
    case "win32":
      return "Windows";
    case "freebsd":
      return "FreeBSD";
    case "openbsd":
      return "OpenBSD";
    case "android":
      return "Android";
    default:
      return platform ? `Other:${platform}` : "Unknown";
  }
}

/** `X-Stainless-Arch` for a Node `process.arch` value (Python SDK naming, §1.3). */
export function stainlessArch(arch: string): string {
  switch (arch) {
    case "x64":
      return "x64";
    case "arm64":
      return "arm64";
    case "arm":
      return "arm";
    case "ia32":
      return "x32";
    default:
      return arch ? `other:${arch}` : "unknown";
  }
}

/**
 * The headers every request starts from, in the Python SDK's order (tinker-wire-spec.md §1.3),
 * with Node's values: `User-Agent: Tinker/TypeScript <ours>`, `X-Stainless-Runtime: node`,
 * `X-Stainless-Runtime-Version: <process.version>` (e.g. `v20.20.2`) and
 * `X-Stainless-Async: async:node` (Python sends `async:asyncio`; Node has one event loop, so we
 * name it).
 */
export function platformHeaders(): Record<string, string> {
  return {
    Accept: "application/json",
    "Content-Type": "application/json",
    "User-Agent": `Tinker/TypeScript ${VERSION}`,
    "X-Stainless-Package-Version": VERSION,
    "X-Stainless-OS": stainlessOs(process.platform),
    "X-Stainless-Arch": stainlessArch(process.arch),
    "X-Stainless-Runtime": "node",
    "X-Stainless-Runtime-Version": process.version,
    "X-Stainless-Async": "async:node",
  };
}

/**
 * Merges header layers left to right, case-insensitively: a later layer's value (and spelling)
 * replaces an earlier one, `null` removes the header, `undefined` is ignored. The first layer to
 * set a name fixes its position.
 */
export function mergeHeaders(...layers: readonly (HeaderInit | undefined)[]): Record<string, string> {
  // Runs for every request attempt, so it avoids Object.entries pairs and per-entry objects.
  const spelling = new Map<string, string>();
  const values = new Map<string, string>();
  for (const layer of layers) {
    if (!layer) continue;
    for (const name of Object.keys(layer)) {
      const value = layer[name];
      if (value === undefined) continue;
      const lower = lowerCase(name);
      if (value === null) {
        spelling.delete(lower);
        values.delete(lower);
      } else {
        spelling.set(lower, name);
        values.set(lower, value);
      }
    }
  }
  const out: Record<string, string> = {};
  for (const [lower, name] of spelling) out[name] = values.get(lower)!;
  return out;
}

// Header names repeat from request to request; remembering their lower case saves a string per
// name per request. Bounded, since custom header names are the caller's.
const lowerCases = new Map<string, string>();
const MAX_LOWER_CASES = 256;

function lowerCase(name: string): string {
  let lower = lowerCases.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCases.size < MAX_LOWER_CASES) lowerCases.set(name, lower);
  }
  return lower;
}

/** Whether `headers` has `name` (case-insensitive). */
export function hasHeader(headers: HeaderInit, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.entries(headers).some(([n, v]) => n.toLowerCase() === lower && v !== undefined);
}

/**
 * How the Python SDK types a request's timeout (seconds): Python sends `str(timeout)` as
 * `x-stainless-read-timeout`, so the int `5` reads `5` and the float `5.0` reads `5.0`.
 */
export type PythonTimeoutType = "int" | "float";

/**
 * `x-stainless-read-timeout` (tinker-wire-spec.md §1.3): `timeoutMs` in seconds as Python's
 * `str()` prints it. An `int` timeout of whole seconds prints bare (`60`, `45`, `10`); a `float`
 * one, or any fraction of a second (which Python can only hold as a float), prints as Python's
 * float repr (`5.0`, `0.5`, `1e-05`).
 */
export function readTimeoutHeader(timeoutMs: number, type: PythonTimeoutType = "int"): string {
  const seconds = timeoutMs / 1000;
  return type === "int" && Number.isInteger(seconds) ? String(seconds) : formatPythonFloat(seconds);
}
