import { type Datum, tensorData } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { LOSS_FN_NAMES, type LossFnName } from "./losses.js";
import { fillUniform, type Rng } from "./random.js";
import { createRng, randomDatum, randomTokens, smallBase } from "./tiny.test-helpers.js";
import { TinyTrainingModel } from "./training-model.js";

/**
 * Analytic gradients of every loss w.r.t. every adapter parameter against central finite
 * differences of `loss:sum`, in float64 (issue acceptance: relative error < 1e-3).
 */

const lora = { rank: 3, seed: 11, targets: { attn: true, mlp: true, unembed: true } };

/** A float64 model whose B factors are random (B = 0 would hide the gradient of A). */
function randomizedModel(rng: Rng): TinyTrainingModel {
  const model = new TinyTrainingModel(smallBase("float64"), { lora });
  for (const module of model.adapter.modules) fillUniform(module.B, 0.3, rng);
  return model;
}

/**
 * Max over all parameters of |analytic − numeric| / max(|analytic|, |numeric|, 1e-6), where the
 * analytic gradient is what `forwardBackward(data)` accumulates and the numeric one is the
 * central difference of `loss()`.
 */
function compareGradients(
  model: TinyTrainingModel,
  accumulate: () => void,
  loss: () => number,
): { maxRelError: number; checked: number } {
  model.zeroGradients();
  accumulate();
  // h = 1e-6: some coordinates sum large per-datum gradients that nearly cancel, where the O(h²)
  // truncation error of h = 1e-5 is already visible.
  const h = 1e-6;
  let maxRelError = 0;
  let checked = 0;
  for (const module of model.adapter.modules) {
    for (const [param, grad] of [
      [module.A, module.gradA!],
      [module.B, module.gradB!],
    ] as const) {
      for (let i = 0; i < param.length; i++) {
        const saved = param[i]!;
        param[i] = saved + h;
        const plus = loss();
        param[i] = saved - h;
        const minus = loss();
        param[i] = saved;
        const numeric = (plus - minus) / (2 * h);
        const analytic = grad[i]!;
        const rel = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic), 1e-6);
        maxRelError = Math.max(maxRelError, rel);
        checked++;
      }
    }
  }
  return { maxRelError, checked };
}

/** Two random datums whose sampler logprobs sit `noise` away from the model's own. */
function rlData(model: TinyTrainingModel, rng: Rng, lossFn: LossFnName, noise?: () => number): Datum[] {
  const sequences = [randomTokens(rng, 7, 37), randomTokens(rng, 6, 37)];
  const probe = sequences.map((tokens) => randomDatum(rng, "importance_sampling", tokens));
  const current = model.forward(probe, "importance_sampling");
  return sequences.map((tokens, i) => {
    const datum = randomDatum(
      rng,
      lossFn,
      tokens,
      current.loss_fn_outputs[i]?.["logprobs"]?.data as Float32Array,
    );
    if (noise && datum.loss_fn_inputs["logprobs"]) {
      const own = current.loss_fn_outputs[i]?.["logprobs"]?.data as Float32Array;
      datum.loss_fn_inputs["logprobs"] = tensorData(Float32Array.from(own, (l) => l + noise()));
    }
    return datum;
  });
}

function report(name: string, result: { maxRelError: number; checked: number }): void {
  console.log(
    `gradcheck ${name}: ${result.checked} parameters, max relative error ${result.maxRelError.toExponential(2)}`,
  );
  expect(result.checked).toBeGreaterThan(900);
  expect(result.maxRelError).toBeLessThan(1e-3);
}

describe("gradients w.r.t. the adapter match float64 finite differences", () => {
  for (const lossFn of LOSS_FN_NAMES.filter((name) => name !== "cispo")) {
    it(`${lossFn}`, () => {
      const rng = createRng(["gradcheck", lossFn]);
      const model = randomizedModel(rng);
      const data = rlData(model, rng, lossFn);
      const config = lossFn === "dro" ? { beta: 0.3 } : undefined;
      report(
        lossFn,
        compareGradients(
          model,
          () => model.forwardBackward(data, lossFn, config),
          () => model.forward(data, lossFn, config).metrics["loss:sum"]!,
        ),
      );
    });
  }

  it("cispo with clipped ratios: the gradient of the surrogate −Σ sg(clip(r))·A·ℓ", () => {
    // CISPO stops the gradient through clip(r), so its gradient is that of cross_entropy with
    // weights c·A, c frozen. With every ratio outside [0.875, 1.125] and advantages on a 1/1024
    // grid, c·A is exact in float32, so the surrogate's weights carry no rounding.
    const rng = createRng(["gradcheck", "cispo"]);
    const model = randomizedModel(rng);
    const config = { clip_low_threshold: 0.875, clip_high_threshold: 1.125 };
    const data = rlData(model, rng, "cispo", () => (rng.next() < 0.5 ? -1 : 1) * (0.3 + 0.2 * rng.next()));
    const surrogate = data.map((datum) => {
      const adv = datum.loss_fn_inputs["advantages"]!.data as Float32Array;
      for (let i = 0; i < adv.length; i++) adv[i] = Math.round(adv[i]! * 1024) / 1024;
      return { model_input: datum.model_input, loss_fn_inputs: { ...datum.loss_fn_inputs } };
    });
    const current = model.forward(data, "cispo", config);
    const frozen = surrogate.map((datum, j) => {
      const l = current.loss_fn_outputs[j]?.["logprobs"]?.data as Float32Array;
      const q = datum.loss_fn_inputs["logprobs"]!.data as Float32Array;
      const adv = datum.loss_fn_inputs["advantages"]!.data as Float32Array;
      const weights = Float32Array.from(l, (lp, i) => (Math.exp(lp - q[i]!) < 1 ? 0.875 : 1.125) * adv[i]!);
      return {
        model_input: datum.model_input,
        loss_fn_inputs: {
          target_tokens: datum.loss_fn_inputs["target_tokens"]!,
          weights: tensorData(weights),
        },
      };
    });
    report(
      "cispo (clipped)",
      compareGradients(
        model,
        () => model.forwardBackward(data, "cispo", config),
        () => model.forward(frozen, "cross_entropy").metrics["loss:sum"]!,
      ),
    );
  });

  it("cispo with unclipped ratios has the importance_sampling gradient", () => {
    const rng = createRng(["gradcheck", "cispo-unclipped"]);
    const model = randomizedModel(rng);
    const data = rlData(model, rng, "cispo");
    model.forwardBackward(data, "cispo");
    const cispo = model.adapter.modules.flatMap((m) => [...m.gradA!, ...m.gradB!]);
    model.zeroGradients();
    model.forwardBackward(data, "importance_sampling");
    const is = model.adapter.modules.flatMap((m) => [...m.gradA!, ...m.gradB!]);
    expect(cispo.some((g) => g !== 0)).toBe(true);
    expect(cispo).toEqual(is);
  });

  it("(N, K) targets for cross_entropy and importance_sampling", () => {
    const rng = createRng(["gradcheck", "multi-target"]);
    const model = randomizedModel(rng);
    const n = 5;
    const k = 3;
    const tokens = randomTokens(rng, n, 37);
    const targets = BigInt64Array.from(randomTokens(rng, n * k, 37), BigInt);
    const values = (f: () => number) =>
      tensorData(Float32Array.from({ length: n * k }, f), { shape: [n, k] });
    const input = { chunks: [{ type: "encoded_text" as const, tokens: Int32Array.from(tokens) }] };
    const ce: Datum = {
      model_input: input,
      loss_fn_inputs: {
        target_tokens: tensorData(targets, { shape: [n, k] }),
        weights: values(() => rng.next()),
      },
    };
    const is: Datum = {
      model_input: input,
      loss_fn_inputs: {
        target_tokens: tensorData(targets, { shape: [n, k] }),
        logprobs: values(() => -3 - rng.next()),
        advantages: values(() => rng.next() - 0.5),
      },
    };
    for (const [name, datum] of [
      ["cross_entropy", ce],
      ["importance_sampling", is],
    ] as const) {
      report(
        `${name} (N, K)`,
        compareGradients(
          model,
          () => model.forwardBackward([datum], name),
          () => model.forward([datum], name).metrics["loss:sum"]!,
        ),
      );
    }
  });
});
