import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  combineForwardBackwardOutputs,
  MetricsReductionError,
  type ReductionSdkVersion,
} from "@tinker-ts/metrics-reduction";
import type { ForwardBackwardOutput } from "@tinker-ts/types";
import { check, type Stage } from "../stage.js";
import { fixturesDir } from "./paths.js";

type EncodedFloat = number | "NaN" | "Infinity" | "-Infinity" | "-0.0";
interface Case {
  name: string;
  chunks: Array<{
    loss_fn_output_type: string;
    loss_fn_outputs: string[];
    metrics: Record<string, EncodedFloat>;
  }>;
  expected?: { metrics: Record<string, EncodedFloat | { int: string }> };
  error?: unknown;
}

const decode = (value: EncodedFloat): number =>
  typeof value === "number" ? value : value === "-0.0" ? -0 : Number(value);

/** Chunk-metric reduction against the cases the real Python SDKs (0.38.0 and 0.25.0) computed. */
export const metricsStage: Stage = {
  name: "metrics-reduction",
  description: "combining chunk metrics equals the Python SDK 0.38.0 and 0.25.0 results bit for bit",
  async run() {
    let cases = 0;
    for (const sdkVersion of ["0.38.0", "0.25.0"] as ReductionSdkVersion[]) {
      const file = JSON.parse(
        readFileSync(join(fixturesDir, "metrics", `cases-${sdkVersion}.json`), "utf8"),
      ) as {
        cases: Case[];
      };
      for (const fixture of file.cases) {
        const outputs: ForwardBackwardOutput[] = fixture.chunks.map((chunk) => ({
          loss_fn_output_type: chunk.loss_fn_output_type,
          loss_fn_outputs: chunk.loss_fn_outputs.map(() => ({})),
          metrics: Object.fromEntries(Object.entries(chunk.metrics).map(([k, v]) => [k, decode(v)])),
        }));
        const label = `${sdkVersion} "${fixture.name}"`;
        if (fixture.error !== undefined) {
          let thrown: unknown;
          try {
            combineForwardBackwardOutputs(outputs, { sdkVersion });
          } catch (error) {
            thrown = error;
          }
          check(MetricsReductionError.isInstance(thrown), `${label}: expected a MetricsReductionError`);
        } else {
          const got = combineForwardBackwardOutputs(outputs, { sdkVersion }).metrics;
          const want = fixture.expected!.metrics;
          check(
            Object.keys(got).join() === Object.keys(want).join(),
            `${label}: keys ${Object.keys(got).join()} ≠ ${Object.keys(want).join()}`,
          );
          for (const [key, value] of Object.entries(want)) {
            const expected = typeof value === "object" ? Number(BigInt(value.int)) : decode(value);
            check(Object.is(got[key], expected), `${label}: ${key} = ${got[key]}, Python gives ${expected}`);
          }
        }
        cases++;
      }
    }
    return `${cases} reduction cases equal the Python SDKs' results`;
  },
};
