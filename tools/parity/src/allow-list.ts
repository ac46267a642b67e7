import { TinkerError } from "@tinker-ts/types";
import type { FieldDiff } from "./diff.js";

/**
 * The allow-list (tools/parity/allow-list.json): differences between the SDKs that we chose on
 * purpose, each with the reason. A difference is explained when an entry matches its field (a
 * glob over the dotted field path), and, when given, the scenario, the request path and a
 * regular expression over each side's value. Everything else is an unexplained difference and
 * fails the run.
 */

/** One allow-list entry. */
export interface AllowEntry {
  /** Short unique id, shown in the report. */
  id: string;
  /** Glob over the diff field, for example `headers.user-agent` or `headers.x-stainless-*`. */
  field: string;
  /** Why the difference is deliberate. */
  reason: string;
  /** Glob over the request path (`*` matches within a segment, `**` across). */
  path?: string;
  /** Only in this scenario. */
  scenario?: string;
  /** Regular expression the Python value (stringified) must match. */
  python?: string;
  /** Regular expression the TypeScript value (stringified) must match. */
  ts?: string;
}

/** The allow-list file. */
export interface AllowList {
  entries: AllowEntry[];
}

/** Thrown for a malformed allow-list. */
export class AllowListError extends TinkerError {}

/** A diff with the allow-list entry that explains it, if any. */
export interface JudgedDiff extends FieldDiff {
  allowedBy?: string;
}

/** Converts a glob (`*` within a dot or slash segment, `**` anywhere) to an anchored regex. */
export function globToRegExp(glob: string): RegExp {
  const literal = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const pattern = glob
    .split("**")
    .map((part) => part.split("*").map(literal).join("[^./]*"))
    .join(".*");
  return new RegExp(`^${pattern}$`);
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Checks an allow-list: every entry has an id, a field and a reason; ids are unique; regexes compile.
 * @throws AllowListError naming the first bad entry.
 */
export function parseAllowList(value: unknown): AllowList {
  const entries = (value as { entries?: unknown })?.entries;
  if (!Array.isArray(entries))
    throw new AllowListError("The allow-list must be an object with an 'entries' array.");
  const ids = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const e = entry as Partial<AllowEntry>;
    if (
      typeof e.id !== "string" ||
      typeof e.field !== "string" ||
      typeof e.reason !== "string" ||
      e.reason === ""
    ) {
      throw new AllowListError(`allow-list entry ${i} needs an 'id', a 'field' and a non-empty 'reason'.`);
    }
    if (ids.has(e.id)) throw new AllowListError(`allow-list id '${e.id}' is used twice.`);
    ids.add(e.id);
    for (const key of ["python", "ts"] as const) {
      const source = e[key];
      if (source === undefined) continue;
      try {
        new RegExp(source);
      } catch (error) {
        throw new AllowListError(
          `allow-list entry '${e.id}': ${key} is not a regular expression (${String(error)}).`,
        );
      }
    }
  }
  return { entries: entries as AllowEntry[] };
}

/** The first entry explaining `diff` (seen in `scenario`, on a request to `path`), if any. */
export function explain(
  list: AllowList,
  diff: FieldDiff,
  context: { scenario: string; path: string | undefined },
): AllowEntry | undefined {
  return list.entries.find(
    (entry) =>
      globToRegExp(entry.field).test(diff.field) &&
      (entry.scenario === undefined || entry.scenario === context.scenario) &&
      (entry.path === undefined ||
        (context.path !== undefined && globToRegExp(entry.path).test(context.path))) &&
      (entry.python === undefined || new RegExp(entry.python).test(show(diff.python))) &&
      (entry.ts === undefined || new RegExp(entry.ts).test(show(diff.ts))),
  );
}

/** Attaches the explaining entry's id to each diff. */
export function judge(
  list: AllowList,
  diffs: readonly FieldDiff[],
  context: { scenario: string; path: string | undefined },
): JudgedDiff[] {
  return diffs.map((diff) => {
    const entry = explain(list, diff, context);
    return entry ? { ...diff, allowedBy: entry.id } : { ...diff };
  });
}
