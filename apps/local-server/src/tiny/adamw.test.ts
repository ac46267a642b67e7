import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AdamParams, adamwStep, createAdamState, DEFAULT_ADAM_PARAMS, globalGradNorm } from "./adamw.js";

interface ReferenceCase {
  hyperparameters: AdamParams & { name: string };
  initial: number[][];
  gradients: number[][][];
  after_step: number[][][];
  grad_norms: number[];
}

const reference = JSON.parse(
  readFileSync(new URL("../../../../fixtures/tiny/adamw-reference.json", import.meta.url), "utf8"),
) as { cases: ReferenceCase[] };

/** Runs the case's ten steps; returns the largest relative error against NumPy after any step. */
function replay(c: ReferenceCase, Typed: Float32ArrayConstructor | Float64ArrayConstructor): number {
  const params = c.initial.map((p) => Typed.from(p));
  const state = createAdamState(params);
  let worst = 0;
  c.gradients.forEach((step, t) => {
    const norm = adamwStep(
      params,
      step.map((g) => Typed.from(g)),
      state,
      c.hyperparameters,
    );
    if (c.hyperparameters.grad_clip_norm > 0) expect(norm).toBeCloseTo(c.grad_norms[t]!, 6);
    else expect(norm).toBeUndefined();
    for (const [i, p] of params.entries()) {
      for (const [j, value] of p.entries()) {
        const want = c.after_step[t]?.[i]?.[j] ?? Number.NaN;
        worst = Math.max(worst, Math.abs(value - want) / Math.abs(want));
      }
    }
  });
  expect(state.step).toBe(10);
  return worst;
}

describe("AdamW against the NumPy reference (fixtures/tiny/adamw-reference.json)", () => {
  for (const c of reference.cases) {
    it(`${c.hyperparameters.name}: ten steps to 1e-6 relative`, () => {
      const f64 = replay(c, Float64Array);
      const f32 = replay(c, Float32Array);
      console.log(
        `adamw ${c.hyperparameters.name}: max relative error float64 ${f64.toExponential(2)}, float32 ${f32.toExponential(2)}`,
      );
      expect(f64).toBeLessThan(1e-12);
      expect(f32).toBeLessThan(1e-6);
    });
  }

  it("clips to the global norm with torch's 1e-6 and leaves small gradients alone", () => {
    const grads = [Float64Array.from([3, 0]), Float64Array.from([0, 4])];
    const params = [new Float64Array(2), new Float64Array(2)];
    const norm = adamwStep(params, grads, createAdamState(params), {
      ...DEFAULT_ADAM_PARAMS,
      grad_clip_norm: 1,
    });
    expect(norm).toBe(5);
    expect(globalGradNorm(grads)).toBeCloseTo(5 / (5 + 1e-6), 12);
    const small = [Float64Array.from([0.3, 0.4])];
    adamwStep([new Float64Array(2)], small, createAdamState(small), {
      ...DEFAULT_ADAM_PARAMS,
      grad_clip_norm: 1,
    });
    expect(Array.from(small[0]!)).toEqual([0.3, 0.4]);
  });

  it("with zero gradients still decays the moments and advances the step (§5.1 EMU-CHOICE)", () => {
    const params = [Float64Array.from([1])];
    const state = createAdamState(params);
    adamwStep(params, [Float64Array.from([1])], state, DEFAULT_ADAM_PARAMS);
    const m1 = state.m[0]?.[0] ?? Number.NaN;
    adamwStep(params, [Float64Array.from([0])], state, DEFAULT_ADAM_PARAMS);
    expect(state.step).toBe(2);
    expect(state.m[0]![0]).toBeCloseTo(m1 * 0.9, 15);
  });
});
