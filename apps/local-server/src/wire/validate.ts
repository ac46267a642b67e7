import { formatPath } from "@tinker-ts/types";
import type { z } from "zod/mini";
import { badRequest } from "../errors.js";

/**
 * Validation of request bodies against the shared wire schemas of `@tinker-ts/types` (zod mini,
 * whose built-in messages are a bare "Invalid input", so the messages are written here from each
 * issue's code).
 */

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  keys?: string[];
  values?: unknown[];
  minimum?: unknown;
  maximum?: unknown;
  format?: string;
}

function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${String(issue.expected)}`;
    case "unrecognized_keys":
      return `unknown key${issue.keys && issue.keys.length > 1 ? "s" : ""} ${issue.keys?.map((k) => `'${k}'`).join(", ")}`;
    case "invalid_value":
      return `expected one of ${issue.values?.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union":
      return "does not match any of the allowed shapes";
    case "too_small":
      return `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}`;
    case "invalid_format":
      return issue.format === "regex"
        ? "does not have the expected format"
        : `is not valid ${issue.format ?? "text"}`;
    default:
      return issue.message === "Invalid input" ? issue.code.replace(/_/g, " ") : issue.message;
  }
}

/** `T` with `null` removed from its top-level field types. */
export type WithoutNulls<T> = { [K in keyof T]: Exclude<T[K], null> };

/**
 * Parses `value` with `schema` and drops top-level `null` fields, so that handlers see "absent"
 * one way (the SDK omits None fields, but a client may send `null` for an optional one). On
 * failure: 400 with a message naming the first problem (field path and what was expected) and
 * an `issues` array, never an empty body.
 */
export function parseRequest<S extends z.ZodMiniType<Record<string, unknown>>>(
  schema: S,
  value: unknown,
  what: string,
): WithoutNulls<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) {
    const data = { ...(result.data as Record<string, unknown>) };
    for (const key of Object.keys(data)) if (data[key] === null) delete data[key];
    return data as WithoutNulls<z.output<S>>;
  }
  const issues = (result.error.issues as unknown as Issue[]).map((issue) => ({
    path: formatPath(issue.path.filter((p): p is string | number => typeof p !== "symbol")),
    message: describeIssue(issue),
  }));
  const first = issues[0];
  const where = first?.path ? ` at '${first.path}'` : "";
  throw badRequest(`Invalid ${what}${where}: ${first?.message ?? "malformed body"}`, { issues });
}
