import { describe, expect, it } from "vitest";
import { fitColumns, renderTable } from "./table.js";
import { expectAligned, stripAnsi, tableLines } from "./table.test-helpers.js";
import { printable } from "./text.js";

const plain = { width: undefined, color: false } as const;

describe("renderTable", () => {
  it("draws a titled table with a rule under the header and none between rows", () => {
    const text = renderTable(
      {
        title: "2 things",
        columns: ["ID", "Name"],
        rows: [
          ["a", "alpha"],
          ["bb", "  - indented"],
        ],
      },
      plain,
    );
    expect(text.endsWith("\n")).toBe(true);
    const width = expectAligned(text);
    const [title, ...box] = text.trimEnd().split("\n");
    // The title is centred over the table.
    expect(title).toBe(`${" ".repeat(Math.floor((width - "2 things".length) / 2))}2 things`);
    expect(tableLines(text)).toEqual([
      ["ID", "Name"],
      ["a", "alpha"],
      ["bb", "- indented"],
    ]);
    // Top rule, header, the rule under it, two rows, bottom rule: three rules for three lines.
    expect(box).toHaveLength(6);
    expect(tableLines(box.slice(3).join("\n"))).toHaveLength(2);
    // Leading spaces of a cell are kept (after the one space of padding), also when wrapping.
    expect(text).toContain("   - indented ");
    const fitted = renderTable(
      { columns: ["ID", "Name"], rows: [["bb", "  - indented"]] },
      { width: 30, color: false },
    );
    expect(fitted).toContain("   - indented ");
    expect(text).not.toContain("\u001b");
  });

  it("neutralises control characters from the server in cells and title", () => {
    const text = renderTable(
      { title: "t\u001b]0;x\u0007", columns: ["Value"], rows: [["\u001b[31mred\u001b[0m\nnext\tcol"]] },
      plain,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point.
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text).toContain("\\x1b[31mred\\x1b[0m\\nnext\\tcol");
    expect(text).toContain("t\\x1b]0;x\\x07");
  });

  it("fits the terminal: the first column is truncated, the others wrap at spaces", () => {
    const id = "an-identifier-that-is-rather-long";
    const description = "a description with several words in it";
    const text = renderTable(
      { columns: ["ID", "Description"], rows: [[id, description]] },
      { width: 40, color: false },
    );
    expect(expectAligned(text)).toBeLessThanOrEqual(40);
    const [head, ...lines] = tableLines(text);
    expect(head).toEqual(["ID", "Description"]);
    expect(lines.length).toBeGreaterThan(1);
    // The id stays on one line, cut with an ellipsis, with all the width the other column spares
    // (33 characters of content, less the 11 of "Description").
    const shown = lines[0]?.[0] ?? "";
    expect(shown.endsWith("…")).toBe(true);
    expect(id.startsWith(shown.slice(0, -1))).toBe(true);
    expect(shown.length).toBe(22);
    expect(lines.slice(1).map((l) => l[0])).toEqual(lines.slice(1).map(() => ""));
    // The description wraps between words, losing none of them.
    expect(lines.map((l) => l[1]).join(" ")).toBe(description);
  });

  it("keeps the first column whole while the others can shrink instead", () => {
    const id = "a-thirty-character-identifier-";
    const words = "words that can wrap onto further lines";
    const text = renderTable(
      { columns: ["ID", "A", "B"], rows: [[id, words, words]] },
      { width: 60, color: false },
    );
    expect(expectAligned(text)).toBeLessThanOrEqual(60);
    const [, first, ...more] = tableLines(text);
    expect(first?.[0]).toBe(id);
    expect(more.length).toBeGreaterThan(0);
    expect([first, ...more].map((l) => l?.[1]).join(" ")).toBe(words);
  });

  it("truncates a word longer than its column, and keeps whole values without a width", () => {
    const word = "averyveryverylongwordwithoutspaces";
    const rows = [["x", word]];
    const narrow = renderTable({ columns: ["A", "B"], rows }, { width: 20, color: false });
    expect(expectAligned(narrow)).toBeLessThanOrEqual(20);
    const cell = tableLines(narrow)[1]?.[1] ?? "";
    expect(cell.endsWith("…")).toBe(true);
    expect(word.startsWith(cell.slice(0, -1))).toBe(true);
    expect(tableLines(renderTable({ columns: ["A", "B"], rows }, plain))[1]).toEqual(["x", word]);
  });

  it("aligns wide and combining characters by their terminal width", () => {
    const text = renderTable(
      {
        columns: ["Name", "Note"],
        rows: [
          ["宽宽宽", "e\u0301"],
          ["abc", "宽"],
        ],
      },
      plain,
    );
    expectAligned(text);
    expect(tableLines(text)).toEqual([
      ["Name", "Note"],
      ["宽宽宽", "e\u0301"],
      ["abc", "宽"],
    ]);
  });

  it("colours the header and the first column only when asked", () => {
    const data = { columns: ["ID", "Name"], rows: [["id-1", "one"]] };
    const coloured = renderTable(data, { width: 80, color: true });
    expect(coloured).toContain("\u001b[1mID\u001b[22m");
    expect(coloured).toContain("\u001b[96mid-1\u001b[39m");
    expect(coloured).not.toContain("\u001b[96mone");
    expect(stripAnsi(coloured)).toBe(renderTable(data, { width: 80, color: false }));
    expect(renderTable(data, { width: 80, color: false })).not.toContain("\u001b");
  });

  it("renders an empty table as its header", () => {
    const text = renderTable({ columns: ["A"], rows: [] }, { width: 80, color: false });
    expectAligned(text);
    expect(tableLines(text)).toEqual([["A"]]);
  });
});

describe("fitColumns", () => {
  it("keeps natural widths when they fit or when there is no limit", () => {
    expect(fitColumns([5, 10], undefined)).toEqual([5, 10]);
    expect(fitColumns([5, 10], 100)).toEqual([5, 10]);
  });

  it("shares the rest among the widest columns, respecting minimums", () => {
    // 40 columns: 1 + 3×3 chrome leaves 30 for content.
    expect(fitColumns([4, 50, 50], 40)).toEqual([4, 13, 13]);
    expect(fitColumns([4, 50, 50], 40, [0, 20, 0])).toEqual([4, 20, 6]);
    // 20 columns leave 13: the level is 6, and the odd character goes to the first cut column.
    expect(fitColumns([30, 30], 20)).toEqual([7, 6]);
    // Minimums that do not fit are kept: the table is wider than asked.
    expect(fitColumns([30, 30], 20, [10, 10])).toEqual([10, 10]);
  });

  it("gives every column its minimum before any column its natural width", () => {
    // 60 columns leave 47: a first column claiming 29 leaves the minimum of 6 to each other one,
    // even to a column whose natural width (11) is under an even share.
    expect(fitColumns([44, 13, 17, 11], 60, [29, 5, 5, 6])).toEqual([29, 6, 6, 6]);
  });
});

describe("printable", () => {
  it("escapes C0 and C1 controls, DEL and the Unicode line separators, and nothing else", () => {
    expect(printable("a\u2028b\rc\u0085d\u007f")).toBe("a\\u2028b\\rc\\x85d\\x7f");
    expect(printable("plain — 宽 é")).toBe("plain — 宽 é");
  });
});
