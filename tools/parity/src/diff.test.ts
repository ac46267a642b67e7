import { describe, expect, it } from "vitest";
import { ABSENT, alignmentKey, compareStreams, diffRequests, diffValues } from "./diff.js";
import { normalized } from "./fixtures.test-helpers.js";

describe("diffValues", () => {
  it("is empty for equal values regardless of key order", () => {
    expect(diffValues({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, "body")).toEqual([]);
  });

  it("names each differing leaf with both values", () => {
    expect(diffValues({ a: 1, b: { c: "x" } }, { a: 2, b: { c: "y" } }, "body")).toEqual([
      { field: "body.a", python: 1, ts: 2 },
      { field: "body.b.c", python: "x", ts: "y" },
    ]);
  });

  it("reports keys present on one side only, at top level and deeper", () => {
    expect(diffValues({ a: 1 }, { b: 2 }, "")).toEqual([
      { field: "a", python: 1, ts: ABSENT },
      { field: "b", python: ABSENT, ts: 2 },
    ]);
  });

  it("compares arrays element-wise, and whole when lengths differ", () => {
    expect(diffValues([1, 2], [1, 3], "x")).toEqual([{ field: "x[1]", python: 2, ts: 3 }]);
    expect(diffValues([1], [1, 2], "x")).toEqual([{ field: "x", python: [1], ts: [1, 2] }]);
    expect(diffValues(undefined, 1, "x")).toEqual([{ field: "x", python: ABSENT, ts: 1 }]);
  });
});

describe("alignmentKey", () => {
  it("includes the body type, seq ids, poll type and iteration, and retry count", () => {
    const key = alignmentKey(
      normalized({
        path: "/api/v1/retrieve_future",
        body: { type: "x", seq_id: 3, request_id: "<uuid>" },
        headers: {
          "x-tinker-request-type": "Sample",
          "x-tinker-request-iteration": "1",
          "x-stainless-retry-count": "0",
        },
      }),
    );
    expect(key).toBe(
      'POST /api/v1/retrieve_future type="x" seq_id=3 x-tinker-request-type=Sample x-tinker-request-iteration=1 x-stainless-retry-count=0',
    );
    expect(alignmentKey(normalized({ method: "GET", path: "/a", bodyKind: "none", body: undefined }))).toBe(
      "GET /a",
    );
  });
});

describe("diffRequests", () => {
  it("covers status, query, headers, body kind and body", () => {
    const a = normalized({ status: 200, query: { limit: "1" }, headers: { a: "1" }, body: { x: 1 } });
    const b = normalized({
      status: 429,
      query: { limit: "2" },
      headers: { a: "2" },
      bodyKind: "text",
      body: "x",
    });
    expect(diffRequests(a, b).map((d) => d.field)).toEqual([
      "status",
      "query.limit",
      "headers.a",
      "body_kind",
      "body",
    ]);
  });
});

describe("compareStreams", () => {
  it("pairs requests by key whatever their completion order", () => {
    const chunk = (seq: number, index: number) =>
      normalized({ index, path: "/api/v1/forward_backward", body: { seq_id: seq } });
    const result = compareStreams(
      [chunk(2, 0), chunk(3, 1), chunk(1, 2)],
      [chunk(1, 0), chunk(3, 1), chunk(2, 2)],
    );
    expect(result).toHaveLength(3);
    expect(result.every((c) => c.diffs.length === 0)).toBe(true);
    expect(result.map((c) => c.python?.index)).toEqual([0, 1, 2]);
  });

  it("reports a request sent by one SDK only", () => {
    const result = compareStreams(
      [normalized({ method: "GET", path: "/api/v1/samplers/<uuid>" })],
      [normalized({ index: 4, path: "/api/v1/extra" })],
    );
    expect(result.map((c) => c.diffs[0])).toEqual([
      { field: "request", python: "sent", ts: ABSENT },
      { field: "request", python: ABSENT, ts: "sent" },
    ]);
    expect(result[1]?.ts?.index).toBe(4);
  });

  it("pairs retries of the same request in order", () => {
    const retry = (index: number, status: number) => normalized({ index, path: "/api/v1/asample", status });
    const result = compareStreams([retry(0, 429), retry(1, 200)], [retry(0, 429), retry(1, 429)]);
    expect(result[1]?.diffs).toEqual([{ field: "status", python: 200, ts: 429 }]);
  });

  it("compares heartbeats as a set: how many were sent depends on time", () => {
    const beat = (index: number) =>
      normalized({ index, path: "/api/v1/session_heartbeat", body: { type: "session_heartbeat" } });
    const result = compareStreams([beat(0), beat(1), beat(2)], [beat(0)]);
    expect(result).toHaveLength(1);
    expect(result[0]?.diffs).toEqual([]);
  });

  it("coarsens poll iterations on set paths, keeping whether a retry happened", () => {
    const poll = (index: number, iteration: string) =>
      normalized({
        index,
        path: "/api/v1/retrieve_future",
        headers: { "x-tinker-request-iteration": iteration },
      });
    const options = { setPaths: ["/api/v1/retrieve_future"] };
    const same = compareStreams(
      [poll(0, "0"), poll(1, "1"), poll(2, "2")],
      [poll(0, "0"), poll(1, "1")],
      options,
    );
    expect(same.flatMap((c) => c.diffs)).toEqual([]);
    const noRetry = compareStreams([poll(0, "0"), poll(1, "1")], [poll(0, "0")], options);
    expect(noRetry.flatMap((c) => c.diffs)).toEqual([{ field: "request", python: "sent", ts: ABSENT }]);
  });
});
