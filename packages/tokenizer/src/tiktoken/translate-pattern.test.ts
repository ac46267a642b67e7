import { describe, expect, test } from "vitest";
import { translateTiktokenPattern } from "./translate-pattern.js";

/** All matches of a Rust-syntax pattern on `text`, through the translation. */
function pieces(pattern: string, text: string): string[] {
  return [...text.matchAll(new RegExp(translateTiktokenPattern(pattern), "gu"))].map((m) => m[0]);
}

describe("translateTiktokenPattern", () => {
  test("class intersection with a negated class: letters except Han", () => {
    expect(pieces("[\\p{L}&&[^\\p{Han}]]+", "abc中文déf")).toEqual(["abc", "déf"]);
    expect(pieces("[\\p{L}&&[\\p{Ll}]]+", "aBc")).toEqual(["a", "c"]);
    // The negation applies to the whole intersection, as in Rust: not (letters ∩ a-z).
    expect(pieces("[^\\p{L}&&[a-z]]+", "aB1c")).toEqual(["B1"]);
  });

  test("bare script names become Script= properties; general categories stay", () => {
    expect(translateTiktokenPattern("\\p{Han}\\P{Greek}\\p{Lu}\\pL")).toBe(
      "\\p{Script=Han}\\P{Script=Greek}\\p{Lu}\\p{L}",
    );
    expect(() => translateTiktokenPattern("\\p{NotAProperty}")).toThrow(/unknown Unicode property/);
    expect(() => translateTiktokenPattern("\\p{Han")).toThrow(/unclosed/);
  });

  test("\\s is Unicode White_Space as in Rust: U+0085 yes, U+FEFF no", () => {
    expect(pieces("\\s+", "a\u0085\u00a0b\ufeffc")).toEqual(["\u0085\u00a0"]);
    expect(pieces("[^\\s]+", "a b")).toEqual(["a", "b"]);
    expect(pieces("\\S+", "a\u0085b")).toEqual(["a", "b"]);
    expect(pieces("\\d+", "x١٢3y")).toEqual(["١٢3"]);
    expect(pieces("\\D+", "x1y")).toEqual(["x", "y"]);
    expect(pieces("\\w+", "héllo_1 ok")).toEqual(["héllo_1", "ok"]);
    expect(pieces("[\\w]+", "a-b")).toEqual(["a", "b"]);
    expect(pieces("\\W+", "a -b")).toEqual([" -"]);
    expect(() => translateTiktokenPattern("[\\W]")).toThrow(/not supported/);
  });

  test("inline case-insensitive groups fold letters, the long s and the Kelvin sign included", () => {
    const contraction = "(?i:'s|'ll)";
    expect(pieces(contraction, "'s 'S 'ſ 'll 'LL 'Ll 'x")).toEqual(["'s", "'S", "'ſ", "'ll", "'LL", "'Ll"]);
    expect(pieces("(?i:k)", "kKK")).toEqual(["k", "K", "K"]);
    expect(pieces("(?i:\\')", "'")).toEqual(["'"]);
    expect(pieces("(?i:é)", "éÉe")).toEqual(["é", "É"]);
    expect(pieces("(?i:1)", "1")).toEqual(["1"]);
  });

  test("dot excludes only \\n; groups, lookarounds and escapes pass through", () => {
    expect(pieces(".+", "a\rb\nc")).toEqual(["a\rb", "c"]);
    expect(pieces("\\s+(?!\\S)|\\s+", "a   b")).toEqual(["  ", " "]);
    expect(pieces("(?:ab)+(?=c)", "ababc")).toEqual(["abab"]);
    expect(pieces("(?<=a)b", "abcb")).toEqual(["b"]);
    expect(pieces("\\-\\'x[\\-a]", "-'x-")).toEqual(["-'x-"]);
    expect(pieces("[]a]+", "]a]")).toEqual(["]a]"]);
    expect(pieces("[\\^/]+", "^/")).toEqual(["^/"]);
  });

  test("unions with nested classes", () => {
    expect(pieces("[a[bc]]+", "abcd")).toEqual(["abc"]);
    expect(pieces("[[^a]]+", "abcd")).toEqual(["bcd"]);
    expect(pieces("[^a[bc]]+", "abcd")).toEqual(["d"]);
  });

  test("rejects what it cannot translate, with the pattern in the message", () => {
    expect(() => translateTiktokenPattern("(?P<name>x)")).toThrow(/unsupported group/);
    expect(() => translateTiktokenPattern("(a")).toThrow(/unclosed group/);
    expect(() => translateTiktokenPattern("a)")).toThrow(/unbalanced/);
    expect(() => translateTiktokenPattern("[ab")).toThrow(/unclosed '\['/);
    expect(() => translateTiktokenPattern("ab\\")).toThrow(/trailing backslash/);
  });
});
