import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStage, type Stage, type StageResult } from "./stage.js";
import { cliStage } from "./stages/cli.js";
import { clientsStage } from "./stages/clients.js";
import { futuresStage } from "./stages/futures.js";
import { httpStage } from "./stages/http.js";
import { metricsStage } from "./stages/metrics.js";
import { telemetryStage } from "./stages/telemetry.js";
import { tinyTrainingStage } from "./stages/tiny.js";
import { tokenizerStage } from "./stages/tokenizer.js";
import { typesStage } from "./stages/types.js";

/** Every stage, in the order of the package dependency graph (leaves first). */
export const SMOKE_STAGES: readonly Stage[] = [
  typesStage,
  httpStage,
  futuresStage,
  metricsStage,
  tokenizerStage,
  clientsStage,
  tinyTrainingStage,
  telemetryStage,
  cliStage,
];

/** Options of {@link runSmoke}. */
export interface SmokeOptions {
  /** Run only the stages with these names (default all). */
  readonly only?: readonly string[];
  /** Called after each stage, for live reporting. */
  readonly onResult?: (result: StageResult) => void;
}

/**
 * Runs the smoke stages one after another — each drives one package end to end on loopback only,
 * with temporary files removed at the end — and returns their results without printing anything.
 * A failing stage does not stop the others.
 *
 * @throws Error when `only` names an unknown stage.
 */
export async function runSmoke(options: SmokeOptions = {}): Promise<StageResult[]> {
  const unknown = (options.only ?? []).filter((name) => !SMOKE_STAGES.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown smoke stage(s): ${unknown.join(", ")}. Stages: ${SMOKE_STAGES.map((s) => s.name).join(", ")}.`,
    );
  }
  const stages = options.only ? SMOKE_STAGES.filter((s) => options.only!.includes(s.name)) : SMOKE_STAGES;
  const workDir = await mkdtemp(join(tmpdir(), "tinker-ts-smoke-"));
  const results: StageResult[] = [];
  try {
    for (const stage of stages) {
      const result = await runStage(stage, { workDir });
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return results;
}

/** One line per result: `PASS  name  detail  (123 ms)`. */
export function formatResult(result: StageResult, nameWidth = 14): string {
  const status = { pass: "PASS", fail: "FAIL", skip: "SKIP" }[result.status];
  return `${status}  ${result.name.padEnd(nameWidth)}  ${result.detail}  (${Math.round(result.durationMs)} ms)`;
}
