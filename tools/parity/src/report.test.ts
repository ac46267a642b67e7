import { describe, expect, it } from "vitest";
import { parseAllowList } from "./allow-list.js";
import type { ScenarioOutcome } from "./outcome.js";
import { cell, type RunFacts, renderReport } from "./report.js";

const facts: RunFacts = {
  pythonSdkVersion: "0.38.0",
  tsSdkVersion: "0.38.0",
  customLossMode: "composition",
  generatedAt: "2026-01-01T00:00:00.000Z",
  totalSeconds: 61.25,
  venvSetupSeconds: 0,
};
const allowList = parseAllowList({
  entries: [{ id: "ua", field: "headers.user-agent", reason: "ours | theirs" }],
});

function outcome(overrides: Partial<ScenarioOutcome>): ScenarioOutcome {
  return {
    name: "sample",
    summary: "Samples.",
    status: "explained",
    pythonRequests: 4,
    tsRequests: 4,
    matchingPairs: 3,
    comparedPairs: 4,
    diffs: [{ field: "headers.user-agent", python: "a", ts: "b", where: "POST /x", allowedBy: "ua" }],
    seconds: { python: 1.5, ts: 0.5 },
    ...overrides,
  };
}

describe("cell", () => {
  it("quotes, shortens and escapes table cells", () => {
    expect(cell("a|b")).toBe("`a\\|b`");
    expect(cell({ a: 1 })).toBe('`{"a":1}`');
    expect(cell("x".repeat(10), 4)).toBe("`xxxx…`");
    expect(cell("a`b\nc")).toBe("`a'b c`");
  });
});

describe("renderReport", () => {
  it("shows versions, a passing verdict and allow-list usage", () => {
    const text = renderReport(facts, [outcome({})], allowList);
    expect(text).toContain("`tinker==0.38.0`");
    expect(text).toContain("**PASS**");
    expect(text).toContain(
      "| sample | identical except allow-listed differences | 4 / 4 | 3 of 4 | 1 | 0 | 1.5 / 0.5 |",
    );
    expect(text).toContain("| ua | `headers.user-agent` | 1 | ours \\| theirs |");
    expect(text).toContain("venv reused");
    expect(text).toContain("two-phase algorithm");
  });

  it("lists unexplained differences and errors, and fails the verdict", () => {
    const text = renderReport(
      { ...facts, customLossMode: "sdk", venvSetupSeconds: 50 },
      [
        outcome({
          status: "different",
          diffs: [{ field: "headers.x-sdk-version", python: "0.38.0", ts: "<absent>", where: "POST /x" }],
        }),
        outcome({
          name: "jwt",
          status: "python-error",
          diffs: [],
          pythonError: Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n"),
        }),
        outcome({ name: "ts", status: "ts-missing", diffs: [], tsError: "TS side missing: x" }),
      ],
      allowList,
    );
    expect(text).toContain("**FAIL (3 of 3 scenarios)**");
    expect(text).toContain("| `POST /x` | `headers.x-sdk-version` | `0.38.0` | `<absent>` |");
    expect(text).toContain("PYTHON SDK ERROR");
    expect(text).toContain("line 19");
    expect(text).not.toContain("line 5\n");
    expect(text).toContain("TS SIDE MISSING");
    expect(text).toContain("of which 50.0 s venv setup");
    expect(text).toContain("the SDK's own method");
  });
});
