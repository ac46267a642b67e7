import type { BaseLayer, BaseModel } from "./base-model.js";
import { TreeHead } from "./head.js";
import {
  axpy,
  dotRow,
  gemmNT,
  matVec,
  rmsNorm,
  rmsNormBackward,
  silu,
  siluGrad,
  transpose,
} from "./kernels.js";
import type { LayerLora, LoraAdapter, LoraModule } from "./lora.js";
import { allocate, type FloatArray } from "./tensor.js";

/** The linear layers of a block, in checkpoint order. */
const MODULE_NAMES = ["q", "k", "v", "o", "gate", "up", "down"] as const;

/**
 * The transformer of the tiny model (README.md, "Architecture"): token embedding, `numLayers`
 * pre-norm blocks (RMSNorm → multi-head causal attention with RoPE over a sliding window →
 * residual; RMSNorm → SwiGLU MLP → residual), a final RMSNorm and the tree head. Every linear
 * layer may carry a LoRA adapter.
 *
 * Positions are processed one at a time ({@link Network.step}), for training and sampling alike,
 * so that `forward`, `compute_logprobs` and sampling compute bit-identical numbers for the same
 * tokens (tinker-compute-semantics.md §7, consistency invariant).
 */

/** Per-block activations. `k` and `v` (the KV cache) hold every position; the rest one slot per recorded position. */
export interface LayerActivations {
  x: FloatArray;
  n1: FloatArray;
  inv1: Float64Array;
  q: FloatArray;
  k: FloatArray;
  v: FloatArray;
  lse: Float64Array;
  o: FloatArray;
  x2: FloatArray;
  n2: FloatArray;
  inv2: Float64Array;
  g: FloatArray;
  up: FloatArray;
  act: FloatArray;
}

/**
 * Activations of one sequence. With `recorded` every position keeps its activations (needed by
 * {@link Network.backward}); otherwise only the KV cache grows and the rest is one scratch slot,
 * which is what sampling needs.
 */
export interface Activations {
  readonly recorded: boolean;
  /** Positions the KV cache can hold before it must grow. */
  capacity: number;
  /** Positions computed so far. */
  length: number;
  layers: LayerActivations[];
  /** Final residual stream, (slots × d). */
  xf: FloatArray;
  /** Final normalized hidden state, the head's input, (slots × d). */
  hf: FloatArray;
  invF: Float64Array;
  /** `A_head · hf`, (slots × r); empty when the head has no adapter. */
  uh: FloatArray;
}

/** A base model with an optional adapter, ready to run. */
export class Network {
  readonly base: BaseModel;
  readonly adapter: LoraAdapter | undefined;
  readonly head: TreeHead;
  readonly #d: number;
  readonly #f: number;
  readonly #heads: number;
  readonly #hd: number;
  readonly #r: number;
  readonly #scale: number;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #invFreq: Float64Array;
  readonly #scores: Float64Array;
  /**
   * Effective weights of every block, `W + (α/r)·B·A` for adapted modules and `W` otherwise, merged
   * once per network: a position then costs one product per module instead of three.
   */
  readonly #weights: BaseLayer[];
  /** Transposes of {@link Network.#weights}, for the backward pass. */
  readonly #transposed: BaseLayer[];
  /**
   * Per adapted block module, the gradient w.r.t. its merged weight (out × in) summed over every
   * position backpropagated since the last {@link Network.flushAdapterGradients}.
   */
  readonly #mergedGradients = new Map<LoraModule, FloatArray>();

  /**
   * Merges the adapter into the block weights, so the network sees the adapter as it is now:
   * build a new one after the adapter's parameters change.
   */
  constructor(base: BaseModel, adapter: LoraAdapter | undefined) {
    this.base = base;
    this.adapter = adapter;
    const c = base.config;
    this.#d = c.hiddenSize;
    this.#f = c.intermediateSize;
    this.#heads = c.numHeads;
    this.#hd = c.hiddenSize / c.numHeads;
    this.#r = adapter?.rank ?? 0;
    this.#scale = adapter?.scale ?? 0;
    this.head = new TreeHead(base, adapter?.head, this.#scale);
    const half = this.#hd / 2;
    this.#invFreq = Float64Array.from({ length: half }, (_, i) => c.ropeTheta ** (-(2 * i) / this.#hd));
    this.#cos = new Float64Array(half);
    this.#sin = new Float64Array(half);
    this.#scores = new Float64Array(c.attentionWindow);
    this.#weights = base.layers.map((W, l) => {
      const lora = adapter?.layers[l] ?? {};
      const merged = {} as BaseLayer;
      for (const name of MODULE_NAMES) merged[name] = this.#merge(W[name], lora[name]);
      return merged;
    });
    const d = this.#d;
    const f = this.#f;
    const t = (W: FloatArray, rows: number, cols: number) =>
      transpose(W, rows, cols, allocate(base.dtype, W.length));
    this.#transposed = this.#weights.map((W) => ({
      q: t(W.q, d, d),
      k: t(W.k, d, d),
      v: t(W.v, d, d),
      o: t(W.o, d, d),
      gate: t(W.gate, f, d),
      up: t(W.up, f, d),
      down: t(W.down, d, f),
    }));
  }

  /** `W + scale · B·A` (out × in), or `W` itself without an adapter. */
  #merge(W: FloatArray, lora: LoraModule | undefined): FloatArray {
    if (!lora) return W;
    const r = this.#r;
    const { inFeatures, outFeatures } = lora;
    const merged = allocate(this.base.dtype, W.length);
    merged.set(W);
    // B·A = B · (Aᵀ)ᵀ: every element one contiguous dot product.
    const At = transpose(lora.A, r, inFeatures, allocate(this.base.dtype, lora.A.length));
    gemmNT(lora.B, At, merged, outFeatures, inFeatures, r, this.#scale);
    return merged;
  }

  /** Empty activations for up to `capacity` positions (the KV cache grows past it if needed). */
  createActivations(capacity: number, recorded: boolean): Activations {
    const slots = recorded ? capacity : 1;
    const { dtype } = this.base;
    const d = this.#d;
    const f = this.#f;
    const r = this.#r;
    const a = (n: number) => allocate(dtype, n);
    const layers = this.base.layers.map(
      (): LayerActivations => ({
        x: a(slots * d),
        n1: a(slots * d),
        inv1: new Float64Array(slots),
        q: a(slots * d),
        k: a(capacity * d),
        v: a(capacity * d),
        lse: new Float64Array(slots * this.#heads),
        o: a(slots * d),
        x2: a(slots * d),
        n2: a(slots * d),
        inv2: new Float64Array(slots),
        g: a(slots * f),
        up: a(slots * f),
        act: a(slots * f),
      }),
    );
    return {
      recorded,
      capacity,
      length: 0,
      layers,
      xf: a(slots * d),
      hf: a(slots * d),
      invF: new Float64Array(slots),
      uh: a(slots * r),
    };
  }

  /**
   * A copy of unrecorded activations' first `length` positions of KV cache, with room for
   * `capacity` positions: one prompt prefill shared by several samples.
   */
  forkActivations(source: Activations, capacity: number): Activations {
    const copy = this.createActivations(Math.max(capacity, source.length), false);
    source.layers.forEach((layer, l) => {
      const target = copy.layers[l]!;
      target.k.set(layer.k.subarray(0, source.length * this.#d));
      target.v.set(layer.v.subarray(0, source.length * this.#d));
    });
    copy.hf.set(source.hf.subarray(0, this.#d));
    copy.uh.set(source.uh.subarray(0, this.#r));
    copy.length = source.length;
    return copy;
  }

  /** Offset of position `pos`'s slot in per-slot arrays. */
  slot(acts: Activations, pos: number): number {
    return acts.recorded ? pos : 0;
  }

  /**
   * Runs position `acts.length` with input `token`: appends its keys and values to the cache and
   * leaves the head input at slot {@link Network.slot} of `acts.hf` (and `acts.uh`).
   */
  step(acts: Activations, token: number): void {
    const pos = acts.length;
    if (pos >= acts.capacity) this.#grow(acts, Math.max(2 * acts.capacity, pos + 1));
    const s = this.slot(acts, pos);
    const d = this.#d;
    const f = this.#f;
    const r = this.#r;
    const base = this.base;
    this.#ropeTables(pos);
    acts.layers[0]!.x.set(base.embed.subarray(token * d, (token + 1) * d), s * d);
    for (let l = 0; l < base.layers.length; l++) {
      const A = acts.layers[l]!;
      const W = this.#weights[l]!;
      A.inv1[s] = rmsNorm(A.x, s * d, A.n1, s * d, d);
      matVec(W.q, A.n1, s * d, A.q, s * d, d, d);
      matVec(W.k, A.n1, s * d, A.k, pos * d, d, d);
      matVec(W.v, A.n1, s * d, A.v, pos * d, d, d);
      this.#rope(A.q, s * d, 1);
      this.#rope(A.k, pos * d, 1);
      this.#attend(A, pos, s);
      matVec(W.o, A.o, s * d, A.x2, s * d, d, d);
      axpy(1, A.x, s * d, A.x2, s * d, d);
      A.inv2[s] = rmsNorm(A.x2, s * d, A.n2, s * d, d);
      matVec(W.gate, A.n2, s * d, A.g, s * f, f, d);
      matVec(W.up, A.n2, s * d, A.up, s * f, f, d);
      for (let j = 0; j < f; j++) A.act[s * f + j] = silu(A.g[s * f + j]!) * A.up[s * f + j]!;
      const out = l + 1 < base.layers.length ? acts.layers[l + 1]!.x : acts.xf;
      matVec(W.down, A.act, s * f, out, s * d, d, f);
      axpy(1, A.x2, s * d, out, s * d, d);
    }
    acts.invF[s] = rmsNorm(acts.xf, s * d, acts.hf, s * d, d);
    const headLora = this.adapter?.head;
    if (headLora) matVec(headLora.A, acts.hf, s * d, acts.uh, s * r, r, d);
    acts.length = pos + 1;
  }

  /**
   * Backpropagates through every recorded position: given `dHf` (T × d), the gradient of the loss
   * w.r.t. the head input, and `dUh` (T × r), w.r.t. `A_head · hf`, adds the head adapter's
   * gradients to its `gradA` / `gradB` and the block adapters' to this network's merged-weight
   * gradients, which {@link Network.flushAdapterGradients} turns into factor gradients. Both
   * inputs are consumed (overwritten). Works block by block over all positions at once, so that
   * every product is a run of contiguous dot products ({@link gemmNT}).
   */
  backward(acts: Activations, dHf: FloatArray, dUh: FloatArray): void {
    const T = acts.length;
    const d = this.#d;
    const f = this.#f;
    const r = this.#r;
    const { dtype } = this.base;
    const headLora = this.adapter?.head;
    if (headLora) {
      // gradA_head += dUhᵀ · hf; dHf += dUh · A_head.
      gemmNT(
        transpose(dUh, T, r, allocate(dtype, r * T)),
        transpose(acts.hf, T, d, allocate(dtype, d * T)),
        headLora.gradA!,
        r,
        d,
        T,
        1,
      );
      gemmNT(dUh, transpose(headLora.A, r, d, allocate(dtype, d * r)), dHf, T, d, r, 1);
    }
    let dX = allocate(dtype, T * d);
    for (let pos = 0; pos < T; pos++) {
      rmsNormBackward(acts.hf, pos * d, acts.invF[pos]!, dHf, pos * d, dX, pos * d, d);
    }
    for (let l = this.base.layers.length - 1; l >= 0; l--) {
      const A = acts.layers[l]!;
      const W = this.#transposed[l]!;
      const lora = this.adapter?.layers[l] ?? {};
      const dAct = allocate(dtype, T * f);
      this.#linearBackward(W.down, lora.down, A.act, dX, dAct, T, f, d);
      const dG = allocate(dtype, T * f);
      const dUp = allocate(dtype, T * f);
      for (let i = 0; i < T * f; i++) {
        const g = A.g[i]!;
        dG[i] = dAct[i]! * A.up[i]! * siluGrad(g);
        dUp[i] = dAct[i]! * silu(g);
      }
      const dN2 = allocate(dtype, T * d);
      this.#linearBackward(W.gate, lora.gate, A.n2, dG, dN2, T, d, f);
      this.#linearBackward(W.up, lora.up, A.n2, dUp, dN2, T, d, f);
      const dX2 = dX;
      for (let pos = 0; pos < T; pos++) {
        rmsNormBackward(A.n2, pos * d, A.inv2[pos]!, dN2, pos * d, dX2, pos * d, d);
      }
      dX = this.#attentionBackward(A, W, lora, dX2, T);
    }
  }

  /** Backward of one block's attention half: returns the gradient w.r.t. the block input. */
  #attentionBackward(
    A: LayerActivations,
    W: BaseLayer,
    lora: LayerLora,
    dX2: FloatArray,
    T: number,
  ): FloatArray {
    const d = this.#d;
    const H = this.#heads;
    const hd = this.#hd;
    const { dtype } = this.base;
    const window = this.base.config.attentionWindow;
    const inv = 1 / Math.sqrt(hd);
    const dO = allocate(dtype, T * d);
    const dQ = allocate(dtype, T * d);
    const dK = allocate(dtype, T * d);
    const dV = allocate(dtype, T * d);
    this.#linearBackward(W.o, lora.o, A.o, dX2, dO, T, d, d);
    for (let pos = 0; pos < T; pos++) {
      const start = Math.max(0, pos - window + 1);
      for (let h = 0; h < H; h++) {
        const qo = pos * d + h * hd;
        const lse = A.lse[pos * H + h]!;
        const D = dotRow(dO, qo, A.o, qo, hd);
        for (let j = start; j <= pos; j++) {
          const ko = j * d + h * hd;
          const p = Math.exp(dotRow(A.q, qo, A.k, ko, hd) * inv - lse);
          const ds = p * (dotRow(dO, qo, A.v, ko, hd) - D) * inv;
          axpy(ds, A.k, ko, dQ, qo, hd);
          axpy(ds, A.q, qo, dK, ko, hd);
          axpy(p, dO, qo, dV, ko, hd);
        }
      }
    }
    for (let pos = 0; pos < T; pos++) {
      this.#ropeTables(pos);
      this.#rope(dQ, pos * d, -1);
      this.#rope(dK, pos * d, -1);
    }
    const dN1 = allocate(dtype, T * d);
    this.#linearBackward(W.q, lora.q, A.n1, dQ, dN1, T, d, d);
    this.#linearBackward(W.k, lora.k, A.n1, dK, dN1, T, d, d);
    this.#linearBackward(W.v, lora.v, A.n1, dV, dN1, T, d, d);
    const dX = dX2;
    for (let pos = 0; pos < T; pos++) {
      rmsNormBackward(A.n1, pos * d, A.inv1[pos]!, dN1, pos * d, dX, pos * d, d);
    }
    return dX;
  }

  /**
   * Input gradient of a merged linear layer `y = M x`, `M = W + scale·B·A`, over T positions:
   * given the inputs X (T × in) and dY (T × out), adds dY·M to dX (T × in) and, for an adapted
   * module, `dYᵀ·X` (the gradient w.r.t. M) to its merged-weight gradient. `Mt` is Mᵀ (in × out).
   */
  #linearBackward(
    Mt: FloatArray,
    lora: LoraModule | undefined,
    X: FloatArray,
    dY: FloatArray,
    dX: FloatArray,
    T: number,
    inF: number,
    outF: number,
  ): void {
    gemmNT(dY, Mt, dX, T, inF, outF, 1);
    if (!lora) return;
    const { dtype } = this.base;
    let G = this.#mergedGradients.get(lora);
    if (!G) {
      G = allocate(dtype, outF * inF);
      this.#mergedGradients.set(lora, G);
    }
    gemmNT(
      transpose(dY, T, outF, allocate(dtype, outF * T)),
      transpose(X, T, inF, allocate(dtype, inF * T)),
      G,
      outF,
      inF,
      T,
      1,
    );
  }

  /**
   * Adds the block adapters' factor gradients, `scale·G·Aᵀ` to `gradB` and `scale·Bᵀ·G` to `gradA`
   * for each merged-weight gradient G accumulated by {@link Network.backward}, then forgets them.
   * Done once per request rather than per sequence, because its cost does not depend on length.
   */
  flushAdapterGradients(): void {
    const r = this.#r;
    const { dtype } = this.base;
    for (const [lora, G] of this.#mergedGradients) {
      const { inFeatures: inF, outFeatures: outF } = lora;
      gemmNT(G, lora.A, lora.gradB!, outF, r, inF, this.#scale);
      gemmNT(
        transpose(lora.B, outF, r, allocate(dtype, r * outF)),
        transpose(G, outF, inF, allocate(dtype, inF * outF)),
        lora.gradA!,
        r,
        inF,
        outF,
        this.#scale,
      );
    }
    this.#mergedGradients.clear();
  }

  /** Causal attention of position `pos` over its window, all heads; writes `o` and `lse` at slot `s`. */
  #attend(A: LayerActivations, pos: number, s: number): void {
    const d = this.#d;
    const H = this.#heads;
    const hd = this.#hd;
    const inv = 1 / Math.sqrt(hd);
    const start = Math.max(0, pos - this.base.config.attentionWindow + 1);
    const scores = this.#scores;
    for (let h = 0; h < H; h++) {
      const qo = s * d + h * hd;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = start; j <= pos; j++) {
        const z = dotRow(A.q, qo, A.k, j * d + h * hd, hd) * inv;
        scores[j - start] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let j = start; j <= pos; j++) {
        const e = Math.exp(scores[j - start]! - max);
        scores[j - start] = e;
        sum += e;
      }
      A.lse[s * H + h] = max + Math.log(sum);
      A.o.fill(0, qo, qo + hd);
      for (let j = start; j <= pos; j++) axpy(scores[j - start]! / sum, A.v, j * d + h * hd, A.o, qo, hd);
    }
  }

  /** cos/sin of `pos · invFreq` for the RoPE rotations of one position. */
  #ropeTables(pos: number): void {
    for (let i = 0; i < this.#invFreq.length; i++) {
      const angle = pos * this.#invFreq[i]!;
      this.#cos[i] = Math.cos(angle);
      this.#sin[i] = Math.sin(angle);
    }
  }

  /** Rotates pairs (i, i + hd/2) of every head by the current angles; `direction` −1 undoes it. */
  #rope(x: FloatArray, xo: number, direction: 1 | -1): void {
    const hd = this.#hd;
    const half = hd / 2;
    for (let h = 0; h < this.#heads; h++) {
      const o = xo + h * hd;
      for (let i = 0; i < half; i++) {
        const c = this.#cos[i]!;
        const sn = direction * this.#sin[i]!;
        const a = x[o + i]!;
        const b = x[o + i + half]!;
        x[o + i] = a * c - b * sn;
        x[o + i + half] = a * sn + b * c;
      }
    }
  }

  /** Enlarges the KV cache of unrecorded activations to `capacity` positions. */
  #grow(acts: Activations, capacity: number): void {
    if (acts.recorded) throw new Error("recorded activations are sized for their sequence and cannot grow");
    for (const layer of acts.layers) {
      const k = allocate(this.base.dtype, capacity * this.#d);
      const v = allocate(this.base.dtype, capacity * this.#d);
      k.set(layer.k);
      v.set(layer.v);
      layer.k = k;
      layer.v = v;
    }
    acts.capacity = capacity;
  }
}
