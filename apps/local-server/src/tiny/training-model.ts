import type { Datum, ForwardBackwardOutput, TensorData } from "@tinker-ts/types";
import { type AdamParams, type AdamState, adamwStep, createAdamState } from "./adamw.js";
import type { BaseModel } from "./base-model.js";
import {
  attachGradients,
  cloneAdapter,
  createLoraAdapter,
  type LoraAdapter,
  type LoraOptions,
} from "./lora.js";
import {
  checkLossFn,
  LOSS_OUTPUT_TYPES,
  type LossFnName,
  LossTerms,
  type PreparedDatum,
  prepareDatum,
  resolveLossConfig,
} from "./losses.js";
import { Network } from "./network.js";
import { allocate, type FloatArray } from "./tensor.js";

/** Options of {@link TinyTrainingModel}. */
export interface TinyTrainingModelOptions {
  /** LoRA settings (rank, seed, targets). */
  lora: LoraOptions;
  /**
   * Source of `clock_cycle:unique` values, called once per forward / forward_backward. Defaults to
   * a per-model counter 1, 2, 3, … (tinker-compute-semantics.md §11, EMU-CHOICE).
   */
  clock?: () => number;
}

/**
 * A LoRA training run on the tiny model: forward, forward_backward with gradient accumulation,
 * AdamW steps, and the state that checkpoints hold (tinker-compute-semantics.md §2, §3, §5).
 * Calls are synchronous and must not interleave (the server serializes them per model).
 */
export class TinyTrainingModel {
  readonly base: BaseModel;
  /** The trainable adapter (with gradient buffers). */
  adapter: LoraAdapter;
  /** Adam moments and step count; reset by `loadState` without the optimizer. */
  optimizer: AdamState;
  readonly #clock: () => number;

  /** @throws InvalidInputError for an invalid LoRA rank or an empty target selection. */
  constructor(base: BaseModel, options: TinyTrainingModelOptions) {
    this.base = base;
    let cycles = 0;
    this.#clock = options.clock ?? (() => ++cycles);
    this.adapter = createLoraAdapter(base, options.lora);
    attachGradients(this.adapter);
    this.optimizer = createAdamState(this.#parameters());
  }

  /**
   * `forward` (compute-semantics §3): per-datum `logprobs` and `elementwise_loss` (float32, shaped
   * like `target_tokens`), metrics `loss:sum` and `clock_cycle:unique`; gradients untouched.
   * @throws InvalidInputError for an unsupported loss, bad config or bad datum (see `prepareDatum`).
   */
  forward(
    data: readonly Datum[],
    lossFn: string,
    lossFnConfig?: Record<string, number>,
  ): ForwardBackwardOutput {
    return this.#run(data, lossFn, lossFnConfig, false);
  }

  /**
   * `forward_backward` (§2, §5.1): as {@link TinyTrainingModel.forward}, and adds the gradient of
   * the summed loss w.r.t. every adapter factor to the gradient buffers. All data are checked
   * before any gradient is added, so a rejected request leaves the buffers unchanged.
   */
  forwardBackward(
    data: readonly Datum[],
    lossFn: string,
    lossFnConfig?: Record<string, number>,
  ): ForwardBackwardOutput {
    return this.#run(data, lossFn, lossFnConfig, true);
  }

  /**
   * `optim_step` (§5.3): one AdamW step over the accumulated gradients, then zeroes them. Metrics
   * are `{}` without clipping and `{ "grad_norm:unique": <norm before clipping> }` with it (§5.4).
   */
  optimStep(params: AdamParams): { metrics: Record<string, number> } {
    const norm = adamwStep(this.#parameters(), this.#gradients(), this.optimizer, params);
    this.zeroGradients();
    return { metrics: norm === undefined ? {} : { "grad_norm:unique": norm } };
  }

  /** Clears the gradient buffers. */
  zeroGradients(): void {
    for (const g of this.#gradients()) g.fill(0);
  }

  /** A frozen copy of the current adapter, for a sampler snapshot (§6.4). */
  snapshotAdapter(): LoraAdapter {
    return cloneAdapter(this.base, this.adapter);
  }

  /**
   * Replaces the adapter (and, when `optimizer` is given, the Adam state; otherwise the state is
   * reset) and clears the gradients. The adapter must have this model's base model.
   */
  replaceState(adapter: LoraAdapter, optimizer: AdamState | undefined): void {
    attachGradients(adapter);
    this.adapter = adapter;
    this.optimizer = optimizer ?? createAdamState(this.#parameters());
  }

  /** Trainable tensors in checkpoint order: A then B of every module. */
  #parameters(): FloatArray[] {
    return this.adapter.modules.flatMap((m) => [m.A, m.B]);
  }

  #gradients(): FloatArray[] {
    return this.adapter.modules.flatMap((m) => [m.gradA!, m.gradB!]);
  }

  #run(
    data: readonly Datum[],
    lossFnName: string,
    lossFnConfig: Record<string, number> | undefined,
    backward: boolean,
  ): ForwardBackwardOutput {
    const lossFn = checkLossFn(lossFnName);
    const config = resolveLossConfig(lossFn, lossFnConfig);
    const { vocabSize, maxSequenceLength } = this.base.config;
    const prepared = data.map((datum, index) =>
      prepareDatum(datum, index, lossFn, vocabSize, maxSequenceLength),
    );
    // Built per call because it merges the adapter as it is now (optim_step and load_state change
    // it in place); merging costs far less than one position of one datum.
    const network = new Network(this.base, this.adapter);
    let lossSum = 0;
    const outputs = prepared.map((datum) => {
      const out = this.#evaluate(network, datum, lossFn, config, backward);
      lossSum += out.lossSum;
      return out.tensors;
    });
    if (backward) network.flushAdapterGradients();
    return {
      loss_fn_output_type: LOSS_OUTPUT_TYPES[lossFn],
      loss_fn_outputs: outputs,
      metrics: { "loss:sum": lossSum, "clock_cycle:unique": this.#clock() },
    };
  }

  #evaluate(
    network: Network,
    datum: PreparedDatum,
    lossFn: LossFnName,
    config: Record<string, number>,
    backward: boolean,
  ): { tensors: Record<string, TensorData>; lossSum: number } {
    const { tokens, targets, k } = datum;
    const n = tokens.length;
    const d = this.base.config.hiddenSize;
    const r = this.adapter.rank;
    const acts = network.createActivations(n, backward);
    const headU = this.adapter.head ? acts.uh : undefined;
    const dHf = backward ? allocate(this.base.dtype, n * d) : undefined;
    const dUh = backward ? allocate(this.base.dtype, n * r) : undefined;
    const terms = new LossTerms(lossFn, datum.inputs, config);
    const logprobs = new Float32Array(n * k);
    const elementwise = new Float32Array(n * k);
    let lossSum = 0;
    for (let pos = 0; pos < n; pos++) {
      network.step(acts, tokens[pos]!);
      const s = network.slot(acts, pos);
      for (let j = 0; j < k; j++) {
        const i = pos * k + j;
        const target = targets[i]!;
        const l = network.head.logprob(target, acts.hf, s * d, headU, s * r);
        terms.evaluate(i, l);
        logprobs[i] = l;
        elementwise[i] = terms.loss;
        lossSum += terms.loss;
        if (dHf && terms.grad !== 0) {
          network.head.backward(target, terms.grad, headU, s * r, dHf, pos * d, dUh, pos * r);
        }
      }
    }
    if (dHf && dUh) network.backward(acts, dHf, dUh);
    const shape = datum.shape;
    return {
      tensors: {
        logprobs: { dtype: "float32", data: logprobs, shape: [...shape] },
        elementwise_loss: { dtype: "float32", data: elementwise, shape: [...shape] },
      },
      lossSum,
    };
  }
}
