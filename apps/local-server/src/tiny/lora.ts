import { InvalidInputError } from "@tinker-ts/types";
import type { BaseModel } from "./base-model.js";
import { LORA_ALPHA } from "./config.js";
import { createRng, fillUniform } from "./random.js";
import { allocate, cloneArray, type FloatArray } from "./tensor.js";

/** Which weight matrices carry adapters (`LoraConfig.train_attn/train_mlp/train_unembed`). */
export interface LoraTargets {
  /** q_proj, k_proj, v_proj, o_proj of every block. */
  attn: boolean;
  /** gate_proj, up_proj, down_proj of every block. */
  mlp: boolean;
  /** The head (`lm_head`). */
  unembed: boolean;
}

/** LoRA settings of an adapter (tinker-compute-semantics.md §8.1). */
export interface LoraOptions {
  /** LoRA rank r ≥ 1. */
  rank: number;
  /** Seed of the A initialisation; undefined draws a random one. */
  seed?: number | undefined;
  targets: LoraTargets;
}

/**
 * One adapted linear layer: `y = W x + (alpha / r) · B (A x)`. `A` is (r × in), `B` is (out × r),
 * both row-major as PEFT stores them; gradients, when present, have the same shapes.
 */
export interface LoraModule {
  /** Module path inside the model, for example `model.layers.0.self_attn.q_proj`. */
  readonly path: string;
  /** PEFT target name, for example `q_proj`. */
  readonly target: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  A: FloatArray;
  B: FloatArray;
  gradA?: FloatArray;
  gradB?: FloatArray;
}

/** Adapters of one transformer block (absent when not targeted). */
export interface LayerLora {
  q?: LoraModule;
  k?: LoraModule;
  v?: LoraModule;
  o?: LoraModule;
  gate?: LoraModule;
  up?: LoraModule;
  down?: LoraModule;
}

/** A LoRA adapter over a base model: its modules in a fixed order, plus lookups per layer. */
export interface LoraAdapter {
  readonly rank: number;
  /** `lora_alpha`, always {@link LORA_ALPHA}. */
  readonly alpha: number;
  /** `alpha / rank`, the factor applied to `B (A x)`. */
  readonly scale: number;
  readonly targets: LoraTargets;
  /** Every module, in checkpoint order (layer by layer: attn, then mlp; the head last). */
  readonly modules: readonly LoraModule[];
  readonly layers: readonly LayerLora[];
  readonly head: LoraModule | undefined;
}

const attnTargets = ["q", "k", "v", "o"] as const;
const mlpTargets = ["gate", "up", "down"] as const;

/** PEFT `target_modules` of a target selection, in checkpoint order. */
export function targetModuleNames(targets: LoraTargets): string[] {
  const names: string[] = [];
  if (targets.attn) names.push("q_proj", "k_proj", "v_proj", "o_proj");
  if (targets.mlp) names.push("gate_proj", "up_proj", "down_proj");
  if (targets.unembed) names.push("lm_head");
  return names;
}

/** PEFT tensor name of a module's factor: `base_model.model.<path>.lora_A.weight`. */
export function loraTensorName(module: LoraModule, factor: "A" | "B"): string {
  return `base_model.model.${module.path}.lora_${factor}.weight`;
}

/**
 * A fresh adapter for `base`: every A is Kaiming-uniform (bound 1/√in, PEFT's
 * `kaiming_uniform_(a=√5)`) from a stream seeded by `options.seed`, every B is zero, so the
 * adapted model equals the base model until the first optimizer step.
 * @throws InvalidInputError when the rank is not a positive integer or no module is targeted.
 */
export function createLoraAdapter(base: BaseModel, options: LoraOptions): LoraAdapter {
  const { rank, targets } = options;
  if (!Number.isInteger(rank) || rank < 1) {
    throw new InvalidInputError(`LoRA rank must be a positive integer, got ${rank}.`, {
      path: "lora_config.rank",
    });
  }
  if (!targets.attn && !targets.mlp && !targets.unembed) {
    throw new InvalidInputError(
      "LoRA needs at least one of train_attn, train_mlp, train_unembed to be true.",
      { path: "lora_config" },
    );
  }
  const seed = options.seed ?? globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
  const rng = createRng(["tinker-local tiny lora", seed]);
  const make = (path: string, target: string, inFeatures: number, outFeatures: number): LoraModule => {
    const A = allocate(base.dtype, rank * inFeatures);
    fillUniform(A, 1 / Math.sqrt(inFeatures), rng);
    return { path, target, inFeatures, outFeatures, A, B: allocate(base.dtype, outFeatures * rank) };
  };
  return assembleAdapter(base, rank, targets, make);
}

/**
 * Builds an adapter's structure, creating each targeted module with `make` in checkpoint order
 * (so that a seeded initialisation is reproducible).
 */
export function assembleAdapter(
  base: BaseModel,
  rank: number,
  targets: LoraTargets,
  make: (path: string, target: string, inFeatures: number, outFeatures: number) => LoraModule,
): LoraAdapter {
  const d = base.config.hiddenSize;
  const f = base.config.intermediateSize;
  const modules: LoraModule[] = [];
  const layers: LayerLora[] = [];
  const add = (module: LoraModule): LoraModule => {
    modules.push(module);
    return module;
  };
  for (let l = 0; l < base.config.numLayers; l++) {
    const layer: LayerLora = {};
    if (targets.attn) {
      for (const name of attnTargets) {
        layer[name] = add(make(`model.layers.${l}.self_attn.${name}_proj`, `${name}_proj`, d, d));
      }
    }
    if (targets.mlp) {
      for (const name of mlpTargets) {
        const [inF, outF] = name === "down" ? [f, d] : [d, f];
        layer[name] = add(make(`model.layers.${l}.mlp.${name}_proj`, `${name}_proj`, inF, outF));
      }
    }
    layers.push(layer);
  }
  const head = targets.unembed ? add(make("lm_head", "lm_head", d, base.tree.rows)) : undefined;
  return {
    rank,
    alpha: LORA_ALPHA,
    scale: LORA_ALPHA / rank,
    targets: { ...targets },
    modules,
    layers,
    head,
  };
}

/** Allocates zeroed gradient buffers on every module of a training adapter. */
export function attachGradients(adapter: LoraAdapter): void {
  for (const module of adapter.modules) {
    module.gradA = allocate(dtypeOf(module.A), module.A.length);
    module.gradB = allocate(dtypeOf(module.B), module.B.length);
  }
}

/** A frozen copy of an adapter's weights (no gradients), for sampling snapshots. */
export function cloneAdapter(base: BaseModel, adapter: LoraAdapter): LoraAdapter {
  const byPath = new Map(adapter.modules.map((m) => [m.path, m]));
  return assembleAdapter(base, adapter.rank, adapter.targets, (path, target, inFeatures, outFeatures) => {
    const source = byPath.get(path)!;
    return { path, target, inFeatures, outFeatures, A: cloneArray(source.A), B: cloneArray(source.B) };
  });
}

function dtypeOf(array: FloatArray): "float32" | "float64" {
  return array instanceof Float32Array ? "float32" : "float64";
}
