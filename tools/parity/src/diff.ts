import type { NormalizedRequest } from "./normalize.js";

/**
 * Alignment and field diff of two normalized request streams, one per SDK. The record files
 * are in completion order and concurrent requests (forward_backward chunks, polls) finish in
 * any order, so requests are paired by a key that says which logical request they are (method,
 * path, body `type`, seq ids, poll type and iteration, retry count), in file order within a
 * key. A request without a partner on the other side is a difference of its own.
 */

/** Marks a value absent on one side. */
export const ABSENT = "<absent>";

/** One differing field: a dotted path and both values ({@link ABSENT} when missing). */
export interface FieldDiff {
  field: string;
  python: unknown;
  ts: unknown;
}

/** A pair of requests (either may be missing) and how they differ. */
export interface RequestComparison {
  /** `METHOD /path` plus the alignment discriminators, for the report. */
  label: string;
  python: NormalizedRequest | undefined;
  ts: NormalizedRequest | undefined;
  diffs: FieldDiff[];
}

/** How requests to some paths are compared. */
export interface CompareOptions {
  /**
   * Paths compared as sets (duplicates collapsed) because how often they are sent depends on
   * timing: heartbeats, telemetry flushes, polls of a timing-dependent `try_again` sequence.
   * For them `x-tinker-request-iteration` is coarsened to `0` / `>=1`.
   */
  setPaths: readonly string[];
}

/** Paths whose request counts depend on wall-clock time in every scenario. */
export const defaultSetPaths: readonly string[] = ["/api/v1/session_heartbeat", "/api/v1/telemetry"];

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** The alignment key of a request: which logical request (and which retry of it) this is. */
export function alignmentKey(request: NormalizedRequest): string {
  const parts = [request.method, request.path];
  for (const name of ["type", "seq_id", "model_seq_id", "sampling_session_seq_id"]) {
    const value = field(request.body, name);
    if (value !== undefined) parts.push(`${name}=${JSON.stringify(value)}`);
  }
  for (const header of ["x-tinker-request-type", "x-tinker-request-iteration", "x-stainless-retry-count"]) {
    const value = request.headers[header];
    if (value !== undefined) parts.push(`${header}=${value}`);
  }
  return parts.join(" ");
}

/** Deep difference of two JSON-like values, key order ignored; `[]` when equal. */
export function diffValues(python: unknown, ts: unknown, prefix: string): FieldDiff[] {
  if (Object.is(python, ts)) return [];
  const bothArrays = Array.isArray(python) && Array.isArray(ts);
  if (bothArrays && python.length === ts.length) {
    return python.flatMap((value, i) => diffValues(value, ts[i], `${prefix}[${i}]`));
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(python) && isObject(ts)) {
    const keys = [...new Set([...Object.keys(python), ...Object.keys(ts)])].sort();
    return keys.flatMap((key) => {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      if (!(key in python)) return [{ field: path, python: ABSENT, ts: ts[key] }];
      if (!(key in ts)) return [{ field: path, python: python[key], ts: ABSENT }];
      return diffValues(python[key], ts[key], path);
    });
  }
  return [
    { field: prefix, python: python === undefined ? ABSENT : python, ts: ts === undefined ? ABSENT : ts },
  ];
}

/** Field differences of two paired requests: status, query, headers, body. */
export function diffRequests(python: NormalizedRequest, ts: NormalizedRequest): FieldDiff[] {
  return [
    ...diffValues(python.status, ts.status, "status"),
    ...diffValues(python.query, ts.query, "query"),
    ...diffValues(python.headers, ts.headers, "headers"),
    ...diffValues(python.bodyKind, ts.bodyKind, "body_kind"),
    ...diffValues(python.body, ts.body, "body"),
  ];
}

function coarsen(request: NormalizedRequest): NormalizedRequest {
  const iteration = request.headers["x-tinker-request-iteration"];
  if (iteration === undefined || iteration === "0") return request;
  return { ...request, headers: { ...request.headers, "x-tinker-request-iteration": ">=1" } };
}

/** Drops duplicates (same content, any position), keeping the first of each. */
function dedupe(requests: NormalizedRequest[]): NormalizedRequest[] {
  const seen = new Set<string>();
  return requests.filter((request) => {
    const { index: _index, ...content } = request;
    const signature = JSON.stringify(content);
    if (seen.has(signature)) return false;
    seen.add(signature);
    return true;
  });
}

function prepare(requests: readonly NormalizedRequest[], options: CompareOptions): NormalizedRequest[] {
  const exact = requests.filter((r) => !options.setPaths.includes(r.path));
  const sets = options.setPaths.flatMap((path) =>
    dedupe(requests.filter((r) => r.path === path).map(coarsen)),
  );
  return [...exact, ...sets];
}

/**
 * Pairs the two streams and diffs every pair. Unpaired requests come back with the other side
 * `undefined` and a single `request` diff. The result is sorted by the Python side's order
 * (then TypeScript-only requests in their order).
 */
export function compareStreams(
  python: readonly NormalizedRequest[],
  ts: readonly NormalizedRequest[],
  options: CompareOptions = { setPaths: defaultSetPaths },
): RequestComparison[] {
  const byKey = new Map<string, { python: NormalizedRequest[]; ts: NormalizedRequest[] }>();
  const group = (key: string) => {
    let entry = byKey.get(key);
    if (!entry) {
      entry = { python: [], ts: [] };
      byKey.set(key, entry);
    }
    return entry;
  };
  for (const request of prepare(python, options)) group(alignmentKey(request)).python.push(request);
  for (const request of prepare(ts, options)) group(alignmentKey(request)).ts.push(request);
  const out: RequestComparison[] = [];
  for (const [label, sides] of byKey) {
    const n = Math.max(sides.python.length, sides.ts.length);
    for (let i = 0; i < n; i++) {
      const p = sides.python[i];
      const t = sides.ts[i];
      const diffs =
        p && t
          ? diffRequests(p, t)
          : [{ field: "request", python: p ? "sent" : ABSENT, ts: t ? "sent" : ABSENT }];
      out.push({ label, python: p, ts: t, diffs });
    }
  }
  const order = (c: RequestComparison) => (c.python ? c.python.index : 1e9 + (c.ts?.index ?? 0));
  return out.sort((a, b) => order(a) - order(b));
}
