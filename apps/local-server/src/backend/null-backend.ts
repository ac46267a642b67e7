import {
  type Datum,
  type Float32TensorData,
  type ForwardBackwardOutput,
  type ModelInput,
  modelInputLength,
  type SampledSequence,
  type TensorData,
} from "@tinker-ts/types";
import { createPrng, hashString } from "../prng.js";
import type { LoraSettings } from "../state/entities.js";
import {
  type AdamParams,
  type Backend,
  BackendUserError,
  type CheckpointFiles,
  type LossFnName,
  type LossInput,
  type ModelSpec,
  type PromptScores,
  type SampleInput,
  type SamplerSpec,
} from "./backend.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

/**
 * The `null` backend: no model, results at once. Every output has the shape and dtype a real
 * backend would give (per-datum `logprobs` and `elementwise_loss` shaped like `target_tokens`,
 * `loss:sum` and `clock_cycle:unique` metrics, sampled sequences with one logprob per token,
 * prompt logprobs with NaN first) and depends only on the request, so protocol tests and SDK
 * benchmarks measure the SDK and the server, not compute.
 *
 * Values: the logprob of token t is `-(1 + (t mod 97) / 97)`; sampled tokens come from a PRNG
 * seeded by (seed, prompt, sample index) over a vocabulary of 1000 ids.
 */
export function createNullBackend(): Backend {
  return new NullBackend();
}

const outputTypes: Record<LossFnName, string> = {
  cross_entropy: "CrossEntropyLossReturn",
  importance_sampling: "ImportanceSamplingLossReturn",
  ppo: "PPOLossReturn",
  cispo: "CISPOLossReturn",
  dro: "DROLossReturn",
};

const vocabSize = 1000;
const defaultMaxTokens = 16;

interface NullModel {
  baseModel: string;
  lora: LoraSettings;
  step: number;
  pendingGradients: number;
}

function tokenLogprob(token: number): number {
  return -(1 + (((token % 97) + 97) % 97) / 97);
}

class NullBackend implements Backend {
  readonly name = "null";
  #models = new Map<string, NullModel>();
  #samplers = new Set<string>();
  #clock = 0;
  #unseeded = 0;

  async createModel(spec: ModelSpec): Promise<void> {
    this.#models.set(spec.modelId, {
      baseModel: spec.baseModel,
      lora: spec.lora,
      step: 0,
      pendingGradients: 0,
    });
  }

  async forward(modelId: string, input: LossInput): Promise<ForwardBackwardOutput> {
    this.#model(modelId);
    return this.#evaluate(input);
  }

  async forwardBackward(modelId: string, input: LossInput): Promise<ForwardBackwardOutput> {
    this.#model(modelId).pendingGradients++;
    return this.#evaluate(input);
  }

  async optimStep(modelId: string, params: AdamParams): Promise<{ metrics: Record<string, number> }> {
    const model = this.#model(modelId);
    model.step++;
    model.pendingGradients = 0;
    return { metrics: params.grad_clip_norm > 0 ? { "grad_norm:unique": 0 } : {} };
  }

  async saveWeights(modelId: string, kind: "training" | "sampler"): Promise<CheckpointFiles> {
    const model = this.#model(modelId);
    const metadata = { format: "pt", backend: "null", step: String(model.step) };
    const files: CheckpointFiles = {
      "adapter_config.json": new TextEncoder().encode(
        JSON.stringify({
          base_model_name_or_path: model.baseModel,
          peft_type: "LORA",
          task_type: "CAUSAL_LM",
          r: model.lora.rank,
          lora_alpha: 32,
          target_modules: targetModules(model.lora),
        }),
      ),
      "adapter_model.safetensors": encodeSafetensors([], metadata),
    };
    if (kind === "training") files["optimizer.safetensors"] = encodeSafetensors([], metadata);
    return files;
  }

  async loadWeights(modelId: string, files: CheckpointFiles, options: { optimizer: boolean }): Promise<void> {
    const model = this.#model(modelId);
    const adapter = files["adapter_model.safetensors"];
    if (!adapter) throw new BackendUserError("Checkpoint has no adapter_model.safetensors.");
    const metadata = readMetadata(adapter);
    if (options.optimizer && !files["optimizer.safetensors"]) {
      throw new BackendUserError("Checkpoint has no optimizer state; load it without the optimizer.");
    }
    model.step = options.optimizer ? Number(metadata["step"] ?? 0) : 0;
    model.pendingGradients = 0;
  }

  async createSampler(spec: SamplerSpec): Promise<void> {
    this.#samplers.add(spec.samplerId);
  }

  async sample(samplerId: string, input: SampleInput): Promise<SampledSequence[]> {
    this.#sampler(samplerId);
    const promptTokens = modelInputTokens(input.prompt);
    const stopIds = new Set(input.params.stop.filter((s): s is number => typeof s === "number"));
    const maxTokens = input.params.maxTokens ?? defaultMaxTokens;
    const baseSeed =
      input.params.seed ?? hashString(`unseeded:${this.#unseeded++}`) ^ hashString(promptTokens.join(","));
    const sequences: SampledSequence[] = [];
    for (let k = 0; k < input.numSamples; k++) {
      const prng = createPrng(hashString(`${baseSeed}:${promptTokens.join(",")}:${k}`));
      const tokens: number[] = [];
      let stopReason: "stop" | "length" = "length";
      while (tokens.length < maxTokens) {
        const token = Math.floor(prng.next() * vocabSize);
        tokens.push(token);
        if (stopIds.has(token)) {
          stopReason = "stop";
          break;
        }
      }
      const logprobs = Float32Array.from(
        tokens,
        (t) => tokenLogprob(t) / Math.max(input.params.temperature, 1e-6),
      );
      sequences.push({ stop_reason: stopReason, tokens: Int32Array.from(tokens), logprobs });
    }
    return sequences;
  }

  async computeLogprobs(
    samplerId: string,
    input: { prompt: SampleInput["prompt"]; topk: number },
  ): Promise<PromptScores> {
    this.#sampler(samplerId);
    const length = modelInputLength(input.prompt);
    const tokens = modelInputTokens(input.prompt);
    const promptLogprobs = new Float32Array(length);
    for (let i = 0; i < length; i++) promptLogprobs[i] = i === 0 ? Number.NaN : tokenLogprob(tokens[i] ?? 0);
    if (input.topk <= 0) return { promptLogprobs };
    const k = input.topk;
    const tokenIds = new Int32Array(length * k);
    const logprobs = new Float32Array(length * k);
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < k; j++) {
        // Row 0 has no context: it carries the "missing" sentinel, like the real service.
        tokenIds[i * k + j] = i === 0 ? 0 : ((tokens[i] ?? 0) + j) % vocabSize;
        logprobs[i * k + j] = i === 0 ? -99999 : -0.5 * (j + 1);
      }
    }
    return { promptLogprobs, topk: { token_ids: tokenIds, logprobs, k, prompt_length: length } };
  }

  async releaseModel(modelId: string): Promise<void> {
    this.#models.delete(modelId);
  }

  async releaseSampler(samplerId: string): Promise<void> {
    this.#samplers.delete(samplerId);
  }

  #model(modelId: string): NullModel {
    const model = this.#models.get(modelId);
    if (!model) throw new BackendUserError(`Model ${modelId} is not loaded.`);
    return model;
  }

  #sampler(samplerId: string): void {
    if (!this.#samplers.has(samplerId)) throw new BackendUserError(`Sampler ${samplerId} is not loaded.`);
  }

  #evaluate(input: LossInput): ForwardBackwardOutput {
    this.#clock++;
    let lossSum = 0;
    const outputs = input.data.map((datum) => {
      const out = evaluateDatum(datum, input.lossFn);
      for (const v of out.elementwise_loss.data) lossSum += v;
      return out as Record<string, TensorData>;
    });
    return {
      loss_fn_output_type: outputTypes[input.lossFn],
      loss_fn_outputs: outputs,
      metrics: { "loss:sum": lossSum, "clock_cycle:unique": this.#clock },
    };
  }
}

function evaluateDatum(
  datum: Datum,
  lossFn: LossFnName,
): { logprobs: Float32TensorData; elementwise_loss: Float32TensorData } {
  const targets = datum.loss_fn_inputs["target_tokens"]!;
  const shape = targets.shape ?? [targets.data.length];
  const count = shape.reduce((a, b) => a * b, 1);
  const logprobs = new Float32Array(count);
  const loss = new Float32Array(count);
  const factor =
    lossFn === "cross_entropy" ? datum.loss_fn_inputs["weights"] : datum.loss_fn_inputs["advantages"];
  const dense = denseValues(targets, count);
  const factors = factor ? denseValues(factor, count) : undefined;
  for (let i = 0; i < count; i++) {
    logprobs[i] = tokenLogprob(dense[i]!);
    const f = factors?.[i] ?? 0;
    // Cross-entropy: -w·ℓ. RL losses with the sampler's logprobs as reference: ratio 1, so -A.
    loss[i] = lossFn === "cross_entropy" ? -f * logprobs[i]! : -f;
  }
  return {
    logprobs: { dtype: "float32", data: logprobs, shape: [...shape] },
    elementwise_loss: { dtype: "float32", data: loss, shape: [...shape] },
  };
}

/** Dense row-major values of a tensor (sparse CSR expanded), as numbers. */
function denseValues(tensor: TensorData, count: number): number[] {
  const values = Array.from(tensor.data as ArrayLike<number | bigint>, Number);
  if (!tensor.sparse_crow_indices || !tensor.sparse_col_indices || !tensor.shape) return values;
  const cols = tensor.shape[1] ?? 1;
  const out = new Array<number>(count).fill(0);
  const crow = tensor.sparse_crow_indices;
  for (let row = 0; row + 1 < crow.length; row++) {
    for (let j = Number(crow[row]); j < Number(crow[row + 1]); j++) {
      out[row * cols + Number(tensor.sparse_col_indices[j])] = values[j] ?? 0;
    }
  }
  return out;
}

/** The `__metadata__` of a checkpoint's adapter file; a malformed file is the user's problem. */
function readMetadata(adapter: Uint8Array): Record<string, string> {
  try {
    return decodeSafetensors(adapter).metadata;
  } catch (error) {
    throw new BackendUserError(`Checkpoint is unreadable: ${(error as Error).message}`, { cause: error });
  }
}

/** Token ids of the text chunks, in order (other chunks contribute no ids). */
function modelInputTokens(input: ModelInput): number[] {
  const out: number[] = [];
  for (const chunk of input.chunks) if (chunk.type === "encoded_text") out.push(...chunk.tokens);
  return out;
}

function targetModules(lora: LoraSettings): string[] {
  const modules: string[] = [];
  if (lora.train_attn) modules.push("q_proj", "k_proj", "v_proj", "o_proj");
  if (lora.train_mlp) modules.push("gate_proj", "up_proj", "down_proj");
  if (lora.train_unembed) modules.push("lm_head");
  return modules;
}
