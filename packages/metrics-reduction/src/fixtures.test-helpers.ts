import { readFileSync } from "node:fs";

/** Fixtures written by tools/fixtures/gen_metrics_fixtures.py from the real Python SDK. */
const fixturesDir = new URL("../../../fixtures/metrics/", import.meta.url);

/** A float as the generator encodes it: JSON number or NaN / ±Infinity / -0.0 as a string. */
export type EncodedFloat = number | "NaN" | "Infinity" | "-Infinity" | "-0.0";
/** A combined metric: a float, or an exact Python int (hash reductions) as a decimal string. */
export type EncodedMetric = EncodedFloat | { int: string };

export interface FixtureChunk {
  loss_fn_output_type: string;
  loss_fn_outputs: string[];
  metrics: Record<string, EncodedFloat>;
}

export interface FixtureCase {
  name: string;
  chunks: FixtureChunk[];
  expected?: {
    loss_fn_output_type: string;
    loss_fn_outputs: string[];
    metrics: Record<string, EncodedMetric>;
  };
  error?: { type: string; message: string };
}

export interface CasesFile {
  sdk_version: string;
  cases: FixtureCase[];
}

export interface CpythonHashesFile {
  python_version: string;
  int_hashes: Array<{ value: string; hash: string }>;
  tuple_hashes: Array<{ values: string[]; hash: string }>;
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, fixturesDir), "utf8")) as T;
}

export const readCases = (sdkVersion: string): CasesFile => readJson(`cases-${sdkVersion}.json`);
export const readCpythonHashes = (): CpythonHashesFile => readJson("cpython-hashes.json");

export function decodeFloat(value: EncodedFloat): number {
  switch (value) {
    case "NaN":
      return Number.NaN;
    case "Infinity":
      return Number.POSITIVE_INFINITY;
    case "-Infinity":
      return Number.NEGATIVE_INFINITY;
    case "-0.0":
      return -0;
    default:
      return value;
  }
}
