import { parseArgs } from "node:util";
import type { DemoOptions } from "./demo.js";

/** Thrown for a bad command line; the message says which flag and why. */
export class DemoUsageError extends Error {}

/**
 * The demo's command line: `--steps N`, `--batch-size N`, `--lr X`, `--out DIR`, `--local`
 * (use tinker-local even when `TINKER_API_KEY` is set).
 *
 * @throws DemoUsageError for unknown flags and values that are not positive numbers.
 */
export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new DemoUsageError(error instanceof Error ? error.message : String(error));
  }
  const positive = (flag: string, value: string | undefined, integer: boolean) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isInteger(parsed))) {
      throw new DemoUsageError(
        `--${flag} must be a positive ${integer ? "integer" : "number"}, got '${value}'.`,
      );
    }
    return parsed;
  };
  const steps = positive("steps", values.steps, true);
  const batchSize = positive("batch-size", values["batch-size"], true);
  const learningRate = positive("lr", values.lr, false);
  return {
    ...(steps === undefined ? {} : { steps }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(learningRate === undefined ? {} : { learningRate }),
    ...(values.out === undefined ? {} : { outDir: values.out }),
    ...(values.local === undefined ? {} : { forceLocal: values.local }),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      steps: { type: "string" },
      "batch-size": { type: "string" },
      lr: { type: "string" },
      out: { type: "string" },
      local: { type: "boolean" },
    },
  });
}
