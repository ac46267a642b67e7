import { InvalidInputError } from "@tinker-ts/types";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "../backend/safetensors.js";
import { type AdamState, createAdamState } from "./adamw.js";
import type { BaseModel } from "./base-model.js";
import { LORA_ALPHA } from "./config.js";
import {
  assembleAdapter,
  type LoraAdapter,
  type LoraModule,
  type LoraTargets,
  loraTensorName,
  targetModuleNames,
} from "./lora.js";
import { allocate } from "./tensor.js";
import type { TinyTrainingModel } from "./training-model.js";

/**
 * Checkpoints of the tiny model (tinker-compute-semantics.md §8.2, §8.3) as the files of the
 * archive's root, in the PEFT LoRA layout:
 * - `adapter_config.json`: PEFT `LoraConfig` (`peft_type` LORA, `r`, `lora_alpha` 32,
 *   `target_modules`, `base_model_name_or_path`, …);
 * - `adapter_model.safetensors`: `base_model.model.<module path>.lora_A.weight` (r × in) and
 *   `.lora_B.weight` (out × r), B not pre-scaled;
 * - `optimizer.safetensors` (training checkpoints only, EMU-CHOICE §8.3): `<tensor name>.exp_avg`
 *   and `.exp_avg_sq`, with the step count in the metadata;
 * - `checkpoint_complete`: an empty marker.
 */

/** One file of a checkpoint archive. */
export interface CheckpointFile {
  name: string;
  bytes: Uint8Array;
}

/** What `save_state` ("training": adapter + optimizer) or `save_weights_for_sampler` ("sampler") keeps. */
export type CheckpointKind = "training" | "sampler";

const CONFIG = "adapter_config.json";
const WEIGHTS = "adapter_model.safetensors";
const OPTIMIZER = "optimizer.safetensors";
const COMPLETE = "checkpoint_complete";

/** The checkpoint files of a training model: the adapter, plus the Adam state for "training". */
export function saveCheckpoint(model: TinyTrainingModel, kind: CheckpointKind): CheckpointFile[] {
  return adapterFiles(model.base.name, model.adapter, kind === "training" ? model.optimizer : undefined);
}

/** Checkpoint files of an adapter of `baseModel`, with the optimizer file when `optimizer` is given. */
export function adapterFiles(
  baseModel: string,
  adapter: LoraAdapter,
  optimizer?: AdamState,
): CheckpointFile[] {
  const config = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: adapter.alpha,
    lora_dropout: 0,
    modules_to_save: null,
    peft_type: "LORA",
    r: adapter.rank,
    rank_pattern: {},
    revision: null,
    target_modules: targetModuleNames(adapter.targets),
    task_type: "CAUSAL_LM",
    use_dora: false,
    use_rslora: false,
  };
  const tensors: Array<[string, SafetensorsTensor]> = adapter.modules.flatMap((m) => [
    [loraTensorName(m, "A"), { shape: [adapter.rank, m.inFeatures], data: m.A }],
    [loraTensorName(m, "B"), { shape: [m.outFeatures, adapter.rank], data: m.B }],
  ]);
  const files: CheckpointFile[] = [
    { name: CONFIG, bytes: new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`) },
    { name: WEIGHTS, bytes: encodeSafetensors(tensors, { format: "pt" }) },
  ];
  if (optimizer) {
    const moments: Array<[string, SafetensorsTensor]> = tensors.flatMap(([name, tensor], i) => [
      [`${name}.exp_avg`, { shape: tensor.shape, data: optimizer.m[i]! }],
      [`${name}.exp_avg_sq`, { shape: tensor.shape, data: optimizer.v[i]! }],
    ]);
    files.push({
      name: OPTIMIZER,
      bytes: encodeSafetensors(moments, { format: "pt", step: String(optimizer.step) }),
    });
  }
  files.push({ name: COMPLETE, bytes: new Uint8Array(0) });
  return files;
}

/** An adapter (and optionally its Adam state) read back from checkpoint files. */
export interface LoadedCheckpoint {
  adapter: LoraAdapter;
  /** Present when loaded with `optimizer: true`. */
  optimizer?: AdamState;
}

/**
 * Reads checkpoint files for `base`. With `optimizer`, the Adam state must be present too.
 * @throws InvalidInputError when a file is missing or malformed, the adapter belongs to another
 *   base model, its config is not one this model produces, or a tensor is missing or mis-shaped.
 */
export function loadCheckpoint(
  base: BaseModel,
  files: Readonly<Record<string, Uint8Array>>,
  options: { optimizer: boolean },
): LoadedCheckpoint {
  const configBytes = files[CONFIG];
  const weightBytes = files[WEIGHTS];
  if (!configBytes || !weightBytes) {
    throw new InvalidInputError(`The checkpoint lacks ${configBytes ? WEIGHTS : CONFIG}.`, {
      path: "checkpoint",
    });
  }
  const { rank, targets } = readConfig(base, configBytes);
  const weights = decodeSafetensors(weightBytes, WEIGHTS);
  const adapter = assembleAdapter(base, rank, targets, (path, target, inFeatures, outFeatures) => {
    const module: LoraModule = {
      path,
      target,
      inFeatures,
      outFeatures,
      A: allocate(base.dtype, 0),
      B: allocate(base.dtype, 0),
    };
    module.A = tensorFrom(weights.tensors, loraTensorName(module, "A"), [rank, inFeatures], base, WEIGHTS);
    module.B = tensorFrom(weights.tensors, loraTensorName(module, "B"), [outFeatures, rank], base, WEIGHTS);
    return module;
  });
  if (weights.tensors.size !== adapter.modules.length * 2) {
    throw new InvalidInputError(`${WEIGHTS} holds tensors this adapter does not have.`, { path: WEIGHTS });
  }
  if (!options.optimizer) return { adapter };
  const optimizerBytes = files[OPTIMIZER];
  if (!optimizerBytes) {
    throw new InvalidInputError(
      "The checkpoint has no optimizer state (it is a sampler checkpoint); load it without the optimizer.",
      { path: OPTIMIZER },
    );
  }
  const saved = decodeSafetensors(optimizerBytes, OPTIMIZER);
  const step = Number(saved.metadata["step"]);
  if (!Number.isInteger(step) || step < 0) {
    throw new InvalidInputError(`${OPTIMIZER} has no valid step count in its metadata.`, { path: OPTIMIZER });
  }
  const params = adapter.modules.flatMap((m) => [m.A, m.B]);
  const optimizer = createAdamState(params);
  optimizer.step = step;
  adapter.modules.forEach((module, i) => {
    for (const [j, factor] of (["A", "B"] as const).entries()) {
      const name = loraTensorName(module, factor);
      const shape = factor === "A" ? [rank, module.inFeatures] : [module.outFeatures, rank];
      optimizer.m[2 * i + j] = tensorFrom(saved.tensors, `${name}.exp_avg`, shape, base, OPTIMIZER);
      optimizer.v[2 * i + j] = tensorFrom(saved.tensors, `${name}.exp_avg_sq`, shape, base, OPTIMIZER);
    }
  });
  return { adapter, optimizer };
}

/**
 * Replaces a training model's adapter (and Adam state when `optimizer`, else resets it) from
 * checkpoint files (`load_state` / `load_state_with_optimizer`, §8.2).
 * @throws InvalidInputError as {@link loadCheckpoint}, or when the checkpoint's rank or targets
 *   differ from the model's LoRA settings.
 */
export function restoreCheckpoint(
  model: TinyTrainingModel,
  files: Readonly<Record<string, Uint8Array>>,
  options: { optimizer: boolean },
): void {
  const loaded = loadCheckpoint(model.base, files, options);
  const want = targetModuleNames(model.adapter.targets).join(", ");
  const got = targetModuleNames(loaded.adapter.targets).join(", ");
  if (loaded.adapter.rank !== model.adapter.rank || want !== got) {
    throw new InvalidInputError(
      `The checkpoint has LoRA rank ${loaded.adapter.rank} on [${got}], but this training run has rank ${model.adapter.rank} on [${want}].`,
      { path: CONFIG },
    );
  }
  model.replaceState(loaded.adapter, loaded.optimizer);
}

function readConfig(base: BaseModel, bytes: Uint8Array): { rank: number; targets: LoraTargets } {
  const bad = (why: string) => new InvalidInputError(`${CONFIG} ${why}.`, { path: CONFIG });
  let config: {
    r?: unknown;
    lora_alpha?: unknown;
    target_modules?: unknown;
    base_model_name_or_path?: unknown;
  };
  try {
    config = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw bad("is not JSON");
  }
  const { r, lora_alpha, target_modules, base_model_name_or_path } = config;
  if (base_model_name_or_path !== undefined && base_model_name_or_path !== base.name) {
    throw bad(`belongs to base model ${String(base_model_name_or_path)}, not ${base.name}`);
  }
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1) throw bad("has no valid rank r");
  if (lora_alpha !== LORA_ALPHA)
    throw bad(`has lora_alpha ${String(lora_alpha)}; the tiny model uses ${LORA_ALPHA}`);
  const modules = Array.isArray(target_modules) ? target_modules.map(String) : [];
  const targets: LoraTargets = {
    attn: modules.includes("q_proj"),
    mlp: modules.includes("gate_proj"),
    unembed: modules.includes("lm_head"),
  };
  if (
    targetModuleNames(targets).join(",") !== [...modules].sort(byCheckpointOrder).join(",") ||
    modules.length === 0
  ) {
    throw bad(
      `has target_modules [${modules.join(", ")}], which is not a selection of attn, mlp and lm_head modules`,
    );
  }
  return { rank: r, targets };
}

const order = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"];
function byCheckpointOrder(a: string, b: string): number {
  return order.indexOf(a) - order.indexOf(b);
}

function tensorFrom(
  tensors: Map<string, SafetensorsTensor>,
  name: string,
  shape: number[],
  base: BaseModel,
  file: string,
): Float32Array | Float64Array {
  const tensor = tensors.get(name);
  if (!tensor) throw new InvalidInputError(`${file} lacks tensor ${name}.`, { path: file });
  if (tensor.shape.join(",") !== shape.join(",")) {
    throw new InvalidInputError(
      `${file}: tensor ${name} has shape [${tensor.shape.join(", ")}], expected [${shape.join(", ")}].`,
      { path: file },
    );
  }
  const out = allocate(base.dtype, tensor.data.length);
  out.set(tensor.data);
  return out;
}
