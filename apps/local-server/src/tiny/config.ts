import { InvalidInputError } from "@tinker-ts/types";

/**
 * Shape of the tiny causal language model (see README.md in this folder for the architecture and
 * its cost). All sizes are counts of elements; lengths are in tokens.
 */
export interface TinyModelConfig {
  /** Number of token ids the model assigns probability to (the tokenizer's vocabulary). */
  vocabSize: number;
  /** Width d of the residual stream. */
  hiddenSize: number;
  /** Number of transformer blocks. */
  numLayers: number;
  /** Attention heads per block; `hiddenSize / numHeads` must be an even integer (RoPE pairs). */
  numHeads: number;
  /** Width of the SwiGLU MLP (gate_proj and up_proj outputs). */
  intermediateSize: number;
  /** Sliding attention window: position i attends to positions (i - window, i]. */
  attentionWindow: number;
  /** Longest sequence accepted by training and sampling (prompt plus generated tokens). */
  maxSequenceLength: number;
  /** Branching factor of each level of the tree softmax head, root first; product ≥ vocabSize. */
  headBranching: readonly number[];
  /** RoPE base frequency. */
  ropeTheta: number;
  /** Standard deviation of the base head's logits at each tree level. */
  logitScale: number;
}

/** Vocabulary of the Qwen3 tokenizer (151,643 BPE tokens plus 26 added special tokens). */
export const QWEN3_VOCAB_SIZE = 151_669;
/** Vocabulary of the Llama 3 tokenizer. */
export const LLAMA3_VOCAB_SIZE = 128_256;
/** Longest training sequence of the real service (tinker-compute-semantics.md §1.7). */
export const DEFAULT_MAX_SEQUENCE_LENGTH = 32_768;
/** `lora_alpha` of every adapter; the LoRA update is scaled by `LORA_ALPHA / rank` (PEFT). */
export const LORA_ALPHA = 32;

/**
 * The vocabulary size of a base model's tokenizer family, from its name: Qwen models use the
 * Qwen3 tokenizer, Llama models the Llama 3 one.
 * @throws InvalidInputError for a name of neither family.
 */
export function vocabSizeForBaseModel(baseModel: string): number {
  const name = baseModel.toLowerCase();
  if (name.includes("qwen")) return QWEN3_VOCAB_SIZE;
  if (name.includes("llama")) return LLAMA3_VOCAB_SIZE;
  throw new InvalidInputError(
    `The tiny model has no tokenizer family for base model '${baseModel}'; use a Qwen or Llama model name.`,
    { path: "base_model" },
  );
}

/**
 * Branching factors of a `levels`-deep tree over `vocabSize` leaves, as even as possible: every
 * level below the root has ceil(vocabSize^(1/levels)) children, the root as many as needed.
 */
export function balancedBranching(vocabSize: number, levels: number): number[] {
  const lower = Math.max(2, Math.ceil(vocabSize ** (1 / levels) - 1e-9));
  const branching = new Array<number>(levels).fill(lower);
  const below = lower ** (levels - 1);
  branching[0] = Math.max(2, Math.ceil(vocabSize / below));
  return branching;
}

/**
 * A full configuration for a vocabulary, with the defaults used by the server (d = 32, 2 blocks,
 * 2 heads, MLP width 64, window 512, a 3-level tree head) unless overridden.
 * @throws InvalidInputError when the sizes are inconsistent.
 */
export function tinyModelConfig(
  vocabSize: number,
  overrides: Partial<TinyModelConfig> = {},
): TinyModelConfig {
  const config: TinyModelConfig = {
    vocabSize,
    hiddenSize: 32,
    numLayers: 2,
    numHeads: 2,
    intermediateSize: 64,
    attentionWindow: 512,
    maxSequenceLength: DEFAULT_MAX_SEQUENCE_LENGTH,
    headBranching: balancedBranching(vocabSize, 3),
    ropeTheta: 10_000,
    logitScale: 1,
    ...overrides,
  };
  const headDim = config.hiddenSize / config.numHeads;
  const problems: string[] = [];
  if (!Number.isInteger(vocabSize) || vocabSize < 2) problems.push("vocabSize must be an integer ≥ 2");
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    problems.push("hiddenSize / numHeads must be an even integer");
  }
  if (config.headBranching.reduce((a, b) => a * b, 1) < vocabSize) {
    problems.push("the product of headBranching must be at least vocabSize");
  }
  if (config.attentionWindow < 1 || config.numLayers < 1 || config.intermediateSize < 1) {
    problems.push("attentionWindow, numLayers and intermediateSize must be positive");
  }
  if (problems.length > 0) {
    throw new InvalidInputError(`Invalid tiny model configuration: ${problems.join("; ")}.`);
  }
  return config;
}
