/** Query values the SDK sends; `undefined` and `null` drop the parameter (tinker-wire-spec.md §1.1). */
export type QueryValue = string | number | boolean | null | undefined;

/**
 * Encodes query parameters like the Python SDK's Stainless `Querystring`: `true`/`false` as
 * lower-case words, `null`/`undefined` dropped, everything else as its string form, joined with
 * `application/x-www-form-urlencoded` escaping. Returns `""` or a string starting with `?`.
 */
export function encodeQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** Origin and raw path (with query) of a request, as undici wants them. */
export interface RequestTarget {
  /** `scheme://host[:port]`. */
  readonly origin: string;
  /** Raw path and query, e.g. `/services/tinker-prod/api/v1/x?limit=20`. */
  readonly path: string;
}

// undici refuses paths with spaces, controls or non-Latin-1 characters; those (only those) are
// percent-encoded, so ids with `/` and `:` go out exactly as given (§1.1).
const needsEscape = /[^\u0021-\u007e]/gu;

/**
 * Joins `path` onto the base URL the Python way (§1.1): the base path keeps its prefix and gets a
 * trailing `/`, the request path loses its leading `/`s, and nothing is URL-encoded (checkpoint ids
 * contain `/`, model ids `:`). An absolute `http(s)://` `path` (a redirect target) is used as is.
 */
export function buildTarget(
  baseUrl: string,
  path: string,
  query?: Readonly<Record<string, QueryValue>>,
): RequestTarget {
  const qs = encodeQuery(query);
  if (/^https?:\/\//i.test(path)) {
    const url = new URL(path);
    const sep = qs && url.search ? `&${qs.slice(1)}` : qs;
    return { origin: url.origin, path: `${url.pathname}${url.search}${sep}` };
  }
  const base = parseBase(baseUrl);
  let joined = base.joined.get(path);
  if (joined === undefined) {
    joined = `${base.path}${path.replace(/^\/+/, "")}`.replace(needsEscape, (c) => encodeURIComponent(c));
    if (base.joined.size < MAX_JOINED_PATHS) base.joined.set(path, joined);
  }
  return { origin: base.origin, path: `${joined}${qs}` };
}

interface ParsedBase {
  readonly url: string;
  readonly origin: string;
  /** The base path with a trailing `/`. */
  readonly path: string;
  /** Request paths joined onto it: the few endpoints a client calls most repeat on every call. */
  readonly joined: Map<string, string>;
}

// Bounded: paths with ids in them (checkpoints, runs) do not repeat.
const MAX_JOINED_PATHS = 256;

// A client sends every request to one base URL; parsing it once saves a `new URL` per attempt.
let lastBase: ParsedBase | undefined;

/** `baseUrl` parsed, with its joined paths. */
function parseBase(baseUrl: string): ParsedBase {
  if (lastBase?.url !== baseUrl) {
    const base = new URL(baseUrl);
    const path = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
    lastBase = { url: baseUrl, origin: base.origin, path, joined: new Map() };
  }
  return lastBase;
}
