import Table from "cli-table3";
import stringWidth from "string-width";
import { printable } from "./text.js";

/**
 * Table output, drawn by cli-table3 in the layout of the Python CLI's rich `Table`
 * (tinker-wire-spec.md §13): an optional title centred above, a rule under the header, no
 * rules between rows, the first column bright cyan and the header bold when colour is on. As in rich,
 * the first column never wraps (it holds the ids users copy, and has the first claim on the
 * width) and the others wrap at spaces.
 *
 * On a terminal the table is fitted to its width: this module chooses every column's width (see
 * {@link fitColumns}) and cli-table3 wraps to it, truncating with `…` what still does not fit (a
 * first-column value, a word longer than its column). Elsewhere no widths are given, so piped
 * output keeps whole values on one line.
 *
 * This module is imported lazily, only when a table is printed, so `tinker --help` never loads
 * cli-table3.
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

/** Narrowest a fitted column gets, in characters of content. */
const MIN_COLUMN = 6;
/** Spaces either side of a cell's content. */
const PADDING = 1;
/** Per column: one border plus the padding on each side. */
const COLUMN_CHROME = 1 + 2 * PADDING;

/** Characters of content left for `columns` columns in a table `width` characters wide. */
function contentBudget(width: number, columns: number): number {
  return width - 1 - COLUMN_CHROME * columns;
}

const sum = (widths: readonly number[]) => widths.reduce((a, b) => a + b, 0);

/**
 * Column content widths that fit `width`: every column gets at least its minimum (by default
 * {@link MIN_COLUMN}, never more than its natural width), then the widths rise together, like
 * water, as far as the width allows: a column narrower than that level keeps its natural width,
 * the wider ones are cut to it. A table whose minimums do not fit is wider than `width`.
 *
 * @param natural each column's widest cell (header included), in terminal columns.
 * @param width the table's total width in terminal columns, borders included; undefined for no limit.
 * @param minimums each column's minimum content width, in terminal columns.
 */
export function fitColumns(
  natural: readonly number[],
  width: number | undefined,
  minimums: readonly number[] = [],
): number[] {
  if (width === undefined) return [...natural];
  const budget = contentBudget(width, natural.length);
  if (sum(natural) <= budget) return [...natural];
  const floor = natural.map((n, i) => Math.min(n, Math.max(MIN_COLUMN, minimums[i] ?? 0)));
  const at = (level: number) => natural.map((n, i) => Math.min(n, Math.max(floor[i]!, level)));
  // The natural widths do not fit, so the level stops below the widest of them.
  let level = 0;
  while (sum(at(level + 1)) <= budget) level++;
  const fitted = at(level);
  // What the whole level could not use goes, one character each, to columns cut at the level.
  let spare = budget - sum(fitted);
  for (let i = 0; i < fitted.length && spare > 0; i++) {
    if (fitted[i] === level && natural[i]! > level) {
      fitted[i]!++;
      spare--;
    }
  }
  return fitted;
}

/**
 * The minimum content width of each column: a header's longest word (headers do not break inside
 * words); the first column, which is truncated rather than wrapped, keeps its natural width as
 * long as the other columns can still have theirs (as rich favours a `no_wrap` column).
 */
function minimumWidths(head: readonly string[], natural: readonly number[], width: number): number[] {
  const minimums = head.map((h) => Math.max(0, ...h.split(" ").map(stringWidth)));
  if (head.length === 0) return minimums;
  // What the other columns need at least, as fitColumns will give it to them.
  const others = sum(natural.slice(1).map((n, i) => Math.min(n, Math.max(MIN_COLUMN, minimums[i + 1]!))));
  const room = contentBudget(width, head.length) - others;
  minimums[0] = Math.max(minimums[0]!, Math.min(natural[0]!, room));
  return minimums;
}

// Light lines, with a double rule under the header (rich's box draws a heavier one there); the
// `╞═╪═╡` glyphs join the light verticals. With `compact`, cli-table3 draws that rule, from the
// `mid` characters, under the header only: none between rows.
const CHARS = {
  top: "─",
  "top-left": "┌",
  "top-mid": "┬",
  "top-right": "┐",
  "left-mid": "╞",
  mid: "═",
  "mid-mid": "╪",
  "right-mid": "╡",
  left: "│",
  middle: "│",
  right: "│",
  bottom: "─",
  "bottom-left": "└",
  "bottom-mid": "┴",
  "bottom-right": "┘",
} as const;

/**
 * Renders `data` as text ending in a newline. Every cell and the title are made
 * {@link printable} first, so nothing from the server reaches the terminal as a control
 * character; colour codes are added afterwards, and only when `style.color` is set.
 */
export function renderTable(data: TableData, style: TableStyle): string {
  const head = data.columns.map(printable);
  const rows = data.rows.map((row) => head.map((_, i) => printable(row[i] ?? "")));
  const natural = head.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i]!))));
  // The colours are applied here, not through cli-table3's `style` (left empty): that goes
  // through @colors/colors, which decides from `process.argv` and `process.stdout` by itself,
  // where the decision is ours (--no-color, NO_COLOR, a TTY on the stream written to).
  const bold = (s: string) => (style.color ? `\u001b[1m${s}\u001b[22m` : s);
  const cyan = (s: string) => (style.color ? `\u001b[96m${s}\u001b[39m` : s);
  const table = new Table({
    head: head.map(bold),
    chars: CHARS,
    style: { head: [], border: [], compact: true, "padding-left": PADDING, "padding-right": PADDING },
    truncate: "…",
    ...(style.width === undefined
      ? {}
      : {
          colWidths: fitColumns(natural, style.width, minimumWidths(head, natural, style.width)).map(
            (w) => w + 2 * PADDING,
          ),
          // Wrapping at word boundaries keeps a cell's leading spaces (`  - Path`); cli-table3's
          // character wrapping (`wrapOnWordBoundary: false`) drops them.
          wordWrap: true,
          wrapOnWordBoundary: true,
        }),
  });
  for (const row of rows) {
    table.push(row.map((cell, i) => (i === 0 ? { content: cyan(cell), wordWrap: false } : cell)));
  }
  const drawn = table.toString();
  const lines: string[] = [];
  if (data.title !== undefined) {
    const title = printable(data.title);
    const tableWidth = stringWidth(drawn.slice(0, drawn.indexOf("\n")));
    lines.push(`${" ".repeat(Math.max(0, Math.floor((tableWidth - stringWidth(title)) / 2)))}${title}`);
  }
  lines.push(drawn);
  return `${lines.join("\n")}\n`;
}
