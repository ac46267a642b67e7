import { describe, expect, it } from "vitest";
import { columnsOf, csvValue, toCsv } from "./csv.js";

describe("CSV as Python's csv.DictWriter writes it", () => {
  it("prints values as Python's str() does", () => {
    expect(csvValue(null)).toBe("");
    expect(csvValue(undefined)).toBe("");
    expect(csvValue(true)).toBe("True");
    expect(csvValue(false)).toBe("False");
    expect(csvValue(3)).toBe("3");
    expect(csvValue(0.5)).toBe("0.5");
    expect(csvValue(0.00001)).toBe("1e-05");
    expect(csvValue("x")).toBe("x");
    expect(csvValue({ a: 1 })).toBe('{"a":1}');
  });

  it("quotes only what needs it, ends lines with CRLF, and orders columns by first appearance", () => {
    const rows = [
      { a: 1, b: "plain" },
      { b: 'say "hi", then\nleave', c: null },
    ];
    expect(columnsOf(rows)).toEqual(["a", "b", "c"]);
    expect(toCsv(rows)).toBe('a,b,c\r\n1,plain,\r\n,"say ""hi"", then\nleave",\r\n');
    expect(toCsv([])).toBe("\r\n");
  });
});
