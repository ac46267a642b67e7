import type { BaseModel } from "./base-model.js";
import type { HeadTree } from "./head-tree.js";
import { dotRow } from "./kernels.js";
import type { LoraModule } from "./lora.js";
import type { Rng } from "./random.js";
import type { FloatArray } from "./tensor.js";

/**
 * The tree softmax head (README.md, "Output distribution"): the probability of token t is the
 * product, over the levels of {@link HeadTree}, of a softmax over the children of the node on
 * t's path. Each child's logit is one row of the head matrix applied to the final hidden state
 * `h` (d), plus the LoRA term `scale · B[row] · u` with `u = A h` (r) when the head is adapted.
 *
 * Methods take the hidden state and `u` as (array, offset) pairs so that they read activations in
 * place. Log-probabilities are JavaScript doubles.
 */
export class TreeHead {
  readonly #tree: HeadTree;
  readonly #weights: FloatArray;
  readonly #lora: LoraModule | undefined;
  readonly #scale: number;
  readonly #d: number;
  readonly #r: number;
  /** Per level: softmax probabilities of the children of the node last scored by `logprob`. */
  readonly #probs: Float64Array[];
  readonly #counts: Int32Array;
  readonly #logits: Float64Array;

  constructor(base: BaseModel, lora: LoraModule | undefined, scale: number) {
    this.#tree = base.tree;
    this.#weights = base.head;
    this.#lora = lora;
    this.#scale = scale;
    this.#d = base.config.hiddenSize;
    this.#r = lora ? lora.A.length / this.#d : 0;
    const widest = Math.max(...base.tree.branching);
    this.#probs = base.tree.branching.map(() => new Float64Array(widest));
    this.#counts = new Int32Array(base.tree.levels);
    this.#logits = new Float64Array(widest);
  }

  /** Logits of the valid children of node (`level`, `prefix`) into `out`; returns their count. */
  nodeLogits(
    level: number,
    prefix: number,
    h: FloatArray,
    ho: number,
    u: FloatArray | undefined,
    uo: number,
    out: Float64Array,
  ): number {
    const count = this.#tree.validChildren(level, prefix);
    const first = this.#tree.firstChildRow(level, prefix);
    const d = this.#d;
    const r = this.#r;
    const B = this.#lora?.B;
    for (let c = 0; c < count; c++) {
      const row = first + c;
      let z = dotRow(this.#weights, row * d, h, ho, d);
      if (B && u) z += this.#scale * dotRow(B, row * r, u, uo, r);
      out[c] = z;
    }
    return count;
  }

  /**
   * log p(token | h), keeping each level's child probabilities for a following
   * {@link TreeHead.backward} of the same token.
   */
  logprob(token: number, h: FloatArray, ho: number, u: FloatArray | undefined, uo: number): number {
    const tree = this.#tree;
    let total = 0;
    for (let level = 0; level < tree.levels; level++) {
      const probs = this.#probs[level]!;
      const count = this.nodeLogits(level, tree.prefixOf(token, level), h, ho, u, uo, probs);
      const logit = probs[tree.digitOf(token, level)]!;
      total += logit - softmaxInPlace(probs, count);
      this.#counts[level] = count;
    }
    return total;
  }

  /**
   * Adds `dl · ∂ log p(token | h) / ∂(h, u, B)` to `dh` (d, at `dho`), `du` (r, at `duo`) and the
   * head adapter's `gradB`, for the hidden state last scored: must follow `logprob(token, …)`,
   * whose child probabilities it reuses.
   */
  backward(
    token: number,
    dl: number,
    u: FloatArray | undefined,
    uo: number,
    dh: FloatArray,
    dho: number,
    du: FloatArray | undefined,
    duo: number,
  ): void {
    const tree = this.#tree;
    const d = this.#d;
    const r = this.#r;
    const lora = this.#lora;
    const scale = this.#scale;
    for (let level = 0; level < tree.levels; level++) {
      const probs = this.#probs[level]!;
      const count = this.#counts[level]!;
      const digit = tree.digitOf(token, level);
      const first = tree.firstChildRow(level, tree.prefixOf(token, level));
      for (let c = 0; c < count; c++) {
        const dz = dl * ((c === digit ? 1 : 0) - probs[c]!);
        if (dz === 0) continue;
        const row = first + c;
        const w = this.#weights;
        const wo = row * d;
        for (let j = 0; j < d; j++) dh[dho + j] = dh[dho + j]! + dz * w[wo + j]!;
        if (lora && u && du) {
          const B = lora.B;
          const gB = lora.gradB!;
          const bo = row * r;
          const g = dz * scale;
          for (let j = 0; j < r; j++) {
            du[duo + j] = du[duo + j]! + g * B[bo + j]!;
            gB[bo + j] = gB[bo + j]! + g * u[uo + j]!;
          }
        }
      }
    }
  }

  /** Draws a token from p(· | h) level by level (exact ancestral sampling at temperature 1). */
  sample(h: FloatArray, ho: number, u: FloatArray | undefined, uo: number, rng: Rng): number {
    const tree = this.#tree;
    let prefix = 0;
    for (let level = 0; level < tree.levels; level++) {
      const probs = this.#probs[level]!;
      const count = this.nodeLogits(level, prefix, h, ho, u, uo, probs);
      softmaxInPlace(probs, count);
      let x = rng.next();
      let chosen = count - 1;
      for (let c = 0; c < count; c++) {
        x -= probs[c]!;
        if (x < 0) {
          chosen = c;
          break;
        }
      }
      prefix = prefix * tree.branching[level]! + chosen;
    }
    return prefix;
  }

  /** log p(t | h) for every token t into `out` (length ≥ vocabSize). Cost: every head row. */
  fullLogprobs(h: FloatArray, ho: number, u: FloatArray | undefined, uo: number, out: Float64Array): void {
    const tree = this.#tree;
    let parent: Float64Array = new Float64Array(1);
    for (let level = 0; level < tree.levels; level++) {
      const b = tree.branching[level]!;
      const last = level === tree.levels - 1;
      const child = last ? out : new Float64Array(parent.length * b);
      for (let p = 0; p < parent.length; p++) {
        const count = tree.validChildren(level, p);
        if (count === 0) break;
        const logits = this.#logits;
        this.nodeLogits(level, p, h, ho, u, uo, logits);
        const lse = logSumExp(logits, count);
        for (let c = 0; c < count; c++) child[p * b + c] = parent[p]! + (logits[c]! - lse);
      }
      parent = child;
    }
  }

  /**
   * Tokens in order of decreasing probability, with their log-probabilities, found by best-first
   * search over the tree: a node's log-probability bounds every leaf below it, so a leaf is
   * emitted once no open node can beat it. Exact; cost grows with how flat the distribution is.
   * The iterator stops after `limit` tokens or once `massLimit` of probability has been emitted.
   */
  *bestFirst(
    h: FloatArray,
    ho: number,
    u: FloatArray | undefined,
    uo: number,
    limit: number,
    massLimit = Number.POSITIVE_INFINITY,
  ): Generator<[token: number, logprob: number]> {
    const tree = this.#tree;
    const heap = new MaxHeap();
    heap.push(0, 0, 0);
    let emitted = 0;
    let mass = 0;
    const logits = new Float64Array(this.#logits.length);
    while (heap.size > 0 && emitted < limit && mass < massLimit) {
      const [lp, level, prefix] = heap.pop();
      if (level === tree.levels) {
        emitted++;
        mass += Math.exp(lp);
        yield [prefix, lp];
        continue;
      }
      const count = this.nodeLogits(level, prefix, h, ho, u, uo, logits);
      const lse = logSumExp(logits, count);
      const b = tree.branching[level]!;
      for (let c = 0; c < count; c++) heap.push(lp + (logits[c]! - lse), level + 1, prefix * b + c);
    }
  }
}

/** In-place softmax of the first n values; returns their log-sum-exp. */
export function softmaxInPlace(values: Float64Array, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(values[i]! - max);
    values[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) values[i] = values[i]! / sum;
  return max + Math.log(sum);
}

/** log Σ exp of the first n values. */
export function logSumExp(values: Float64Array, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}

/** A binary max-heap of (key, level, prefix) entries. */
class MaxHeap {
  #keys: number[] = [];
  #levels: number[] = [];
  #prefixes: number[] = [];

  get size(): number {
    return this.#keys.length;
  }

  push(key: number, level: number, prefix: number): void {
    const keys = this.#keys;
    let i = keys.length;
    keys.push(key);
    this.#levels.push(level);
    this.#prefixes.push(prefix);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! >= key) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): [key: number, level: number, prefix: number] {
    const top: [number, number, number] = [this.#keys[0]!, this.#levels[0]!, this.#prefixes[0]!];
    const last = this.#keys.length - 1;
    this.#swap(0, last);
    this.#keys.pop();
    this.#levels.pop();
    this.#prefixes.pop();
    const keys = this.#keys;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < keys.length && keys[left]! > keys[largest]!) largest = left;
      if (right < keys.length && keys[right]! > keys[largest]!) largest = right;
      if (largest === i) break;
      this.#swap(i, largest);
      i = largest;
    }
    return top;
  }

  #swap(a: number, b: number): void {
    const k = this.#keys;
    const l = this.#levels;
    const p = this.#prefixes;
    [k[a], k[b]] = [k[b]!, k[a]!];
    [l[a], l[b]] = [l[b]!, l[a]!];
    [p[a], p[b]] = [p[b]!, p[a]!];
  }
}
