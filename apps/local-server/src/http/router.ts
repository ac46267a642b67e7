/**
 * Path routing for the Tinker endpoints (tinker-wire-spec.md §3.1). Patterns are split on `/`;
 * a `:name` segment captures exactly one segment. Checkpoint ids contain a slash
 * (`weights/<name>`), so routes spell them as two captures, `:ckptKind/:ckptName`; the SDK
 * does not URL-encode path parameters (§1.1), and colons in model ids arrive raw.
 */
export type RouteParams = Record<string, string>;

interface Route<H> {
  method: string;
  segments: string[];
  handler: H;
}

/** Result of a lookup: a handler, or why there is none (404 no path, 405 wrong method). */
export type RouteMatch<H> =
  | { kind: "found"; handler: H; params: RouteParams; pattern: string }
  | { kind: "method_not_allowed"; allowed: string[] }
  | { kind: "not_found" };

/** A table of (method, pattern) → handler. */
export class Router<H> {
  #routes: Route<H>[] = [];

  /** Adds a route; `pattern` looks like `/api/v1/training_runs/:run`. */
  add(method: string, pattern: string, handler: H): this {
    this.#routes.push({ method, segments: pattern.split("/"), handler });
    return this;
  }

  /** Finds the route for `method` and `path` (without query string). */
  match(method: string, path: string): RouteMatch<H> {
    const parts = path.split("/");
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      return { kind: "found", handler: route.handler, params, pattern: route.segments.join("/") };
    }
    return allowed.length > 0 ? { kind: "method_not_allowed", allowed } : { kind: "not_found" };
  }
}

function matchSegments(pattern: string[], parts: string[]): RouteParams | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: RouteParams = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = parts[i]!;
    if (want.startsWith(":")) {
      if (got === "") return undefined;
      params[want.slice(1)] = safeDecode(got);
    } else if (want !== got) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
