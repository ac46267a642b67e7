import { describe, expect, test } from "vitest";
import { readFixtureText } from "../fixtures.test-helpers.js";
import { readKimiTokenizerSource } from "./python-source.js";

describe("readKimiTokenizerSource", () => {
  test("reads the joined raw-string list and the reserved count of the Kimi layout", () => {
    const source = readKimiTokenizerSource(readFixtureText("kimi-synthetic/tokenization_kimi.py"));
    expect(source?.numReservedSpecialTokens).toBe(256);
    expect(source?.patStr.split("|\\p{N}{1,3}|")[0]).toBe(
      "[\\p{Han}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    );
    expect(source?.patStr.endsWith("|\\s+(?!\\S)|\\s+")).toBe(true);
  });

  test("concatenates adjacent literals, skips comments and parentheses, unescapes plain strings", () => {
    const source = [
      "class T:",
      '    pat_str = "|".join(',
      "        [",
      "            # first alternative",
      '            r"""a+""",',
      "            (",
      "                r'b'  # split over two lines",
      '                r"""c"""',
      "            ),",
      '            "\\\\s\\n\\x41\\u0042",',
      "        ]",
      "    )",
    ].join("\n");
    expect(readKimiTokenizerSource(source)).toEqual({
      patStr: "a+|bc|\\s\nAB",
      numReservedSpecialTokens: undefined,
    });
  });

  test("reads a pattern assigned as one literal", () => {
    expect(readKimiTokenizerSource('pat_str = r"x|y"  # plain\nother = 1\n')?.patStr).toBe("x|y");
    expect(readKimiTokenizerSource("pat_str = (\n  r'x'\n  r'|y'\n)\n")?.patStr).toBe("x|y");
  });

  test("gives up on a pattern it cannot read without running Python", () => {
    expect(readKimiTokenizerSource("class T:\n    pass\n")).toBeUndefined();
    expect(readKimiTokenizerSource('pat_str = "|".join([PARTS, r"x"])')).toBeUndefined();
    expect(readKimiTokenizerSource('pat_str = "|".join([r"x"')).toBeUndefined();
    expect(readKimiTokenizerSource("pat_str = build()")).toBeUndefined();
    expect(readKimiTokenizerSource('pat_str = "unterminated')).toBeUndefined();
  });
});
