import { describe, expect, it } from "vitest";
import { parseAllowList } from "./allow-list.js";
import { recorded } from "./fixtures.test-helpers.js";
import { compareScenario, passed, type SideRun, TS_MISSING_MARKER } from "./outcome.js";
import type { DriverResults } from "./results.js";

const allowList = parseAllowList({
  entries: [{ id: "ua", field: "headers.user-agent", reason: "ours", ts: "^Tinker/TypeScript" }],
});

function side(
  sdk: "python" | "typescript",
  overrides: Partial<SideRun> = {},
  result: unknown = { loss: 1 },
): SideRun {
  const ua = sdk === "python" ? "AsyncTinker/Python 0.38.0" : "Tinker/TypeScript 0.1.0";
  const results: DriverResults = {
    sdk,
    sdk_version: "0.38.0",
    ok: true,
    steps: [{ id: "s1", op: "forward", result }],
  };
  return {
    records: [
      recorded({ headers: { "content-type": "application/json", "user-agent": ua } }),
      recorded({
        path: "/api/v1/telemetry",
        body: JSON.stringify({ platform: "Linux", sdk_version: "0.38.0", session_id: "s", events: [] }),
      }),
    ],
    results,
    seconds: 1,
    ...overrides,
  };
}

const run = (python: SideRun, ts: SideRun) =>
  compareScenario({ name: "demo", summary: "a demo", python, ts, allowList });

describe("compareScenario", () => {
  it("is explained when the only differences are allow-listed", () => {
    const outcome = run(side("python"), side("typescript"));
    expect(outcome.status).toBe("explained");
    expect(outcome.diffs).toEqual([
      expect.objectContaining({
        field: "headers.user-agent",
        allowedBy: "ua",
        where: "POST /api/v1/create_session",
      }),
    ]);
    expect(outcome.matchingPairs).toBe(2);
    expect(outcome.comparedPairs).toBe(2);
    expect(passed(outcome)).toBe(true);
  });

  it("is identical when nothing differs", () => {
    expect(run(side("python"), side("python")).status).toBe("identical");
  });

  it("fails on a result difference", () => {
    const outcome = run(side("python"), side("typescript", {}, { loss: 2 }));
    expect(outcome.status).toBe("different");
    expect(outcome.diffs).toContainEqual({ field: "result.s1.loss", python: 1, ts: 2, where: "results" });
    expect(passed(outcome)).toBe(false);
  });

  it("fails on telemetry shape differences", () => {
    const ts = side("typescript");
    ts.records.push(
      recorded({
        path: "/api/v1/telemetry",
        body: JSON.stringify({ platform: "Node", sdk_version: "0.38.0", session_id: "s", events: [] }),
      }),
    );
    const outcome = run(side("python"), ts);
    expect(outcome.status).toBe("different");
    expect(outcome.diffs.filter((d) => d.where === "telemetry")).toHaveLength(1);
  });

  it("reports SDK errors before differences", () => {
    const failed = (sdk: "python" | "typescript", error: string): SideRun => {
      const s = side(sdk);
      return { ...s, results: { ...(s.results as DriverResults), ok: false, error } };
    };
    expect(run(failed("python", "KeyError: 'org_id'"), side("typescript"))).toMatchObject({
      status: "python-error",
      pythonError: "KeyError: 'org_id'",
    });
    expect(run(side("python"), failed("typescript", "boom")).status).toBe("ts-error");
    expect(run(side("python"), failed("typescript", `${TS_MISSING_MARKER} RestClient.x`)).status).toBe(
      "ts-missing",
    );
    expect(run(side("python", { results: undefined }), side("typescript")).pythonError).toBe(
      "no results file",
    );
    expect(run(side("python", { failure: "killed" }), side("typescript")).pythonError).toBe("killed");
    const silent = side("typescript");
    expect(
      run(side("python"), { ...silent, results: { ...(silent.results as DriverResults), ok: false } })
        .tsError,
    ).toMatch(/without an error message/);
  });

  it("compares extra set paths as sets", () => {
    const poll = (iteration: string) =>
      recorded({ path: "/api/v1/retrieve_future", headers: { "x-tinker-request-iteration": iteration } });
    const python = side("python", { records: [poll("0"), poll("1"), poll("2")] });
    const ts = side("python", { records: [poll("0"), poll("1")] });
    const outcome = compareScenario({
      name: "t",
      summary: "",
      python,
      ts,
      allowList,
      setPaths: ["/api/v1/retrieve_future"],
    });
    expect(outcome.status).toBe("identical");
  });
});
