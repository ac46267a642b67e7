import { describe, expect, it } from "vitest";
import { fitColumns, renderTable, wrapCell } from "./table.js";
import { displayWidth, printable } from "./text.js";

describe("renderTable", () => {
  it("draws a titled table with a heavy header and no rules between rows", () => {
    const text = renderTable(
      {
        title: "2 things",
        columns: ["ID", "Name"],
        rows: [
          ["a", "alpha"],
          ["bb", "  - indented"],
        ],
      },
      { width: undefined, color: false },
    );
    expect(text).toBe(
      [
        "      2 things",
        "┏━━━━┳━━━━━━━━━━━━━━┓",
        "┃ ID ┃ Name         ┃",
        "┡━━━━╇━━━━━━━━━━━━━━┩",
        "│ a  │ alpha        │",
        "│ bb │   - indented │",
        "└────┴──────────────┘",
        "",
      ].join("\n"),
    );
  });

  it("neutralises control characters from the server", () => {
    const text = renderTable(
      { columns: ["Value"], rows: [["\u001b[31mred\u001b[0m\nnext\tcol"]] },
      { width: undefined, color: false },
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point.
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(text).toContain("\\x1b[31mred\\x1b[0m\\nnext\\tcol");
  });

  it("wraps to the terminal width and colours only when asked", () => {
    const rows = [["an-identifier-that-is-rather-long", "a description with several words in it"]];
    const text = renderTable({ columns: ["ID", "Description"], rows }, { width: 40, color: true });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping colour codes.
    const plain = text.replace(/\u001b\[\d+m/g, "");
    for (const line of plain.trimEnd().split("\n")) expect(displayWidth(line)).toBeLessThanOrEqual(40);
    expect(plain.replace(/[│┃\s]/g, "")).toContain("an-identifier");
    expect(text).toContain("\u001b[96m");
    expect(text).toContain("\u001b[1m");
  });

  it("renders an empty table", () => {
    expect(renderTable({ columns: ["A"], rows: [] }, { width: 80, color: false })).toBe(
      "┏━━━┓\n┃ A ┃\n┡━━━┩\n└───┘\n",
    );
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
    expect(fitColumns([30, 30], 20)).toEqual([6, 6]);
  });
});

describe("wrapCell and printable", () => {
  it("breaks after spaces when it can, and inside words when it must", () => {
    expect(wrapCell("short", 10)).toEqual(["short"]);
    expect(wrapCell("one two three", 8)).toEqual(["one two", "three"]);
    expect(wrapCell("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrapCell("宽宽宽", 4)).toEqual(["宽宽", "宽"]);
    expect(wrapCell("宽", 1)).toEqual(["宽"]);
  });

  it("counts wide characters twice and combining marks not at all", () => {
    expect(displayWidth("ab")).toBe(2);
    expect(displayWidth("宽")).toBe(2);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(printable("a\u2028b\rc\u0085")).toBe("a\\u2028b\\rc\\x85");
  });
});
