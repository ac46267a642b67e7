import type { TableData } from "./table.js";

/**
 * What a command gives back to the argv layer for printing: the data for `--format json`, and
 * how to show it as text. Commands never write to stdout themselves.
 */
export type CommandOutput =
  /** A table (with the JSON value printed instead under `--format json`). */
  (
    | { kind: "table"; table: TableData; json: unknown }
    /** Plain lines (for example a bare URL or decoded samples), with a JSON value for `--format json`. */
    | { kind: "text"; text: string; json: unknown }
    /** Nothing on stdout in table mode (publish, set-ttl …); `json` still printed under `--format json`. */
    | { kind: "quiet"; json: unknown }
    /**
     * Output already written (a CSV streamed to stdout, or a long-running server). `json`, when
     * present, is printed under `--format json`.
     */
    | { kind: "done"; json?: unknown }
  ) & {
    /** Exit code after printing (default 0); 1 when part of the work failed, as reported in the output. */
    exitCode?: 0 | 1;
  };

/** A table output. */
export function tableOutput(table: TableData, json: unknown): CommandOutput {
  return { kind: "table", table, json };
}

/** A two-column Property/Value table, the layout of every `info` command of the Python CLI. */
export function propertyTable(
  title: string | undefined,
  rows: readonly (readonly [string, string])[],
): TableData {
  return { title, columns: ["Property", "Value"], rows };
}

/**
 * JSON text as the Python CLI prints it (`json.dump(…, indent=2)` plus a newline). Non-ASCII is
 * escaped like Python's default `ensure_ascii`, so the output is plain ASCII whatever the data.
 */
export function formatJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? "null";
  return `${text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}
