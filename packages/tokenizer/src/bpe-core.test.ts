import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createBpeCore } from "./bpe-core.js";

/**
 * tiktoken's merge rule written the plain quadratic way (as tiktoken's reference `_byte_pair_merge`):
 * the whole piece if it has a rank, else repeatedly merge the lowest-ranked adjacent pair, leftmost
 * on ties. The heap-based core must agree with it on any rank table.
 */
function referenceEncode(bytes: number[], ranks: Map<string, number>): number[] {
  const key = (part: number[]) => part.join(",");
  const whole = ranks.get(key(bytes));
  if (whole !== undefined) return [whole];
  const parts = bytes.map((b) => [b]);
  for (;;) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < parts.length; i++) {
      const rank = ranks.get(key([...parts[i]!, ...parts[i + 1]!]));
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    parts.splice(best, 2, [...parts[best]!, ...parts[best + 1]!]);
  }
  return parts.map((part) => ranks.get(key(part))!);
}

/** 256 single bytes, then tokens made by concatenating two earlier tokens (as BPE training does). */
function vocabulary(merges: Array<[number, number]>): number[][] {
  const tokens = Array.from({ length: 256 }, (_, b) => [b]);
  for (const [a, b] of merges) {
    const merged = [...tokens[a % tokens.length]!, ...tokens[b % tokens.length]!];
    if (!tokens.some((t) => t.join(",") === merged.join(","))) tokens.push(merged);
  }
  return tokens;
}

const letters = [97, 98, 99]; // a b c: few distinct bytes, so that merges apply often.

describe("createBpeCore, tiktoken kind", () => {
  test("agrees with the plain merge rule on random rank tables and texts", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...letters, 256, 257, 258, 259, 260),
            fc.constantFrom(...letters, 256, 257, 258),
          ),
          {
            maxLength: 40,
          },
        ),
        fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 200 }),
        (merges, chars) => {
          const tokens = vocabulary(merges);
          const ranks = new Map(tokens.map((t, rank) => [t.join(","), rank]));
          const core = createBpeCore({
            kind: "tiktoken",
            tokens: tokens.map((t) => Buffer.from(t).toString("base64")),
            pattern: "[abc]+",
            addedTokens: {},
          });
          const text = chars.join("");
          expect(core.encode(text, false)).toEqual(referenceEncode([...Buffer.from(text)], ranks));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("splits at special tokens (the longest first at one position) and round-trips the bytes", () => {
    const tokens = Array.from({ length: 256 }, (_, b) => Buffer.from([b]).toString("base64"));
    const core = createBpeCore({
      kind: "tiktoken",
      tokens,
      pattern: "\\p{L}+|\\s+|[^\\s\\p{L}]+",
      addedTokens: { "<|a|>": 300, "<|a|>x": 301, "[X]": 302 },
    });
    const ids = core.encode("hi<|a|>x<|a|>[X]é", false);
    expect(ids).toEqual([104, 105, 301, 300, 302, 0xc3, 0xa9]);
    expect(Buffer.from(core.decodeBytes(ids)).toString("utf8")).toBe("hi<|a|>x<|a|>[X]é");
    expect(Buffer.from(core.decodeBytes([104, 999_999, 105])).toString("utf8")).toBe("hi");
  });

  test("encodes without special tokens, and skips empty matches of a pattern", () => {
    const tokens = Array.from({ length: 256 }, (_, b) => Buffer.from([b]).toString("base64"));
    expect(
      createBpeCore({ kind: "tiktoken", tokens, pattern: "a*", addedTokens: {} }).encode("bab", false),
    ).toEqual([97]);
  });

  test("a byte without a rank is an error, not a silent drop", () => {
    const core = createBpeCore({
      kind: "tiktoken",
      tokens: [Buffer.from("a").toString("base64")],
      pattern: ".+",
      addedTokens: {},
    });
    expect(core.encode("a", false)).toEqual([0]);
    expect(() => core.encode("ab", false)).toThrow(/"b" is not in the vocabulary/);
  });

  test("merges a 200 000-byte run (the Kimi tokenizer passes runs of up to 25 000 chars)", () => {
    const tokens = [...Array.from({ length: 256 }, (_, b) => Buffer.from([b]).toString("base64"))];
    for (let width = 2; width <= 64; width *= 2)
      tokens.push(Buffer.from(" ".repeat(width)).toString("base64"));
    const core = createBpeCore({ kind: "tiktoken", tokens, pattern: "\\s+", addedTokens: {} });
    const ids = core.encode(" ".repeat(200_000), false);
    expect(ids.length).toBe(Math.ceil(200_000 / 64));
  });
});
