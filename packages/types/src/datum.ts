import type { ModelInput } from "./model-input.js";
import type { TensorData } from "./tensor-data.js";

/**
 * One training example (tinker-wire-spec.md §4.3): the model input and the loss function's
 * per-token inputs, keyed by name (`target_tokens` int64; `weights`, `advantages`, `logprobs`,
 * `clip_low_threshold`, `clip_high_threshold` float32).
 */
export interface Datum {
  model_input: ModelInput;
  loss_fn_inputs: Record<string, TensorData>;
}
