import { InvalidInputError } from "./errors.js";
import { type ModelInput, modelInputFromWire, modelInputToWire } from "./model-input.js";
import type { WireDatum, WireTensorData } from "./schemas/tensors.js";
import {
  flattenRectangular,
  type TensorData,
  type TensorDtype,
  type TensorValues,
  tensorData,
  tensorDataFromWire,
  tensorDataToWire,
} from "./tensor-data.js";

/**
 * One training example (tinker-wire-spec.md §4.3): the model input and the loss function's
 * per-token inputs, keyed by name (`target_tokens` int64; `weights`, `advantages`, `logprobs`,
 * `clip_low_threshold`, `clip_high_threshold` float32).
 */
export interface Datum {
  model_input: ModelInput;
  loss_fn_inputs: Record<string, TensorData>;
}

/**
 * The fixed dtype of each well-known `loss_fn_inputs` key (tinker-wire-spec.md §4.3;
 * `types/datum.py` `_KEY_TO_TYPE` in 0.38.0, which adds `sequence_ratio_mask`). Plain number
 * arrays are cast to it.
 */
export const LOSS_FN_INPUT_DTYPES: Readonly<Record<string, TensorDtype>> = {
  target_tokens: "int64",
  weights: "float32",
  advantages: "float32",
  logprobs: "float32",
  clip_low_threshold: "float32",
  clip_high_threshold: "float32",
  sequence_ratio_mask: "float32",
};

/** What {@link datum} accepts for one loss function input. */
export type LossFnInputValue = TensorData | TensorValues;

/**
 * Builds a datum, converting each loss function input as the Python SDK's `Datum.__post_init__`
 * does (tinker-wire-spec.md §4.3):
 * - a `TensorData` is kept as is;
 * - a typed array becomes a 1-D tensor of its own kind (`tensorData`; any key);
 * - a plain (nested) number array is cast to its key's dtype from {@link LOSS_FN_INPUT_DTYPES}
 *   (`target_tokens` int64; `weights`, `advantages`, `logprobs`, `clip_low_threshold`,
 *   `clip_high_threshold`, `sequence_ratio_mask` float32), keeping its nested shape.
 *
 * 2-D inputs stay dense; pass them through `sparsifyTensorData` to get the CSR form.
 *
 * @throws InvalidInputError "<key> must be a rectangular numeric array; ragged nested lists are
 *   not supported" for ragged arrays; for a plain array under a key with no known dtype (the
 *   Python SDK raises KeyError); and for values that are neither tensors nor arrays.
 */
export function datum(modelInput: ModelInput, lossFnInputs: Record<string, LossFnInputValue> = {}): Datum {
  const converted: Record<string, TensorData> = {};
  for (const [key, value] of Object.entries(lossFnInputs)) {
    converted[key] = toTensorData(key, value);
  }
  return { model_input: modelInput, loss_fn_inputs: converted };
}

function toTensorData(key: string, value: LossFnInputValue): TensorData {
  const path = `loss_fn_inputs.${key}`;
  if (ArrayBuffer.isView(value)) return withPath(path, () => tensorData(value));
  if (Array.isArray(value)) {
    const dtype = LOSS_FN_INPUT_DTYPES[key];
    if (dtype === undefined) {
      throw new InvalidInputError(
        `${path} is a plain array, but "${key}" has no known dtype; pass tensorData(values, { dtype }) ` +
          `(known keys: ${Object.keys(LOSS_FN_INPUT_DTYPES).join(", ")})`,
        { path },
      );
    }
    const { flat, shape } = flattenRectangular(value, key);
    return withPath(path, () => tensorData(flat, { dtype, shape }));
  }
  if (isTensorData(value)) return value;
  throw new InvalidInputError(
    `${path} must be a TensorData, a typed array or a number array, got ${value === null ? "null" : typeof value}`,
    { path },
  );
}

function isTensorData(value: unknown): value is TensorData {
  if (typeof value !== "object" || value === null) return false;
  const { dtype, data } = value as { dtype?: unknown; data?: unknown };
  return (
    (dtype === "float32" && data instanceof Float32Array) ||
    (dtype === "int64" && data instanceof BigInt64Array)
  );
}

function withPath<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidInputError && error.path === undefined) {
      throw new InvalidInputError(`${path}: ${error.message}`, { path, cause: error });
    }
    throw error;
  }
}

/** The JSON form of a datum (legacy JSON forward/backward, §16), `loss_fn_inputs` first. */
export function datumToWire(value: Datum): WireDatum {
  const inputs: Record<string, WireTensorData> = {};
  for (const [key, tensor] of Object.entries(value.loss_fn_inputs)) inputs[key] = tensorDataToWire(tensor);
  return { loss_fn_inputs: inputs, model_input: modelInputToWire(value.model_input) };
}

/** The in-memory form of a datum parsed from JSON (for example by `DatumSchema.parse`). */
export function datumFromWire(wire: WireDatum): Datum {
  const inputs: Record<string, TensorData> = {};
  for (const [key, tensor] of Object.entries(wire.loss_fn_inputs)) inputs[key] = tensorDataFromWire(tensor);
  return { model_input: modelInputFromWire(wire.model_input), loss_fn_inputs: inputs };
}
