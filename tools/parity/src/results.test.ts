import { describe, expect, it } from "vitest";
import { ABSENT } from "./diff.js";
import { closeEnough, compareResults, RESULT_RTOL } from "./results.js";

describe("closeEnough", () => {
  it("accepts rounding noise and rejects real differences", () => {
    expect(closeEnough(12.860824465751648, 12.860824465751648 * (1 + RESULT_RTOL / 2))).toBe(true);
    expect(closeEnough(1e-9, 2e-9)).toBe(true);
    expect(closeEnough(-1.0206185579299927, -1.0206)).toBe(false);
    expect(closeEnough(Number.NaN, Number.NaN)).toBe(true);
  });
});

describe("compareResults", () => {
  const step = (result: unknown, id = "s1") => ({ id, op: "sample", result });

  it("finds no difference between equal results, nulls dropped and ids normalized", () => {
    const python = [step({ a: 1, b: null, id: "0c5d5bee-4f43-469b-a8b6-171fddcda6f6", c: [1, 2] })];
    const ts = [step({ a: 1, id: "11111111-2222-3333-4444-555555555555", c: [1, 2] })];
    expect(compareResults(python, ts)).toEqual([]);
  });

  it("reports numbers, strings, keys and lengths that differ", () => {
    const diffs = compareResults(
      [step({ loss: 1, tokens: [1, 2], reason: "stop", only: 1 })],
      [step({ loss: 2, tokens: [1], reason: "length", extra: 2 })],
    );
    expect(diffs).toEqual([
      { field: "result.s1.extra", python: ABSENT, ts: 2 },
      { field: "result.s1.loss", python: 1, ts: 2 },
      { field: "result.s1.only", python: 1, ts: ABSENT },
      { field: "result.s1.reason", python: "stop", ts: "length" },
      { field: "result.s1.tokens", python: [1, 2], ts: [1] },
    ]);
  });

  it("reports a step that ran on one side only", () => {
    expect(compareResults([step(1, "a")], [step(1, "b")])).toEqual([
      { field: "result.a", python: "ran", ts: ABSENT },
      { field: "result.b", python: ABSENT, ts: "ran" },
    ]);
  });
});
