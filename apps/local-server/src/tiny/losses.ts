import { type Datum, InvalidInputError, type ModelInput, type TensorData } from "@tinker-ts/types";

/**
 * The built-in losses of tinker-compute-semantics.md §2, as per-token terms: for each target
 * position the loss term (before the SUM reduction) and its derivative w.r.t. the learner logprob
 * ℓ, plus the checks of a datum's `loss_fn_inputs` and `loss_fn_config`.
 */

/** Built-in loss names (tinker-compute-semantics.md §2.1). */
export type LossFnName = "cross_entropy" | "importance_sampling" | "ppo" | "cispo" | "dro";

/** Every built-in loss, in the spec's order. */
export const LOSS_FN_NAMES: readonly LossFnName[] = [
  "cross_entropy",
  "importance_sampling",
  "ppo",
  "cispo",
  "dro",
];

/** `loss_fn_output_type` per loss (§2.1: observed for cross_entropy, EMU-CHOICE for the others). */
export const LOSS_OUTPUT_TYPES: Readonly<Record<LossFnName, string>> = {
  cross_entropy: "CrossEntropyLossReturn",
  importance_sampling: "ImportanceSamplingLossReturn",
  ppo: "PPOLossReturn",
  cispo: "CISPOLossReturn",
  dro: "DROLossReturn",
};

/** Losses of newer SDKs (0.38.0) that the tiny backend does not implement. */
const newerLosses = new Set(["gspo", "stable_reinforce", "custom"]);

const requiredInputs: Record<LossFnName, readonly string[]> = {
  cross_entropy: ["target_tokens", "weights"],
  importance_sampling: ["target_tokens", "logprobs", "advantages"],
  ppo: ["target_tokens", "logprobs", "advantages"],
  cispo: ["target_tokens", "logprobs", "advantages"],
  dro: ["target_tokens", "logprobs", "advantages"],
};

/** Per-token clip thresholds (§1.3, EMU-CHOICE: element-wise overrides of the config). */
const optionalInputs: Record<LossFnName, readonly string[]> = {
  cross_entropy: [],
  importance_sampling: [],
  ppo: ["clip_low_threshold", "clip_high_threshold"],
  cispo: ["clip_low_threshold", "clip_high_threshold"],
  dro: [],
};

/** `loss_fn_config` keys and defaults (§2.4–2.6; DRO's beta default is EMU-CHOICE 0.05). */
const configDefaults: Record<LossFnName, Readonly<Record<string, number>>> = {
  cross_entropy: {},
  importance_sampling: {},
  ppo: { clip_low_threshold: 0.8, clip_high_threshold: 1.2 },
  cispo: { clip_low_threshold: 0.0, clip_high_threshold: 4.0 },
  dro: { beta: 0.05 },
};

/** Losses that accept (N, K) targets (§1.2). */
const multiTarget = new Set<LossFnName>(["cross_entropy", "importance_sampling"]);

/**
 * Checks a loss name.
 * @throws InvalidInputError naming the loss and the supported ones; the 0.38.0 losses `gspo`,
 *   `stable_reinforce` and `custom` get a message saying they are not implemented here.
 */
export function checkLossFn(name: string): LossFnName {
  if ((LOSS_FN_NAMES as readonly string[]).includes(name)) return name as LossFnName;
  const supported = LOSS_FN_NAMES.join(", ");
  const reason = newerLosses.has(name)
    ? `'${name}' (added in Python SDK 0.38.0) is not implemented by the tiny backend`
    : `'${name}' is not a built-in loss`;
  throw new InvalidInputError(`Unsupported loss_fn: ${reason}; use one of ${supported}.`, {
    path: "loss_fn",
  });
}

/**
 * The effective config of a loss: defaults overridden by `config`.
 * @throws InvalidInputError for a key the loss does not take or a non-finite value.
 */
export function resolveLossConfig(
  lossFn: LossFnName,
  config: Readonly<Record<string, number>> | undefined,
): Record<string, number> {
  const resolved = { ...configDefaults[lossFn] };
  for (const [key, value] of Object.entries(config ?? {})) {
    if (!(key in resolved)) {
      const accepted = Object.keys(resolved);
      throw new InvalidInputError(
        `loss_fn_config has key '${key}', which ${lossFn} does not take` +
          (accepted.length ? ` (it takes ${accepted.join(", ")}).` : " (it takes no config)."),
        { path: `loss_fn_config.${key}` },
      );
    }
    if (!Number.isFinite(value)) {
      throw new InvalidInputError(`loss_fn_config.${key} must be a finite number, got ${value}.`, {
        path: `loss_fn_config.${key}`,
      });
    }
    resolved[key] = value;
  }
  return resolved;
}

/** One datum, checked and densified: token ids, targets (N × K) and float inputs (N × K). */
export interface PreparedDatum {
  /** `model_input` token ids, length N. */
  tokens: Int32Array;
  /** Targets per position, row-major (N × K). */
  targets: Int32Array;
  /** Targets per position: 1 for shape (N,), K for shape (N, K). */
  k: number;
  /** Shape of `target_tokens`, repeated on the outputs. */
  shape: number[];
  /** Float inputs (`weights`, `advantages`, `logprobs`, clip thresholds) densified to (N × K). */
  inputs: Record<string, Float64Array>;
}

/**
 * Checks datum `index` for `lossFn` and densifies it (CSR inputs are expanded with 0 as the pad).
 * @throws InvalidInputError (with `path` `data[i]…`) for: a missing or extra key (naming it), a
 *   token chunk that is not text, a sequence over `maxSequenceLength` (the service's message,
 *   §1.7), an empty input, shapes that do not line up, (N, K) targets for a loss that takes (N,),
 *   or token ids outside [0, vocabSize).
 */
export function prepareDatum(
  datum: Datum,
  index: number,
  lossFn: LossFnName,
  vocabSize: number,
  maxSequenceLength: number,
): PreparedDatum {
  const at = `data[${index}]`;
  const tokens = modelInputTokens(datum.model_input, `${at}.model_input`);
  const n = tokens.length;
  if (n > maxSequenceLength) {
    throw new InvalidInputError(
      `sequence length ${n} exceeds max sequence length ${maxSequenceLength} for field target_tokens[${index}]`,
      { path: `${at}.loss_fn_inputs.target_tokens` },
    );
  }
  if (n === 0) throw new InvalidInputError(`${at}.model_input is empty.`, { path: `${at}.model_input` });
  checkTokens(tokens, vocabSize, `${at}.model_input`);
  const given = datum.loss_fn_inputs;
  for (const key of requiredInputs[lossFn]) {
    if (!given[key]) {
      throw new InvalidInputError(`${at}.loss_fn_inputs is missing '${key}', required by ${lossFn}.`, {
        path: `${at}.loss_fn_inputs.${key}`,
      });
    }
  }
  const allowed = new Set([...requiredInputs[lossFn], ...optionalInputs[lossFn]]);
  for (const key of Object.keys(given)) {
    if (!allowed.has(key)) {
      throw new InvalidInputError(`${at}.loss_fn_inputs has key '${key}', which ${lossFn} does not take.`, {
        path: `${at}.loss_fn_inputs.${key}`,
      });
    }
  }
  const targetTensor = given["target_tokens"]!;
  const shape = targetTensor.shape ? [...targetTensor.shape] : [targetTensor.data.length];
  const targetPath = `${at}.loss_fn_inputs.target_tokens`;
  if (shape[0] !== n || shape.length > 2) {
    throw new InvalidInputError(
      `${targetPath} has shape (${shape.join(", ")}); expected (${n},) or (${n}, K) to match model_input.`,
      { path: targetPath },
    );
  }
  if (shape.length === 2 && !multiTarget.has(lossFn)) {
    throw new InvalidInputError(
      `${targetPath} must have shape (N,) for ${lossFn}; (N, K) is for cross_entropy and importance_sampling.`,
      {
        path: targetPath,
      },
    );
  }
  const k = shape[1] ?? 1;
  const targetValues = denseValues(targetTensor, shape, targetPath);
  const targets = Int32Array.from(targetValues);
  checkTokens(targets, vocabSize, targetPath);
  const inputs: Record<string, Float64Array> = {};
  for (const [key, tensor] of Object.entries(given)) {
    if (key === "target_tokens") continue;
    const path = `${at}.loss_fn_inputs.${key}`;
    const keyShape = tensor.shape ?? [tensor.data.length];
    if (keyShape.join(",") !== shape.join(",")) {
      throw new InvalidInputError(
        `${path} has shape (${keyShape.join(", ")}) but target_tokens has (${shape.join(", ")}).`,
        { path },
      );
    }
    inputs[key] = denseValues(tensor, shape, path);
  }
  return { tokens, targets, k, shape, inputs };
}

/** Token ids of a model input's text chunks. @throws InvalidInputError for other chunk types. */
export function modelInputTokens(input: ModelInput, path: string): Int32Array {
  let length = 0;
  for (const [i, chunk] of input.chunks.entries()) {
    if (chunk.type !== "encoded_text") {
      throw new InvalidInputError(
        `${path}.chunks[${i}] is a ${chunk.type} chunk; the tiny model reads text tokens only.`,
        { path: `${path}.chunks[${i}]` },
      );
    }
    length += chunk.tokens.length;
  }
  const tokens = new Int32Array(length);
  let offset = 0;
  for (const chunk of input.chunks) {
    if (chunk.type !== "encoded_text") continue;
    tokens.set(chunk.tokens, offset);
    offset += chunk.tokens.length;
  }
  return tokens;
}

/** @throws InvalidInputError for an id outside [0, vocabSize). */
export function checkTokens(tokens: Int32Array, vocabSize: number, path: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t < 0 || t >= vocabSize) {
      throw new InvalidInputError(`${path} holds token id ${t}, outside the vocabulary [0, ${vocabSize}).`, {
        path,
      });
    }
  }
}

/** Dense row-major values of a tensor of `shape` (CSR expanded with 0 for missing cells). */
function denseValues(tensor: TensorData, shape: number[], path: string): Float64Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(count);
  const values = tensor.data;
  const crow = tensor.sparse_crow_indices;
  const col = tensor.sparse_col_indices;
  if (crow && col) {
    const cols = shape[1] ?? 1;
    for (let row = 0; row + 1 < crow.length; row++) {
      for (let j = Number(crow[row]); j < Number(crow[row + 1]); j++) {
        out[row * cols + Number(col[j])] = Number(values[j]);
      }
    }
    return out;
  }
  if (values.length !== count) {
    throw new InvalidInputError(
      `${path} has ${values.length} values but shape (${shape.join(", ")}) needs ${count}.`,
      {
        path,
      },
    );
  }
  for (let i = 0; i < count; i++) out[i] = Number(values[i]);
  return out;
}

/**
 * Per-token terms of one loss over one datum. `evaluate(i, ℓ)` sets `loss` (the term inside the
 * sum, reported as `elementwise_loss`) and `grad` (∂loss/∂ℓ) for element i (row-major over N × K).
 */
export class LossTerms {
  /** Loss term of the last evaluated element. */
  loss = 0;
  /** Derivative of that term w.r.t. the learner logprob ℓ. */
  grad = 0;
  readonly #lossFn: LossFnName;
  readonly #inputs: Record<string, Float64Array>;
  readonly #config: Record<string, number>;

  constructor(lossFn: LossFnName, inputs: Record<string, Float64Array>, config: Record<string, number>) {
    this.#lossFn = lossFn;
    this.#inputs = inputs;
    this.#config = config;
  }

  /** Computes the term of element `i` whose learner logprob is `l`. */
  evaluate(i: number, l: number): void {
    if (this.#lossFn === "cross_entropy") {
      // §2.2: L = −Σ w·ℓ.
      const w = this.#value("weights", i);
      this.loss = -w * l;
      this.grad = -w;
      return;
    }
    const q = this.#value("logprobs", i);
    const adv = this.#value("advantages", i);
    const ratio = Math.exp(l - q);
    switch (this.#lossFn) {
      case "importance_sampling":
        // §2.3: L = −Σ r·A with r = exp(ℓ − q).
        this.loss = -ratio * adv;
        this.grad = -ratio * adv;
        return;
      case "ppo": {
        // §2.4: L = −Σ min(r·A, clip(r, lo, hi)·A), torch min/clamp gradients.
        const clipped = clamp(
          ratio,
          this.#threshold("clip_low_threshold", i),
          this.#threshold("clip_high_threshold", i),
        );
        const unclippedTerm = ratio * adv;
        const clippedTerm = clipped * adv;
        this.loss = -Math.min(unclippedTerm, clippedTerm);
        this.grad = unclippedTerm <= clippedTerm || clipped === ratio ? -adv * ratio : 0;
        return;
      }
      case "cispo": {
        // §2.5: L = −Σ sg(clip(r, lo, hi))·ℓ·A.
        const clipped = clamp(
          ratio,
          this.#threshold("clip_low_threshold", i),
          this.#threshold("clip_high_threshold", i),
        );
        this.loss = -clipped * l * adv;
        this.grad = -clipped * adv;
        return;
      }
      default: {
        // dro, §2.6: L = −Σ [ℓ·A − ½β(ℓ − q)²].
        const beta = this.#config["beta"]!;
        this.loss = -(l * adv - 0.5 * beta * (l - q) ** 2);
        this.grad = -adv + beta * (l - q);
      }
    }
  }

  /** Element i of a required input (present: `prepareDatum` checked it). */
  #value(key: string, i: number): number {
    return this.#inputs[key]?.[i] ?? Number.NaN;
  }

  /** A per-token threshold input when given (EMU-CHOICE §1.3), else the config value. */
  #threshold(key: string, i: number): number {
    const perToken = this.#inputs[key];
    return perToken ? perToken[i]! : this.#config[key]!;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
