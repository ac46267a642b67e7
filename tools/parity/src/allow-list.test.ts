import { describe, expect, it } from "vitest";
import { AllowListError, explain, globToRegExp, judge, parseAllowList } from "./allow-list.js";

const list = parseAllowList({
  entries: [
    {
      id: "ua",
      field: "headers.user-agent",
      python: "^AsyncTinker/",
      ts: "^Tinker/TypeScript",
      reason: "ours",
    },
    {
      id: "scoped",
      field: "headers.x-*",
      path: "/api/v1/telemetry",
      scenario: "telemetry",
      reason: "scoped",
    },
  ],
});

describe("globToRegExp", () => {
  it("matches within a segment with * and across segments with **", () => {
    expect(globToRegExp("headers.x-*").test("headers.x-stainless-os")).toBe(true);
    expect(globToRegExp("headers.*").test("headers.a.b")).toBe(false);
    expect(globToRegExp("result.**").test("result.s1.metrics.loss:sum")).toBe(true);
    expect(globToRegExp("/api/v1/*").test("/api/v1/a/b")).toBe(false);
  });
});

describe("explain / judge", () => {
  const context = { scenario: "telemetry", path: "/api/v1/telemetry" };

  it("explains a difference only when field and values match", () => {
    const ua = {
      field: "headers.user-agent",
      python: "AsyncTinker/Python 0.38.0",
      ts: "Tinker/TypeScript 0.1.0",
    };
    expect(explain(list, ua, context)?.id).toBe("ua");
    expect(explain(list, { ...ua, ts: "curl/8" }, context)).toBeUndefined();
  });

  it("honours scenario and path restrictions", () => {
    const diff = { field: "headers.x-foo", python: "1", ts: "2" };
    expect(explain(list, diff, context)?.id).toBe("scoped");
    expect(explain(list, diff, { ...context, scenario: "other" })).toBeUndefined();
    expect(explain(list, diff, { ...context, path: undefined })).toBeUndefined();
  });

  it("marks judged diffs with the entry id and leaves the rest unexplained", () => {
    const judged = judge(
      list,
      [
        { field: "headers.x-foo", python: 1, ts: 2 },
        { field: "body.seq_id", python: 1, ts: 2 },
      ],
      context,
    );
    expect(judged.map((d) => d.allowedBy)).toEqual(["scoped", undefined]);
  });
});

describe("parseAllowList", () => {
  it("rejects malformed lists", () => {
    expect(() => parseAllowList({})).toThrow(AllowListError);
    expect(() => parseAllowList({ entries: [{ id: "a", field: "f" }] })).toThrow(/reason/);
    expect(() =>
      parseAllowList({
        entries: [
          { id: "a", field: "f", reason: "r" },
          { id: "a", field: "g", reason: "r" },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => parseAllowList({ entries: [{ id: "a", field: "f", reason: "r", ts: "(" }] })).toThrow(
      /regular expression/,
    );
  });
});
