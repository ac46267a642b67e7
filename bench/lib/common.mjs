// Shared helpers of the benchmark suite: paths, arguments, statistics, machine description,
// tables and result files. No benchmark logic lives here.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/ sits directly under it). */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `--name value` from argv, else `fallback`. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** Whether `--name` is on the command line. */
export function flag(name) {
  return process.argv.includes(`--${name}`);
}

/** A positive integer from an environment variable, else `fallback`. */
export function envInt(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${value}'`);
  return n;
}

/** Sorted copy of finite numbers. */
function sorted(values) {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** The p-th percentile (0–100) by nearest rank of `values` (already sorted or not). */
export function percentile(values, p) {
  const s = sorted(values);
  if (s.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

/** `{ min, median, max, n }` of the repetitions of one measurement. */
export function summary(values) {
  const s = sorted(values);
  if (s.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, n: 0 };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median, max: s.at(-1), n: s.length };
}

/** The 1-minute load average, two decimals. */
export function load1() {
  return Number(loadavg()[0].toFixed(2));
}

/** The three load averages, two decimals each. */
export function loads() {
  return loadavg().map((l) => Number(l.toFixed(2)));
}

let machine;
/** CPU model, core count, memory, kernel, Node and Python versions (Python as given). */
export function machineInfo(pythonVersion) {
  machine ??= {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    node: process.version,
  };
  return { ...machine, python: pythonVersion ?? null };
}

/** `python --version` of an interpreter, or null. */
export function pythonVersionOf(python) {
  try {
    return execFileSync(python, ["-c", "import sys; print(sys.version.split()[0])"], {
      encoding: "utf8",
    }).trim();
  } catch {
    return null;
  }
}

/** Formats a number for a table: `digits` decimals, thousands separators, "-" for none. */
export function fmt(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return "-";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `min / median / max` of a summary, formatted. */
export function fmtRange(s, digits = 0) {
  return `${fmt(s.min, digits)} / ${fmt(s.median, digits)} / ${fmt(s.max, digits)}`;
}

/** Prints an aligned table: `columns` are `{ title, align?: "left" | "right" }`, rows are string arrays. */
export function printTable(columns, rows) {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((cell, i) =>
        columns[i].align === "left" ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]),
      )
      .join("  ");
  console.log(line(columns.map((c) => c.title)));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** Writes `data` to bench/results/<name>-<timestamp>.json and returns the repository-relative path. */
export function writeResults(name, data) {
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file.slice(root.length + 1);
}

/** Reads a JSON file. */
export function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Ratio a ÷ b, or NaN when either is missing. */
export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}
