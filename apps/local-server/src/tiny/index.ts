/**
 * The tiny backend's compute core: a small real causal language model with LoRA adapters, the
 * built-in losses, AdamW and sampling (tinker-compute-semantics.md §1–§8). See README.md in this
 * folder for the model and its cost.
 */
export {
  type AdamParams,
  type AdamState,
  adamwStep,
  createAdamState,
  DEFAULT_ADAM_PARAMS,
  globalGradNorm,
} from "./adamw.js";
export {
  createTinyBackend,
  type TinyBackendOptions,
  type TinyDecoder,
  type TinyTokenizerInfo,
} from "./backend.js";
export { type BaseModel, createBaseModel } from "./base-model.js";
export {
  adapterFiles,
  type CheckpointFile,
  type CheckpointKind,
  loadCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
} from "./checkpoint.js";
export {
  DEFAULT_MAX_SEQUENCE_LENGTH,
  LLAMA3_VOCAB_SIZE,
  LORA_ALPHA,
  QWEN3_VOCAB_SIZE,
  type TinyModelConfig,
  tinyModelConfig,
  vocabSizeForBaseModel,
} from "./config.js";
export { type LoraAdapter, type LoraOptions, type LoraTargets, targetModuleNames } from "./lora.js";
export { checkLossFn, LOSS_FN_NAMES, LOSS_OUTPUT_TYPES, type LossFnName } from "./losses.js";
export { Network } from "./network.js";
export {
  type TinyPromptScores,
  type TinySampleOptions,
  type TinySampleResult,
  TinySampler,
} from "./sampler.js";
export type { Dtype, FloatArray } from "./tensor.js";
export { TinyTrainingModel, type TinyTrainingModelOptions } from "./training-model.js";
