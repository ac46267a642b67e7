import type { TinyModelConfig } from "./config.js";
import { HeadTree } from "./head-tree.js";
import { createRng, fillUniform } from "./random.js";
import { allocate, type Dtype, type FloatArray } from "./tensor.js";

/** Fixed weights of one transformer block, each (out × in) row-major. */
export interface BaseLayer {
  /** (d × d) */
  q: FloatArray;
  /** (d × d) */
  k: FloatArray;
  /** (d × d) */
  v: FloatArray;
  /** (d × d) */
  o: FloatArray;
  /** (f × d) */
  gate: FloatArray;
  /** (f × d) */
  up: FloatArray;
  /** (d × f) */
  down: FloatArray;
}

/**
 * The frozen base model of one base-model name. Its weights are a pure function of the name, the
 * configuration and the dtype: the same name gives the same model in every process, so adapters
 * saved by one server load into another (tinker-compute-semantics.md §8).
 */
export interface BaseModel {
  /** Base model name, for example `Qwen/Qwen3-8B`. */
  readonly name: string;
  readonly config: TinyModelConfig;
  readonly dtype: Dtype;
  /** Layout of the tree softmax head. */
  readonly tree: HeadTree;
  /** Token embeddings, (vocabSize × d). */
  readonly embed: FloatArray;
  readonly layers: readonly BaseLayer[];
  /** Tree head rows, (tree.rows × d): one logit per row, see {@link HeadTree}. */
  readonly head: FloatArray;
}

/**
 * Builds the base model of `name`: uniform weights with standard deviation 1 for embeddings,
 * 1/√in for projections (so activations keep unit scale) and `logitScale`/√d for the head (so each
 * tree level's logits have standard deviation `logitScale`). Cost: one pass of a PRNG over
 * (vocabSize + tree.rows) · d + layers · (4d² + 3df) values, about 0.2 s for the Qwen3 vocabulary.
 */
export function createBaseModel(name: string, config: TinyModelConfig, dtype: Dtype): BaseModel {
  const rng = createRng(["tinker-local tiny base model", name]);
  const d = config.hiddenSize;
  const f = config.intermediateSize;
  const matrix = (rows: number, cols: number, std: number): FloatArray => {
    const out = allocate(dtype, rows * cols);
    fillUniform(out, std * Math.sqrt(3), rng);
    return out;
  };
  const tree = new HeadTree(config.vocabSize, config.headBranching);
  const embed = matrix(config.vocabSize, d, 1);
  const layers: BaseLayer[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    layers.push({
      q: matrix(d, d, 1 / Math.sqrt(d)),
      k: matrix(d, d, 1 / Math.sqrt(d)),
      v: matrix(d, d, 1 / Math.sqrt(d)),
      o: matrix(d, d, 1 / Math.sqrt(d)),
      gate: matrix(f, d, 1 / Math.sqrt(d)),
      up: matrix(f, d, 1 / Math.sqrt(d)),
      down: matrix(d, f, 1 / Math.sqrt(f)),
    });
  }
  const head = matrix(tree.rows, d, config.logitScale / Math.sqrt(d));
  return { name, config, dtype, tree, embed, layers, head };
}
