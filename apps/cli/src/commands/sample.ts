import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { modelInputFromInts } from "@tinker-ts/types";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import type { CommandOutput } from "../output/output.js";
import type { SamplingParamsFlags } from "../sampler.js";

/**
 * `tinker sample`: tokenizes a prompt with the model's tokenizer, samples from a base model or a
 * sampler checkpoint (tinker-wire-spec.md §9.2), and prints the decoded completions — or, with
 * `--format json`, the prompt tokens and each sample's tokens, logprobs and stop reason. The text
 * leaves out special tokens (an end-of-turn `<|im_end|>` is not part of the answer) unless
 * `--keep-special-tokens`; the JSON's token ids always hold every token.
 */

/** Flags of `sample`. */
export interface SampleFlags {
  baseModel?: string | undefined;
  modelPath?: string | undefined;
  prompt?: string | undefined;
  promptFile?: string | undefined;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
  stop?: string[] | undefined;
  numSamples: number;
  seed?: number | undefined;
  /** Print special tokens such as `<|im_end|>` in the text (they are left out by default). */
  keepSpecialTokens?: boolean | undefined;
}

/** JSON of `sample` (`schema/sample.json`). */
export interface SampleJson {
  base_model: string | null;
  model_path: string | null;
  prompt_tokens: number[];
  samples: { text: string; tokens: number[]; logprobs: number[] | null; stop_reason: string }[];
}

/** The `sampling_params` the flags ask for (unset flags are left to the server's defaults). */
export function samplingParams(flags: SampleFlags): SamplingParamsFlags {
  return {
    ...(flags.maxTokens === undefined ? {} : { max_tokens: flags.maxTokens }),
    ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
    ...(flags.topP === undefined ? {} : { top_p: flags.topP }),
    ...(flags.topK === undefined ? {} : { top_k: flags.topK }),
    ...(flags.stop === undefined ? {} : { stop: flags.stop }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
  };
}

/**
 * Checks that exactly one model and one prompt source are given.
 * @throws UsageError otherwise, or for a model path without `tinker://`.
 */
export function checkSampleFlags(flags: SampleFlags): { baseModel: string } | { modelPath: string } {
  if ((flags.baseModel === undefined) === (flags.modelPath === undefined)) {
    throw new UsageError("Specify exactly one of --base-model and --model-path");
  }
  if ((flags.prompt === undefined) === (flags.promptFile === undefined)) {
    throw new UsageError("Specify exactly one of --prompt and --prompt-file");
  }
  if (flags.modelPath !== undefined) {
    if (!flags.modelPath.startsWith("tinker://")) {
      throw new UsageError(
        `Invalid model path: ${flags.modelPath}`,
        "A model path is a sampler checkpoint, tinker://run-id/sampler_weights/name",
      );
    }
    return { modelPath: flags.modelPath };
  }
  return { baseModel: flags.baseModel as string };
}

async function readPrompt(ctx: CommandContext, flags: SampleFlags): Promise<string> {
  if (flags.prompt !== undefined) return flags.prompt;
  const file = flags.promptFile as string;
  return file === "-" ? ctx.io.readAll() : readFile(resolve(ctx.io.cwd, file), "utf8");
}

/** `tinker sample …`; see the module comment. */
export async function sampleCommand(ctx: CommandContext, flags: SampleFlags): Promise<CommandOutput> {
  const target = checkSampleFlags(flags);
  const prompt = await readPrompt(ctx, flags);
  if (prompt === "") throw new UsageError("The prompt is empty");
  const sampler = await ctx.clients.sampler(target);
  const tokenizer = await sampler.getTokenizer();
  const promptTokens = tokenizer.encode(prompt);
  const response = await sampler.sample(modelInputFromInts(Array.from(promptTokens)), {
    numSamples: flags.numSamples,
    samplingParams: samplingParams(flags),
    signal: ctx.signal,
  });
  const samples = response.sequences.map((s) => ({
    text: tokenizer.decode(s.tokens, { skipSpecialTokens: !flags.keepSpecialTokens }),
    tokens: Array.from(s.tokens),
    logprobs: s.logprobs ? Array.from(s.logprobs) : null,
    stop_reason: s.stop_reason,
  }));
  const json: SampleJson = {
    base_model: "baseModel" in target ? target.baseModel : null,
    model_path: "modelPath" in target ? target.modelPath : null,
    prompt_tokens: Array.from(promptTokens),
    samples,
  };
  const text =
    samples.length === 1
      ? samples[0]!.text
      : samples.map((s, i) => `--- sample ${i + 1} (${s.stop_reason}) ---\n${s.text}`).join("\n");
  return { kind: "text", text, json };
}
