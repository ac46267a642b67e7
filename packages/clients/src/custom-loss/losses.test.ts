import { type Datum, datum, InvalidInputError, modelInputFromInts, tensorData } from "@tinker-ts/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bradleyTerryLoss, bradleyTerryLossFloat64 } from "./bradley-terry.js";
import { dpoLoss, dpoLossFloat64, type Float64LossOutput } from "./dpo.js";

/**
 * Gradients are checked against central finite differences in float64: for every logprob,
 * (L(x + h) − L(x − h)) / 2h with h = 1e-4 (truncation error ~h², round-off ~1e-16/h, both far
 * below the tolerance). Relative error below 1e-4 is required wherever either value exceeds 1e-6
 * in size; smaller entries (masked tokens, tiny weights, saturated pairs) must agree within 1e-9.
 */
const H = 1e-4;

function expectGradientsMatch(
  loss: (lp: Float64Array[]) => Float64LossOutput,
  logprobs: Float64Array[],
): void {
  const analytic = loss(logprobs).gradients;
  logprobs.forEach((lp, i) => {
    for (let t = 0; t < lp.length; t++) {
      const at = (delta: number) => {
        const shifted = logprobs.map((x) => Float64Array.from(x));
        shifted[i]![t]! += delta;
        return loss(shifted).loss;
      };
      const numeric = (at(H) - at(-H)) / (2 * H);
      const exact = analytic[i]?.[t] ?? Number.NaN;
      const scale = Math.max(Math.abs(numeric), Math.abs(exact));
      if (scale > 1e-6) {
        expect(Math.abs(numeric - exact) / scale, `d/dlogprobs[${i}][${t}]`).toBeLessThan(1e-4);
      } else {
        expect(Math.abs(numeric - exact)).toBeLessThan(1e-9);
      }
    }
  });
}

const logprob = fc.double({ min: -8, max: -0.01, noNaN: true });
const weight = fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true }));

/** A batch of 1–4 pairs of datums, each 1–6 tokens long, with logprobs, reference logprobs and weights. */
const batchArb = fc
  .array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 8 })
  .filter((lengths) => lengths.length % 2 === 0)
  .chain((lengths) =>
    fc.record({
      logprobs: fc.tuple(...lengths.map((n) => fc.array(logprob, { minLength: n, maxLength: n }))),
      reference: fc.tuple(...lengths.map((n) => fc.array(logprob, { minLength: n, maxLength: n }))),
      weights: fc.tuple(
        ...lengths.map((n) =>
          // The first token always counts, so every datum has some weight.
          fc
            .array(weight, { minLength: n - 1, maxLength: n - 1 })
            .map((rest) => [1, ...rest]),
        ),
      ),
    }),
  )
  .map(({ logprobs, reference, weights }) => ({
    logprobs: logprobs.map((x) => Float64Array.from(x)),
    reference: reference.map((x) => Float64Array.from(x)),
    weights: weights.map((x) => Float64Array.from(x)),
  }));

describe("dpoLossFloat64", () => {
  it("has the analytic gradient (central differences, random shapes)", () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.45, noNaN: true })),
        ({ logprobs, reference, weights }, beta, labelSmoothing) => {
          expectGradientsMatch(
            (lp) =>
              dpoLossFloat64({ logprobs: lp, referenceLogprobs: reference, weights, beta, labelSmoothing }),
            logprobs,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("is log 2 with zero margin when policy and reference agree", () => {
    const lp = [Float64Array.of(-1, -2), Float64Array.of(-3)];
    const out = dpoLossFloat64({
      logprobs: lp,
      referenceLogprobs: lp,
      weights: [Float64Array.of(1, 1), Float64Array.of(1)],
      beta: 0.1,
      labelSmoothing: 0,
    });
    expect(out.loss).toBeCloseTo(Math.LN2, 12);
    expect(out.metrics).toEqual({
      dpo_loss: out.loss,
      accuracy: 0,
      margin: 0,
      chosen_reward: 0,
      rejected_reward: 0,
    });
    // Raising the chosen logprobs lowers the loss: the gradient there is negative.
    expect(out.gradients[0]![0]).toBeCloseTo(-0.05, 12);
    expect(out.gradients[1]![0]).toBeCloseTo(0.05, 12);
  });

  it("reports the cookbook metrics", () => {
    const out = dpoLossFloat64({
      logprobs: [Float64Array.of(-1), Float64Array.of(-4), Float64Array.of(-2), Float64Array.of(-1)],
      referenceLogprobs: [Float64Array.of(-2), Float64Array.of(-2), Float64Array.of(-2), Float64Array.of(-2)],
      weights: [Float64Array.of(1), Float64Array.of(1), Float64Array.of(1), Float64Array.of(1)],
      beta: 0.5,
      labelSmoothing: 0,
    });
    // Pair 0: ρc = 1, ρr = −2 → z = 1.5; pair 1: ρc = 0, ρr = 1 → z = −0.5.
    const expected = (Math.log1p(Math.exp(-1.5)) + Math.log1p(Math.exp(0.5))) / 2;
    expect(out.loss).toBeCloseTo(expected, 12);
    expect(out.metrics["accuracy"]).toBe(0.5);
    expect(out.metrics["chosen_reward"]).toBeCloseTo(0.25, 12);
    expect(out.metrics["rejected_reward"]).toBeCloseTo(-0.25, 12);
    expect(out.metrics["margin"]).toBeCloseTo(0.5, 12);
  });

  it("stays finite for extreme margins", () => {
    const out = dpoLossFloat64({
      logprobs: [Float64Array.of(0), Float64Array.of(-5000)],
      referenceLogprobs: [Float64Array.of(-5000), Float64Array.of(0)],
      weights: [Float64Array.of(1), Float64Array.of(1)],
      beta: 1,
      labelSmoothing: 0,
    });
    expect(out.loss).toBe(0);
    expect(out.gradients.flatMap((g) => Array.from(g)).every(Number.isFinite)).toBe(true);
  });
});

describe("bradleyTerryLossFloat64", () => {
  it("has the analytic gradient, summed or length-normalized", () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.boolean(),
        ({ logprobs, weights }, beta, lengthNormalized) => {
          expectGradientsMatch(
            (lp) => bradleyTerryLossFloat64({ logprobs: lp, weights, beta, lengthNormalized }),
            logprobs,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("scores sequences by weighted sum or mean", () => {
    const logprobs = [Float64Array.of(-1, -1, -1), Float64Array.of(-2)];
    const weights = [Float64Array.of(1, 1, 1), Float64Array.of(1)];
    const summed = bradleyTerryLossFloat64({ logprobs, weights, beta: 1, lengthNormalized: false });
    expect(summed.metrics).toMatchObject({ chosen_score: -3, rejected_score: -2, margin: -1, accuracy: 0 });
    expect(summed.loss).toBeCloseTo(Math.log1p(Math.E), 12);
    const mean = bradleyTerryLossFloat64({ logprobs, weights, beta: 1, lengthNormalized: true });
    expect(mean.metrics).toMatchObject({ chosen_score: -1, rejected_score: -2, margin: 1, accuracy: 1 });
    expect(() =>
      bradleyTerryLossFloat64({
        logprobs,
        weights: [Float64Array.of(0, 0, 0), Float64Array.of(1)],
        beta: 1,
        lengthNormalized: true,
      }),
    ).toThrow(expect.objectContaining({ path: "data[0].loss_fn_inputs.weights" }));
  });
});

function pair(lengths: [number, number], withWeights = true): Datum[] {
  return lengths.map((n) =>
    datum(
      modelInputFromInts(Array.from({ length: n }, (_, i) => i + 1)),
      withWeights
        ? {
            target_tokens: Array.from({ length: n }, (_, i) => i + 2),
            weights: Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 1)),
          }
        : { target_tokens: Array.from({ length: n }, (_, i) => i + 2) },
    ),
  );
}

describe("dpoLoss and bradleyTerryLoss as CustomLossFn", () => {
  it("return float32 gradients shaped like the logprobs, from the float64 maths", () => {
    const data = [...pair([3, 2]), ...pair([1, 4])];
    const logprobs = [
      Float32Array.of(-1, -2, -3),
      Float32Array.of(-1, -1),
      Float32Array.of(-0.5),
      Float32Array.of(-2, -2, -2, -2),
    ];
    const referenceLogprobs = [[-1, -1, -1], [-1, -1], [-1], [-1, -1, -1, -1]];
    const dpo = dpoLoss({ beta: 0.2, referenceLogprobs })(data, logprobs);
    expect(dpo.gradients.map((g) => g.length)).toEqual([3, 2, 1, 4]);
    expect(dpo.gradients.every((g) => g instanceof Float32Array)).toBe(true);
    // Masked prompt tokens (weight 0) get no gradient.
    expect(dpo.gradients.map((g) => Math.abs(g[0]!))).toEqual([0, 0, 0, 0]);
    const reference64 = dpoLossFloat64({
      logprobs: logprobs.map((x) => Float64Array.from(x)),
      referenceLogprobs: referenceLogprobs.map((x) => Float64Array.from(x)),
      weights: data.map((d) => Float64Array.from(d.loss_fn_inputs["weights"]!.data as Float32Array)),
      beta: 0.2,
      labelSmoothing: 0,
    });
    expect(dpo.loss).toBe(reference64.loss);
    expect(dpo.metrics).toEqual(reference64.metrics);
    expect(dpo.gradients).toEqual(reference64.gradients.map((g) => Float32Array.from(g)));

    const bt = bradleyTerryLoss()(data, logprobs);
    expect(bt.gradients.map((g) => g.length)).toEqual([3, 2, 1, 4]);
    expect(Object.keys(bt.metrics!)).toEqual([
      "bt_loss",
      "accuracy",
      "margin",
      "chosen_score",
      "rejected_score",
    ]);
  });

  it("counts every token when a datum has no weights", () => {
    const data = pair([2, 2], false);
    const out = bradleyTerryLoss()(data, [Float32Array.of(-1, -1), Float32Array.of(-2, -2)]);
    expect(out.metrics).toMatchObject({ chosen_score: -2, rejected_score: -4 });
    const intWeights = data.map((d) => ({
      ...d,
      loss_fn_inputs: { ...d.loss_fn_inputs, weights: tensorData([1, 1], { dtype: "int64" }) },
    }));
    expect(bradleyTerryLoss()(intWeights, [Float32Array.of(-1, -1), Float32Array.of(-2, -2)]).loss).toBe(
      out.loss,
    );
  });

  it("rejects malformed batches and options with the offending path", () => {
    const data = pair([2, 2]);
    const lp = [Float32Array.of(-1, -1), Float32Array.of(-1, -1)];
    const ref = [
      [-1, -1],
      [-1, -1],
    ];
    const cases: Array<[() => unknown, string]> = [
      [() => dpoLoss({ referenceLogprobs: ref, beta: 0 }), "beta"],
      [() => dpoLoss({ referenceLogprobs: ref, labelSmoothing: 0.5 }), "labelSmoothing"],
      [() => bradleyTerryLoss({ beta: Number.NaN }), "beta"],
      [() => bradleyTerryLoss()([], []), "data"],
      [() => bradleyTerryLoss()(data.slice(0, 1), lp.slice(0, 1)), "data"],
      [() => bradleyTerryLoss()(data, lp.slice(0, 1)), "logprobs"],
      [() => bradleyTerryLoss()(data, [Float32Array.of(-1), lp[1]!]), "logprobs[0]"],
      [() => bradleyTerryLoss()(data, [Float32Array.of(-1, Number.NaN), lp[1]!]), "logprobs[0][1]"],
      [() => dpoLoss({ referenceLogprobs: ref.slice(0, 1) })(data, lp), "referenceLogprobs"],
      [() => dpoLoss({ referenceLogprobs: [[-1], [-1, -1]] })(data, lp), "referenceLogprobs[0]"],
      [
        () => bradleyTerryLoss()([{ ...data[0]!, loss_fn_inputs: {} }, data[1]!], lp),
        "data[0].loss_fn_inputs.target_tokens",
      ],
      [
        () =>
          bradleyTerryLoss()(
            [
              data[0]!,
              {
                ...data[1]!,
                loss_fn_inputs: {
                  ...data[1]!.loss_fn_inputs,
                  weights: tensorData([1], { dtype: "float32" }),
                },
              },
            ],
            lp,
          ),
        "data[1].loss_fn_inputs.weights",
      ],
      [
        () =>
          bradleyTerryLoss()(
            [
              {
                ...data[0]!,
                loss_fn_inputs: {
                  ...data[0]!.loss_fn_inputs,
                  weights: tensorData([[1], [1]], { dtype: "float32" }),
                },
              },
              data[1]!,
            ],
            lp,
          ),
        "data[0].loss_fn_inputs.weights",
      ],
    ];
    for (const [call, path] of cases) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, path).toBeInstanceOf(InvalidInputError);
      expect((thrown as InvalidInputError).path, path).toBe(path);
    }
  });
});
