import { ABSENT, type FieldDiff } from "./diff.js";
import { normalizeValue } from "./normalize.js";

/**
 * Compares what the two SDKs returned, step by step: losses and metrics, logprobs, sampled
 * tokens, REST responses. Ids and timestamps are normalized as in requests, `null` fields are
 * dropped (pydantic dumps unset optionals as `null`, zod leaves them out), and numbers are equal
 * within a relative tolerance of {@link RESULT_RTOL} (float32 values reach both SDKs
 * bit-identical; only sums of them may be rounded differently).
 */

/** Relative tolerance of numeric results. */
export const RESULT_RTOL = 1e-6;

/** One step's outcome as a driver reports it. */
export interface StepResult {
  id: string;
  op: string;
  result?: unknown;
}

/** A driver's results file. */
export interface DriverResults {
  sdk: "python" | "typescript";
  sdk_version: string;
  ok: boolean;
  error?: string;
  steps: StepResult[];
  /** Python only: `sdk` (forward_backward_custom with PyTorch) or `composition` (without). */
  custom_loss_mode?: string;
}

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, dropNulls(v)]),
    );
  }
  return value;
}

/** True when two numbers agree within {@link RESULT_RTOL}. */
export function closeEnough(a: number, b: number): boolean {
  if (Object.is(a, b)) return true;
  return Math.abs(a - b) <= RESULT_RTOL * Math.max(1, Math.abs(a), Math.abs(b));
}

function diffResult(python: unknown, ts: unknown, prefix: string): FieldDiff[] {
  if (typeof python === "number" && typeof ts === "number") {
    return closeEnough(python, ts) ? [] : [{ field: prefix, python, ts }];
  }
  if (Array.isArray(python) && Array.isArray(ts) && python.length === ts.length) {
    return python.flatMap((v, i) => diffResult(v, ts[i], `${prefix}[${i}]`));
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(python) && isObject(ts)) {
    const keys = [...new Set([...Object.keys(python), ...Object.keys(ts)])].sort();
    return keys.flatMap((key) =>
      key in python && key in ts
        ? diffResult(python[key], ts[key], `${prefix}.${key}`)
        : [
            {
              field: `${prefix}.${key}`,
              python: key in python ? python[key] : ABSENT,
              ts: key in ts ? ts[key] : ABSENT,
            },
          ],
    );
  }
  return JSON.stringify(python) === JSON.stringify(ts) ? [] : [{ field: prefix, python, ts }];
}

/** Differences between the step results of the two drivers, as `result.<step id>…` fields. */
export function compareResults(python: readonly StepResult[], ts: readonly StepResult[]): FieldDiff[] {
  const ids = [...new Set([...python.map((s) => s.id), ...ts.map((s) => s.id)])];
  return ids.flatMap((id) => {
    const p = python.find((s) => s.id === id);
    const t = ts.find((s) => s.id === id);
    if (!p || !t) return [{ field: `result.${id}`, python: p ? "ran" : ABSENT, ts: t ? "ran" : ABSENT }];
    return diffResult(
      normalizeValue(dropNulls(p.result)),
      normalizeValue(dropNulls(t.result)),
      `result.${id}`,
    );
  });
}
