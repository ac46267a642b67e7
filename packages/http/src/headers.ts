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
  return toRecord(prepareHeaders(...layers));
}

/**
 * Header layers merged once (see {@link prepareHeaders}), to start many requests' headers from
 * with {@link extendHeaders}.
 */
export interface PreparedHeaders {
  /** Header names in order, spelled as the layer that set them last. */
  readonly names: readonly string[];
  readonly values: readonly string[];
  /** `names` in lower case. */
  readonly lowerNames: readonly string[];
}

/** The merge of `layers` as {@link mergeHeaders} does it, kept for {@link extendHeaders}. */
export function prepareHeaders(...layers: readonly (HeaderInit | undefined)[]): PreparedHeaders {
  const merged: HeaderList = { names: [], values: [], lowerNames: [] };
  applyLayers(merged, layers);
  return merged;
}

/**
 * The same headers as `mergeHeaders(<the layers of base>, ...layers)`, without merging the layers
 * of `base` again. Built for the per-request headers of the HTTP client, whose first layers are
 * constant.
 */
export function extendHeaders(
  base: PreparedHeaders,
  ...layers: readonly (HeaderInit | undefined)[]
): Record<string, string> {
  const merged: HeaderList = {
    names: base.names.slice(),
    values: base.values.slice(),
    lowerNames: base.lowerNames.slice(),
  };
  applyLayers(merged, layers);
  return toRecord(merged);
}

interface HeaderList {
  names: string[];
  values: string[];
  lowerNames: string[];
}

// Runs for every request attempt: parallel arrays and a linear search beat maps and per-entry
// objects for the 20-odd headers of a request.
function applyLayers(list: HeaderList, layers: readonly (HeaderInit | undefined)[]): void {
  const { names, values, lowerNames } = list;
  for (const layer of layers) {
    if (!layer) continue;
    for (const name of Object.keys(layer)) {
      const value = layer[name];
      if (value === undefined) continue;
      const lower = lowerCase(name);
      const at = lowerNames.indexOf(lower);
      if (value === null) {
        // A removed name that comes back goes at the end.
        if (at !== -1) {
          names.splice(at, 1);
          values.splice(at, 1);
          lowerNames.splice(at, 1);
        }
      } else if (at === -1) {
        names.push(name);
        values.push(value);
        lowerNames.push(lower);
      } else {
        names[at] = name;
        values[at] = value;
      }
    }
  }
}

function toRecord({ names, values }: PreparedHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i]!] = values[i]!;
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
  const lower = lowerCase(name);
  for (const key of Object.keys(headers)) {
    if (headers[key] !== undefined && lowerCase(key) === lower) return true;
  }
  return false;
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
