import { type Datum, modelInputLength, type TensorData } from "@tinker-ts/types";
import type { LossFnName } from "./backend/backend.js";
import { badRequest } from "./errors.js";

/**
 * Server-side checks of forward/forward_backward inputs, shared by every backend
 * (tinker-compute-semantics.md §1–2): which `loss_fn_inputs` each loss needs and allows, their
 * dtypes, shapes aligned with the model input (`(N,)`, or `(N, K)` for cross_entropy and
 * importance_sampling), and the context window. Failures are 400s naming the datum and key.
 */

const lossFns: readonly LossFnName[] = ["cross_entropy", "importance_sampling", "ppo", "cispo", "dro"];

const required: Record<LossFnName, readonly string[]> = {
  cross_entropy: ["target_tokens", "weights"],
  importance_sampling: ["target_tokens", "logprobs", "advantages"],
  ppo: ["target_tokens", "logprobs", "advantages"],
  cispo: ["target_tokens", "logprobs", "advantages"],
  dro: ["target_tokens", "logprobs", "advantages"],
};

const optional: Record<LossFnName, readonly string[]> = {
  cross_entropy: [],
  importance_sampling: [],
  ppo: ["clip_low_threshold", "clip_high_threshold"],
  cispo: ["clip_low_threshold", "clip_high_threshold"],
  dro: [],
};

/** Checks a loss name. @throws HttpError 400 for an unknown loss. */
export function checkLossFn(name: string): LossFnName {
  if (!(lossFns as readonly string[]).includes(name)) {
    throw badRequest(`Unknown loss_fn '${name}'; expected one of ${lossFns.join(", ")}.`);
  }
  return name as LossFnName;
}

/** Checks a loss config: numbers only for the built-in losses. */
export function checkLossFnConfig(
  config: Record<string, number | string> | undefined | null,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw badRequest(`loss_fn_config.${key} must be a finite number.`);
    }
    out[key] = value;
  }
  return out;
}

/**
 * Checks every datum for `lossFn` against a context window of `maxContext` tokens.
 * @throws HttpError 400 with the first problem found.
 */
export function checkLossInputs(data: Datum[], lossFn: LossFnName, maxContext: number): void {
  if (data.length === 0)
    throw badRequest("No data provided: forward/forward_backward needs at least one datum.");
  data.forEach((datum, index) => {
    const length = modelInputLength(datum.model_input);
    if (length === 0) throw badRequest(`data[${index}].model_input is empty.`);
    if (length > maxContext) {
      throw badRequest(
        `sequence length ${length} exceeds max sequence length ${maxContext} for field target_tokens[${index}]`,
      );
    }
    const inputs = datum.loss_fn_inputs;
    for (const key of required[lossFn]) {
      if (!inputs[key])
        throw badRequest(`data[${index}].loss_fn_inputs is missing '${key}', required by ${lossFn}.`);
    }
    const allowed = new Set([...required[lossFn], ...optional[lossFn]]);
    for (const key of Object.keys(inputs)) {
      if (!allowed.has(key)) {
        throw badRequest(`data[${index}].loss_fn_inputs has key '${key}', which ${lossFn} does not take.`);
      }
    }
    const targets = inputs["target_tokens"]!;
    if (targets.dtype !== "int64")
      throw badRequest(`data[${index}].loss_fn_inputs.target_tokens must be int64.`);
    const shape = checkTensor(targets, `data[${index}].loss_fn_inputs.target_tokens`);
    if (shape[0] !== length) {
      throw badRequest(
        `data[${index}].loss_fn_inputs.target_tokens has leading dimension ${shape[0]} but model_input has ${length} tokens.`,
      );
    }
    if (
      shape.length > 2 ||
      (shape.length === 2 && lossFn !== "cross_entropy" && lossFn !== "importance_sampling")
    ) {
      throw badRequest(`data[${index}].loss_fn_inputs.target_tokens must have shape (N,) for ${lossFn}.`);
    }
    for (const [key, tensor] of Object.entries(inputs)) {
      if (key === "target_tokens") continue;
      const path = `data[${index}].loss_fn_inputs.${key}`;
      if (tensor.dtype !== "float32") throw badRequest(`${path} must be float32.`);
      const other = checkTensor(tensor, path);
      if (other.join(",") !== shape.join(",")) {
        throw badRequest(
          `${path} has shape (${other.join(", ")}) but target_tokens has (${shape.join(", ")}).`,
        );
      }
    }
  });
}

/** Checks data length against shape (dense) or CSR structure (sparse); returns the shape. */
function checkTensor(tensor: TensorData, path: string): number[] {
  const shape = tensor.shape ?? [tensor.data.length];
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw badRequest(`${path} has an invalid shape.`);
  }
  const crow = tensor.sparse_crow_indices;
  const col = tensor.sparse_col_indices;
  if (crow || col) {
    if (!crow || !col || shape.length !== 2)
      throw badRequest(`${path}: sparse tensors need 2-D shape, crow and col.`);
    const rows = shape[0]!;
    const cols = shape[1]!;
    if (
      crow.length !== rows + 1 ||
      Number(crow[rows]) !== tensor.data.length ||
      col.length !== tensor.data.length
    ) {
      throw badRequest(`${path}: sparse CSR indices do not match the shape and values.`);
    }
    for (let r = 0; r < rows; r++) {
      if (Number(crow[r]) > Number(crow[r + 1])) throw badRequest(`${path}: crow indices must not decrease.`);
    }
    for (const c of col)
      if (c < 0n || Number(c) >= cols) throw badRequest(`${path}: column index out of range.`);
    return shape;
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw badRequest(
      `${path} has ${tensor.data.length} values but shape (${shape.join(", ")}) needs ${count}.`,
    );
  }
  for (const v of tensor.data as Iterable<number | bigint>) {
    if (typeof v === "number" && !Number.isFinite(v)) throw badRequest(`${path} holds a non-finite value.`);
  }
  return shape;
}
