import { displayWidth, printable } from "./text.js";

/**
 * Table output, drawn like the Python CLI's rich `Table` (tinker-wire-spec.md §13): an optional
 * title centred above, a heavy header box, no rules between rows, the first column highlighted
 * when colour is on. On a terminal the table is fitted to its width by wrapping the widest
 * columns (at spaces when it can); elsewhere it is as wide as its content, so piped output keeps
 * whole values on one line.
 */

/** A table a command returns. */
export interface TableData {
  title?: string | undefined;
  columns: readonly string[];
  rows: readonly (readonly string[])[];
}

/** How to draw it. */
export interface TableStyle {
  /** Terminal width in columns, or undefined for no limit. */
  width: number | undefined;
  /** ANSI colours (TTY, and neither `--no-color` nor `NO_COLOR`). */
  color: boolean;
}

/** Narrowest a wrapped column gets, in characters. */
const MIN_COLUMN = 6;
/** Per column: one border plus one space of padding on each side. */
const COLUMN_CHROME = 3;

/**
 * Column content widths that fit `width`: columns narrower than an even share keep their width,
 * the rest split what is left (water-filling), never below their minimum (by default
 * {@link MIN_COLUMN}; the table passes each header's longest word, so headers do not break
 * inside words). A table whose minimums do not fit is wider than `width`.
 */
export function fitColumns(
  natural: readonly number[],
  width: number | undefined,
  minimums: readonly number[] = [],
): number[] {
  if (width === undefined) return [...natural];
  let budget = width - 1 - COLUMN_CHROME * natural.length;
  if (natural.reduce((a, b) => a + b, 0) <= budget) return [...natural];
  const floor = natural.map((n, i) => Math.min(n, Math.max(MIN_COLUMN, minimums[i] ?? 0)));
  const fitted = [...natural];
  let open = natural.map((_, i) => i);
  for (;;) {
    const share = Math.floor(budget / Math.max(1, open.length));
    const small = open.filter((i) => natural[i]! <= share || floor[i]! >= share);
    if (small.length === 0) {
      for (const i of open) fitted[i] = share;
      return fitted;
    }
    for (const i of small) {
      fitted[i] = natural[i]! <= share ? natural[i]! : floor[i]!;
      budget -= fitted[i]!;
    }
    open = open.filter((i) => !small.includes(i));
    if (open.length === 0) return fitted;
  }
}

/** Splits `text` into lines of at most `width` columns, breaking after the last space that fits when there is one. */
export function wrapCell(text: string, width: number): string[] {
  if (displayWidth(text) <= width) return [text];
  const chars = [...text];
  const lines: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = start;
    let used = 0;
    while (end < chars.length && used + displayWidth(chars[end]!) <= width)
      used += displayWidth(chars[end++]!);
    if (end === start) end = start + 1; // a character wider than the column
    if (end < chars.length) {
      const space = chars.lastIndexOf(" ", end - 1);
      if (space > start) end = space + 1;
    }
    lines.push(chars.slice(start, end).join("").trimEnd());
    start = end;
    // The spaces a line breaks at are not carried to the next line.
    while (chars[start] === " ") start++;
  }
  return lines;
}

const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - displayWidth(text)));

/** Renders `data` as text ending in a newline. Every cell is made {@link printable} first. */
export function renderTable(data: TableData, style: TableStyle): string {
  const head = data.columns.map(printable);
  const rows = data.rows.map((row) => head.map((_, i) => printable(row[i] ?? "")));
  const natural = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]!))));
  const longestWord = head.map((h) => Math.max(0, ...h.split(" ").map(displayWidth)));
  const widths = fitColumns(natural, style.width, longestWord);
  const bold = (s: string) => (style.color ? `\u001b[1m${s}\u001b[22m` : s);
  const cyan = (s: string) => (style.color ? `\u001b[96m${s}\u001b[39m` : s);
  const rule = (left: string, fill: string, mid: string, right: string) =>
    `${left}${widths.map((w) => fill.repeat(w + 2)).join(mid)}${right}`;
  const line = (cells: readonly string[], edge: string, paint: (s: string, i: number) => string) => {
    const wrapped = cells.map((cell, i) => wrapCell(cell, widths[i]!));
    const height = Math.max(1, ...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      const parts = wrapped.map((w, i) => ` ${paint(pad(w[k] ?? "", widths[i]!), i)} `);
      out.push(`${edge}${parts.join(edge)}${edge}`);
    }
    return out;
  };
  const lines: string[] = [];
  const tableWidth = widths.reduce((a, w) => a + w + COLUMN_CHROME, 1);
  if (data.title !== undefined) {
    const title = printable(data.title);
    const indent = Math.max(0, Math.floor((tableWidth - displayWidth(title)) / 2));
    lines.push(`${" ".repeat(indent)}${title}`);
  }
  lines.push(rule("┏", "━", "┳", "┓"));
  lines.push(...line(head, "┃", (s) => bold(s)));
  lines.push(rule("┡", "━", "╇", "┩"));
  for (const row of rows) lines.push(...line(row, "│", (s, i) => (i === 0 ? cyan(s) : s)));
  lines.push(rule("└", "─", "┴", "┘"));
  return `${lines.join("\n")}\n`;
}
