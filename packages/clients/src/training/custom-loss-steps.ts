import {
  type Datum,
  type Float32TensorData,
  type ForwardBackwardOutput,
  InvalidInputError,
  type TensorData,
} from "@tinker-ts/types";
import type { CustomLossResult } from "../custom-loss/types.js";

/**
 * The pieces of `forwardBackwardCustom` that do not talk to the server (tinker-wire-spec.md
 * §8.3, tinker-compute-semantics.md §4, Python SDK 0.38): the forward batch, the logprobs handed
 * to the loss, the check of what the loss returned, the backward batch, and the merged metrics.
 */

function shapeOf(tensor: TensorData): number[] {
  return tensor.shape ? [...tensor.shape] : [tensor.data.length];
}

/**
 * The forward batch: each datum keeps its model input and `target_tokens` and gets its own
 * `weights` or, without them, float32 zeros of the `target_tokens` shape. Other inputs stay with
 * the caller's data (the loss receives them) but are not sent.
 *
 * @throws InvalidInputError when a datum has no `target_tokens`.
 */
export function customForwardData(data: readonly Datum[]): Datum[] {
  if (!Array.isArray(data) || data.length === 0) {
    throw new InvalidInputError("No data provided: pass at least one Datum.", { path: "data" });
  }
  return data.map((datum, index) => {
    const targets = datum?.loss_fn_inputs?.["target_tokens"];
    if (targets === undefined) {
      throw new InvalidInputError(
        `data[${index}].loss_fn_inputs.target_tokens must be provided when using forwardBackwardCustom (its surrogate loss is cross_entropy).`,
        { path: `data[${index}].loss_fn_inputs.target_tokens` },
      );
    }
    const weights: TensorData = datum.loss_fn_inputs["weights"] ?? {
      dtype: "float32",
      data: new Float32Array(targets.data.length),
      shape: shapeOf(targets),
    };
    return { model_input: datum.model_input, loss_fn_inputs: { target_tokens: targets, weights } };
  });
}

/**
 * The per-datum logprobs of the forward pass, float32, flat in row-major order (one value per
 * element of that datum's `target_tokens`).
 *
 * @throws Error when the server's reply does not carry one `logprobs` output of the right size per datum.
 */
export function forwardLogprobs(
  output: ForwardBackwardOutput,
  forwardData: readonly Datum[],
): Float32Array[] {
  if (output.loss_fn_outputs.length !== forwardData.length) {
    throw new Error(
      `The forward pass returned ${output.loss_fn_outputs.length} outputs for ${forwardData.length} datums.`,
    );
  }
  return output.loss_fn_outputs.map((record, index) => {
    const logprobs = record["logprobs"];
    const expected = forwardData[index]?.loss_fn_inputs["target_tokens"]?.data.length;
    if (logprobs?.dtype !== "float32" || logprobs.data.length !== expected) {
      throw new Error(
        `The forward pass returned no float32 logprobs of ${expected} values for datum ${index}.`,
      );
    }
    return logprobs.data;
  });
}

/**
 * Checks what the custom loss returned: a finite `loss`, one float32 gradient per datum with as
 * many finite values as that datum's logprobs, and finite metrics.
 *
 * @throws InvalidInputError naming the offending field (`gradients[2]`, `metrics.kl`).
 */
export function checkLossResult(result: CustomLossResult, logprobs: readonly Float32Array[]): void {
  if (typeof result !== "object" || result === null) {
    throw new InvalidInputError("The custom loss must return { loss, gradients, metrics? }.", {
      path: "result",
    });
  }
  if (typeof result.loss !== "number" || !Number.isFinite(result.loss)) {
    throw new InvalidInputError(`The custom loss returned loss ${String(result.loss)}; it must be finite.`, {
      path: "loss",
    });
  }
  if (!Array.isArray(result.gradients) || result.gradients.length !== logprobs.length) {
    throw new InvalidInputError(
      `The custom loss must return one gradient per datum (${logprobs.length}), got ${
        Array.isArray(result.gradients) ? result.gradients.length : typeof result.gradients
      }.`,
      { path: "gradients" },
    );
  }
  result.gradients.forEach((gradient, index) => {
    const path = `gradients[${index}]`;
    if (!(gradient instanceof Float32Array) || gradient.length !== logprobs[index]!.length) {
      throw new InvalidInputError(
        `${path} must be a Float32Array of ${logprobs[index]!.length} values (the shape of the datum's logprobs).`,
        { path },
      );
    }
    const bad = gradient.findIndex((v) => !Number.isFinite(v));
    if (bad !== -1) {
      throw new InvalidInputError(
        `${path} holds ${gradient[bad]} at element ${bad}; gradients must be finite.`,
        {
          path,
        },
      );
    }
  });
  for (const [key, value] of Object.entries(result.metrics ?? {})) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new InvalidInputError(`metrics.${key} is ${String(value)}; metrics must be finite numbers.`, {
        path: `metrics.${key}`,
      });
    }
  }
}

/**
 * The backward batch: each forward datum with `weights = −gradient`, since the server's
 * cross-entropy surrogate `Σ −w·logprob` then has the custom loss's gradient (§8.3).
 */
export function customBackwardData(
  forwardData: readonly Datum[],
  gradients: readonly Float32Array[],
): Datum[] {
  return forwardData.map((datum, index) => {
    const targets = datum.loss_fn_inputs["target_tokens"]!;
    const gradient = gradients[index]!;
    const negated = new Float32Array(gradient.length);
    for (let i = 0; i < gradient.length; i++) negated[i] = -gradient[i]!;
    const weights: Float32TensorData = { dtype: "float32", data: negated, shape: shapeOf(targets) };
    return { model_input: datum.model_input, loss_fn_inputs: { target_tokens: targets, weights } };
  });
}

/**
 * The result's metrics as Python SDK 0.38 reports them: the server's metrics without its
 * `loss:sum`, then the loss's own metrics, then `loss:sum` = the custom loss and
 * `surrogate_loss:sum` = the server's surrogate loss.
 */
export function mergeCustomMetrics(
  output: ForwardBackwardOutput,
  result: CustomLossResult,
): ForwardBackwardOutput {
  const { "loss:sum": surrogate, ...rest } = output.metrics;
  const metrics: Record<string, number> = { ...rest, ...result.metrics, "loss:sum": result.loss };
  if (surrogate !== undefined) metrics["surrogate_loss:sum"] = surrogate;
  return { ...output, metrics };
}
