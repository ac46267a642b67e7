import { formatPythonFloat } from "@tinker-ts/types";

/**
 * CSV as Python's `csv.DictWriter` writes it (the Python CLI's billing export): `\r\n` line ends,
 * fields quoted only when they hold a comma, a quote or a line break (quotes doubled), None as an
 * empty cell, and values as Python's `str` prints them (`True`, `0.5`, `1e-05`).
 */

/** One cell as Python's `str(value)` would print it; null and undefined are empty. */
export function csvValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : formatPythonFloat(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Column order: first-seen key order across the rows. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return columns;
}

/** The CSV text of `rows`: a header line, then one line per row (missing keys empty). */
export function toCsv(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[] = columnsOf(rows),
): string {
  const lines = [columns.map(quote).join(",")];
  for (const row of rows) lines.push(columns.map((c) => quote(csvValue(row[c]))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
