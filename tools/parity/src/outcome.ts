import type { RecordedRequest } from "@tinker-ts/local-server";
import { type AllowList, type JudgedDiff, judge } from "./allow-list.js";
import { compareStreams, defaultSetPaths } from "./diff.js";
import { normalizeRecords } from "./normalize.js";
import { compareResults, type DriverResults } from "./results.js";
import { diffTelemetry, splitTelemetry, telemetryShape } from "./telemetry.js";

/**
 * Everything the harness concludes about one scenario: the request diff, the result diff and
 * the telemetry diff, judged against the allow-list, and whether each SDK completed it.
 */

/** Final verdict of a scenario. */
export type ScenarioStatus =
  | "identical"
  | "explained"
  | "different"
  | "python-error"
  | "ts-error"
  | "ts-missing";

/** A judged difference and where it was found (a request label, `results` or `telemetry`). */
export interface LocatedDiff extends JudgedDiff {
  where: string;
}

/** One side's raw material. */
export interface SideRun {
  records: RecordedRequest[];
  results: DriverResults | undefined;
  /** Process-level failure text (crash, timeout, missing results file). */
  failure?: string;
  seconds: number;
}

/** The verdict on one scenario. */
export interface ScenarioOutcome {
  name: string;
  summary: string;
  status: ScenarioStatus;
  pythonRequests: number;
  tsRequests: number;
  /** Request pairs whose every difference is allow-listed (or that have none). */
  matchingPairs: number;
  /** Request pairs compared (including unpaired ones). */
  comparedPairs: number;
  diffs: LocatedDiff[];
  pythonError?: string;
  tsError?: string;
  seconds: { python: number; ts: number };
}

/** Marker a TypeScript driver error carries when @tinker-ts/clients lacks what a step needs. */
export const TS_MISSING_MARKER = "TS side missing:";

function sideError(run: SideRun): string | undefined {
  if (run.failure) return run.failure;
  if (!run.results) return "no results file";
  return run.results.ok ? undefined : (run.results.error ?? "failed without an error message");
}

/** Compares the two runs of a scenario. */
export function compareScenario(options: {
  name: string;
  summary: string;
  python: SideRun;
  ts: SideRun;
  allowList: AllowList;
  setPaths?: readonly string[];
}): ScenarioOutcome {
  const { name, python, ts, allowList } = options;
  const p = splitTelemetry(normalizeRecords(python.records));
  const t = splitTelemetry(normalizeRecords(ts.records));
  const comparisons = compareStreams(p.requests, t.requests, {
    setPaths: [...defaultSetPaths, ...(options.setPaths ?? [])],
  });
  const diffs: LocatedDiff[] = [];
  let matchingPairs = 0;
  for (const comparison of comparisons) {
    const path = comparison.python?.path ?? comparison.ts?.path;
    const judged = judge(allowList, comparison.diffs, { scenario: name, path });
    if (judged.every((d) => d.allowedBy !== undefined)) matchingPairs++;
    for (const diff of judged) diffs.push({ ...diff, where: comparison.label });
  }
  const telemetry = diffTelemetry(telemetryShape(p.bodies), telemetryShape(t.bodies));
  for (const diff of judge(allowList, telemetry, { scenario: name, path: "/api/v1/telemetry" })) {
    diffs.push({ ...diff, where: "telemetry" });
  }
  const pythonError = sideError(python);
  const tsError = sideError(ts);
  if (!pythonError && !tsError) {
    const results = compareResults(python.results?.steps ?? [], ts.results?.steps ?? []);
    for (const diff of judge(allowList, results, { scenario: name, path: undefined })) {
      diffs.push({ ...diff, where: "results" });
    }
  }
  let status: ScenarioStatus;
  if (pythonError) status = "python-error";
  else if (tsError?.includes(TS_MISSING_MARKER)) status = "ts-missing";
  else if (tsError) status = "ts-error";
  else if (diffs.some((d) => d.allowedBy === undefined)) status = "different";
  else status = diffs.length > 0 ? "explained" : "identical";
  const outcome: ScenarioOutcome = {
    name,
    summary: options.summary,
    status,
    pythonRequests: p.requests.length,
    tsRequests: t.requests.length,
    matchingPairs,
    comparedPairs: comparisons.length,
    diffs,
    seconds: { python: python.seconds, ts: ts.seconds },
  };
  if (pythonError) outcome.pythonError = pythonError;
  if (tsError) outcome.tsError = tsError;
  return outcome;
}

/** Whether a scenario passes: both SDKs completed and every difference is explained. */
export function passed(outcome: ScenarioOutcome): boolean {
  return outcome.status === "identical" || outcome.status === "explained";
}
