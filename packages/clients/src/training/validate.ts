import {
  type Datum,
  InvalidInputError,
  LOSS_FN_INPUT_DTYPES,
  type LossFnType,
  LossFnTypeSchema,
  modelInputLength,
  type TensorData,
} from "@tinker-ts/types";

/**
 * `loss_fn_inputs` each built-in loss needs (tinker-compute-semantics.md §2.1). Losses added in
 * 0.38 (`gspo`, `stable_reinforce`) are only known to need `target_tokens`; `custom` (a server-side
 * custom loss) takes whatever its graph reads.
 */
const REQUIRED_INPUTS: Readonly<Record<LossFnType, readonly string[]>> = {
  cross_entropy: ["target_tokens", "weights"],
  importance_sampling: ["target_tokens", "logprobs", "advantages"],
  ppo: ["target_tokens", "logprobs", "advantages"],
  cispo: ["target_tokens", "logprobs", "advantages"],
  dro: ["target_tokens", "logprobs", "advantages"],
  gspo: ["target_tokens"],
  stable_reinforce: ["target_tokens"],
  custom: [],
};

/** Per-token inputs that must have exactly the shape of `target_tokens` (compute-semantics §1.2). */
const PER_TOKEN_INPUTS: ReadonlySet<string> = new Set([
  "weights",
  "advantages",
  "logprobs",
  "clip_low_threshold",
  "clip_high_threshold",
]);

/** A loss function name the server knows, or throws. */
export function checkLossFn(lossFn: string): LossFnType {
  const known: readonly string[] = LossFnTypeSchema.options;
  if (!known.includes(lossFn)) {
    throw new InvalidInputError(
      `Unknown loss function ${JSON.stringify(lossFn)}; use one of ${known.join(", ")}.`,
      { path: "lossFn" },
    );
  }
  return lossFn as LossFnType;
}

/** Checks `loss_fn_config`: finite numbers (or text, new in 0.38) only. */
export function checkLossFnConfig(config: Readonly<Record<string, number | string>> | undefined): void {
  for (const [key, value] of Object.entries(config ?? {})) {
    if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) continue;
    throw new InvalidInputError(
      `lossFnConfig.${key} is ${String(value)}; loss function settings must be finite numbers.`,
      { path: `lossFnConfig.${key}` },
    );
  }
}

/** Checks the `readDataAt` option of forward / forward_backward: `"call"`, `"send"` or unset. */
export function checkReadDataAt(value: unknown): void {
  if (value === undefined || value === "call" || value === "send") return;
  throw new InvalidInputError(`readDataAt is ${JSON.stringify(value)}; use "call" (the default) or "send".`, {
    path: "readDataAt",
  });
}

/**
 * Checks a forward / forward_backward batch before anything is sent, so that a bad datum fails
 * the call at once with an `InvalidInputError` naming it (`path` such as
 * `data[3].loss_fn_inputs.weights`) instead of failing on the server after its seq_id was used:
 *
 * - `data` is a non-empty array (Python: "No data provided");
 * - no chunk is an image pointer (training needs the image bytes, tinker-wire-spec.md §5.3);
 * - every input `lossFn` requires is present (tinker-compute-semantics.md §2.1);
 * - every tensor is float32 (`Float32Array`) or int64 (`BigInt64Array`), with the dtype its key
 *   requires (`target_tokens` int64; `weights`, `advantages`, `logprobs`, clip thresholds float32),
 *   and a shape that matches its data (dense) or its CSR indices (sparse);
 * - float values are finite (no NaN, no ±Infinity);
 * - per-token inputs have exactly the shape of `target_tokens`, whose leading dimension is the
 *   model input's length when that length is known (§1.1–§1.2).
 *
 * @throws InvalidInputError for the first problem found.
 */
export function validateTrainingData(data: readonly Datum[], lossFn: LossFnType): void {
  if (!Array.isArray(data) || data.length === 0) {
    throw new InvalidInputError("No data provided: pass at least one Datum.", { path: "data" });
  }
  data.forEach((datum, index) => {
    validateDatum(datum, index, REQUIRED_INPUTS[lossFn], lossFn);
  });
}

function validateDatum(datum: Datum, index: number, required: readonly string[], lossFn: string): void {
  const at = `data[${index}]`;
  const chunks = datum?.model_input?.chunks;
  if (!Array.isArray(chunks)) {
    throw new InvalidInputError(`${at}.model_input must be a ModelInput with a chunks array.`, {
      path: `${at}.model_input`,
    });
  }
  chunks.forEach((chunk, j) => {
    if (chunk?.type === "image_asset_pointer") {
      throw new InvalidInputError(
        `${at}.model_input.chunks[${j}] is an image pointer; training needs the image itself. ` +
          "Send the image bytes as an image chunk instead.",
        { path: `${at}.model_input.chunks[${j}]` },
      );
    }
  });
  const inputs = datum.loss_fn_inputs;
  if (typeof inputs !== "object" || inputs === null) {
    throw new InvalidInputError(`${at}.loss_fn_inputs must be an object of TensorData.`, {
      path: `${at}.loss_fn_inputs`,
    });
  }
  for (const key of required) {
    if (inputs[key] === undefined) {
      throw new InvalidInputError(`${at}.loss_fn_inputs is missing "${key}", which ${lossFn} requires.`, {
        path: `${at}.loss_fn_inputs.${key}`,
      });
    }
  }
  const shapes = new Map<string, readonly number[]>();
  for (const [key, tensor] of Object.entries(inputs)) {
    shapes.set(key, checkTensor(tensor, key, `${at}.loss_fn_inputs.${key}`));
  }
  const targetShape = shapes.get("target_tokens");
  if (targetShape === undefined) return;
  for (const [key, shape] of shapes) {
    if (!PER_TOKEN_INPUTS.has(key) || sameShape(shape, targetShape)) continue;
    throw new InvalidInputError(
      `${at}.loss_fn_inputs.${key} has shape [${shape.join(", ")}] but target_tokens has ` +
        `[${targetShape.join(", ")}]; per-token inputs must line up with target_tokens.`,
      { path: `${at}.loss_fn_inputs.${key}` },
    );
  }
  const length = knownLength(datum);
  if (length !== undefined && targetShape[0] !== length) {
    throw new InvalidInputError(
      `${at}.loss_fn_inputs.target_tokens has ${targetShape[0]} rows but model_input has ${length} tokens; ` +
        "position i of model_input predicts target_tokens[i].",
      { path: `${at}.loss_fn_inputs.target_tokens` },
    );
  }
}

function knownLength(datum: Datum): number | undefined {
  try {
    return modelInputLength(datum.model_input);
  } catch {
    // An image without expected_tokens has no length the client can know; the server checks it.
    return undefined;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks one tensor and returns its shape. */
function checkTensor(tensor: TensorData, key: string, path: string): readonly number[] {
  if (typeof tensor !== "object" || tensor === null) {
    throw new InvalidInputError(`${path} must be a TensorData (use tensorData() or datum()).`, { path });
  }
  const { dtype, data } = tensor;
  const typed =
    (dtype === "float32" && data instanceof Float32Array) ||
    (dtype === "int64" && data instanceof BigInt64Array);
  if (!typed) {
    throw new InvalidInputError(
      `${path} has dtype ${JSON.stringify(dtype)} with ${describe(data)}; a TensorData is float32 with a ` +
        "Float32Array or int64 with a BigInt64Array (build it with tensorData() or datum()).",
      { path },
    );
  }
  const expected = LOSS_FN_INPUT_DTYPES[key];
  if (expected !== undefined && expected !== dtype) {
    throw new InvalidInputError(`${path} must be ${expected}, got ${dtype}.`, { path });
  }
  const shape = tensor.shape ?? [data.length];
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || shape.length === 0) {
    throw new InvalidInputError(`${path} has an invalid shape [${shape.join(", ")}].`, { path });
  }
  checkLayout(tensor, shape, path);
  if (data instanceof Float32Array) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad !== -1) {
      throw new InvalidInputError(`${path} holds ${data[bad]} at element ${bad}; values must be finite.`, {
        path,
      });
    }
  }
  return shape;
}

function checkLayout(tensor: TensorData, shape: readonly number[], path: string): void {
  const crow = tensor.sparse_crow_indices;
  const col = tensor.sparse_col_indices;
  if (crow === undefined && col === undefined) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) {
      throw new InvalidInputError(
        `${path} has ${tensor.data.length} values but its shape [${shape.join(", ")}] needs ${count}.`,
        { path },
      );
    }
    return;
  }
  if (crow === undefined || col === undefined || shape.length !== 2) {
    throw new InvalidInputError(
      `${path} is sparse but lacks a 2-D shape, crow indices or col indices; CSR tensors need all three.`,
      { path },
    );
  }
  if (crow.length !== shape[0]! + 1 || col.length !== tensor.data.length) {
    throw new InvalidInputError(
      `${path}: CSR indices do not match (crow has ${crow.length} entries for ${shape[0]} rows, col has ` +
        `${col.length} for ${tensor.data.length} values).`,
      { path },
    );
  }
}

function describe(data: unknown): string {
  if (data === null || data === undefined) return String(data);
  if (Array.isArray(data)) return "a plain array";
  return `a ${(data as object).constructor?.name ?? typeof data}`;
}
