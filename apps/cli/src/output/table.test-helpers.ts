import stringWidth from "string-width";
import { expect } from "vitest";

/**
 * Reading tables back in tests, whatever border glyphs draw them: the cells of each text line,
 * and a check that every line of the box has its column edges at the same terminal columns.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping colour codes.
const ANSI = /\u001b\[\d+m/g;
/** Box-drawing characters that only run horizontally; every other one marks a column edge. */
const HORIZONTAL = new Set(["─", "━", "═"]);
const BOX = /[\u2500-\u257f]/;

/** `text` without colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** The lines of the box (from its top rule to its bottom rule), without colour codes. */
function boxLines(text: string): string[] {
  const lines = stripAnsi(text).trimEnd().split("\n");
  const top = lines.findIndex((line) => BOX.test(line.charAt(0)));
  return top < 0 ? [] : lines.slice(top);
}

/** Whether `line` (of the box) holds text, rather than being a rule. */
function isText(line: string): boolean {
  return [...line].some((c) => !BOX.test(c) && c !== " ");
}

/** The trimmed cells of a text line of the box. */
function cells(line: string): string[] {
  const found: string[] = [];
  let cell = "";
  for (const c of [...line].slice(1)) {
    if (BOX.test(c) && !HORIZONTAL.has(c)) {
      found.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  return found;
}

/**
 * The text lines of a table (not its title or rules), each as its trimmed cells; a cell that
 * wraps continues on the next line, which comes back as a line of its own.
 */
export function tableLines(text: string): string[][] {
  return boxLines(text).filter(isText).map(cells);
}

/** The column names of a table: the header's lines (down to the rule under it), joined per column. */
export function tableHeader(text: string): string[] {
  const lines = boxLines(text).slice(1);
  const end = lines.findIndex((line) => !isText(line));
  const parts = lines.slice(0, end < 0 ? lines.length : end).map(cells);
  return (parts[0] ?? []).map((_, i) =>
    parts
      .map((p) => p[i] ?? "")
      .filter((p) => p !== "")
      .join(" "),
  );
}

/** The terminal columns at which `line` has a column edge (a vertical or junction glyph). */
function edges(line: string): number[] {
  const found: number[] = [];
  let column = 0;
  for (const c of line) {
    if (BOX.test(c) && !HORIZONTAL.has(c)) found.push(column);
    column += stringWidth(c);
  }
  return found;
}

/**
 * Asserts that `text` holds a box whose lines all have the same display width and their column
 * edges at the same terminal columns, and returns that width.
 */
export function expectAligned(text: string): number {
  const lines = boxLines(text);
  expect(lines.length).toBeGreaterThanOrEqual(3);
  const first = lines[0]!;
  for (const line of lines) {
    expect(stringWidth(line), line).toBe(stringWidth(first));
    expect(edges(line), line).toEqual(edges(first));
  }
  return stringWidth(first);
}
