/** Outcome of one smoke stage. */
export type StageStatus = "pass" | "fail" | "skip";

/** One stage's result: its status and a one-line detail (what was checked, or what went wrong). */
export interface StageResult {
  readonly name: string;
  readonly status: StageStatus;
  readonly detail: string;
  /** Wall time of the stage, ms. */
  readonly durationMs: number;
}

/** A stage that cannot run here says so by returning this instead of a detail line. */
export interface Skip {
  readonly skip: string;
}

/** Shared by every stage of one run: a temporary directory that the run removes at the end. */
export interface SmokeContext {
  readonly workDir: string;
}

/**
 * A smoke stage: drives one package end to end and resolves with a one-line detail, or a
 * {@link Skip}; it throws (any error) to fail, with a message that says what differed.
 */
export interface Stage {
  readonly name: string;
  /** What the stage covers, for `--list`. */
  readonly description: string;
  run(context: SmokeContext): Promise<string | Skip>;
}

/** Throws an Error with `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Runs one stage, timing it and turning a throw into `fail` with the error's message. */
export async function runStage(stage: Stage, context: SmokeContext): Promise<StageResult> {
  const start = performance.now();
  try {
    const outcome = await stage.run(context);
    const durationMs = performance.now() - start;
    return typeof outcome === "string"
      ? { name: stage.name, status: "pass", detail: outcome, durationMs }
      : { name: stage.name, status: "skip", detail: outcome.skip, durationMs };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      name: stage.name,
      status: "fail",
      detail: message.split("\n")[0]!,
      durationMs: performance.now() - start,
    };
  }
}
