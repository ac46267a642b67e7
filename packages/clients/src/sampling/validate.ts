import { InvalidInputError, type ModelInput, type RequestBodyInput } from "@tinker-ts/types";

/**
 * Sampling settings as callers write them (tinker-wire-spec.md §4.4 `SamplingParams`): every field
 * optional; the wire defaults are `temperature` 1.0, `top_k` -1 (no limit) and `top_p` 1.0.
 *
 * - `max_tokens`: most tokens to generate per sample (a non-negative integer); the server's default
 *   when omitted.
 * - `seed`: integer seed for reproducible sampling.
 * - `stop`: a stop string, a list of stop strings, or a list of stop token ids.
 * - `temperature`: ≥ 0 (0 is greedy).
 * - `top_k`: -1 for no limit, else ≥ 1.
 * - `top_p`: nucleus mass in (0, 1].
 */
export type SamplingParamsInput = RequestBodyInput["SampleRequest"]["sampling_params"];

/** The validated, defaulted form of a sample call's settings. */
export interface ValidatedSampleSettings {
  readonly numSamples: number;
  readonly samplingParams: SamplingParamsInput;
  readonly includePromptLogprobs: boolean;
  readonly topkPromptLogprobs: number;
}

/** What {@link validateSampleSettings} reads from the caller's options. */
export interface SampleSettingsInput {
  readonly numSamples?: number | undefined;
  readonly samplingParams: SamplingParamsInput;
  readonly includePromptLogprobs?: boolean | undefined;
  readonly topkPromptLogprobs?: number | undefined;
}

function fail(path: string, message: string): never {
  throw new InvalidInputError(message, { path });
}

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value);
}

/**
 * Checks a sampling prompt before anything is sent: it must be a `ModelInput` with at least one
 * chunk that carries content (text with at least one token, an image, an image pointer — allowed
 * for sampling — or audio). Token ids themselves are checked when the body is encoded.
 *
 * @throws InvalidInputError (`path` `prompt` or `prompt.chunks`) for a missing or empty prompt.
 */
export function validatePrompt(prompt: ModelInput): void {
  if (typeof prompt !== "object" || prompt === null || !Array.isArray(prompt.chunks)) {
    fail(
      "prompt",
      "prompt must be a ModelInput ({ chunks: [...] }); build one with modelInputFromInts(tokens).",
    );
  }
  const hasContent = prompt.chunks.some(
    (chunk) => chunk?.type !== "encoded_text" || (chunk.tokens?.length ?? 0) > 0,
  );
  if (!hasContent) {
    fail("prompt.chunks", "prompt is empty: sampling needs at least one prompt token.");
  }
}

/**
 * Checks and defaults the settings of one `sample` call (tinker-wire-spec.md §9.2), with the same
 * ranges the server enforces, so that bad input fails at the call instead of after a round trip.
 *
 * @throws InvalidInputError naming the field (`numSamples`, `samplingParams.top_p`, …) for:
 *   `numSamples` not an integer ≥ 1; `topkPromptLogprobs` not an integer ≥ 0;
 *   `includePromptLogprobs` not a boolean; `max_tokens` not an integer ≥ 0; `seed` not an
 *   integer; `temperature` not a finite number ≥ 0; `top_p` outside (0, 1]; `top_k` other than -1
 *   or an integer ≥ 1; `stop` not a string, a list of strings or a list of token ids ≥ 0; any
 *   non-finite number.
 */
export function validateSampleSettings(options: SampleSettingsInput): ValidatedSampleSettings {
  if (typeof options !== "object" || options === null) {
    fail("options", "sample options are required: pass at least { samplingParams: { max_tokens } }.");
  }
  const numSamples = options.numSamples ?? 1;
  if (!isInteger(numSamples) || numSamples < 1) {
    fail("numSamples", `numSamples must be an integer ≥ 1, got ${String(numSamples)}.`);
  }
  const topkPromptLogprobs = options.topkPromptLogprobs ?? 0;
  if (!isInteger(topkPromptLogprobs) || topkPromptLogprobs < 0) {
    fail(
      "topkPromptLogprobs",
      `topkPromptLogprobs must be an integer ≥ 0, got ${String(topkPromptLogprobs)}.`,
    );
  }
  const includePromptLogprobs = options.includePromptLogprobs ?? false;
  if (typeof includePromptLogprobs !== "boolean") {
    fail("includePromptLogprobs", "includePromptLogprobs must be a boolean.");
  }
  validateSamplingParams(options.samplingParams);
  return { numSamples, samplingParams: options.samplingParams, includePromptLogprobs, topkPromptLogprobs };
}

/**
 * Checks `SamplingParams` against the ranges the server accepts; see {@link validateSampleSettings}.
 * @throws InvalidInputError with a `samplingParams.<field>` path.
 */
export function validateSamplingParams(params: SamplingParamsInput): void {
  if (typeof params !== "object" || params === null) {
    fail("samplingParams", "samplingParams is required, for example { max_tokens: 64, temperature: 0.7 }.");
  }
  const { max_tokens, seed, temperature, top_k, top_p, stop } = params;
  if (max_tokens != null && (!isInteger(max_tokens) || max_tokens < 0)) {
    fail("samplingParams.max_tokens", `max_tokens must be an integer ≥ 0, got ${String(max_tokens)}.`);
  }
  if (seed != null && !isInteger(seed)) {
    fail("samplingParams.seed", `seed must be an integer, got ${String(seed)}.`);
  }
  if (
    temperature !== undefined &&
    !(typeof temperature === "number" && Number.isFinite(temperature) && temperature >= 0)
  ) {
    fail(
      "samplingParams.temperature",
      `temperature must be a finite number ≥ 0, got ${String(temperature)}.`,
    );
  }
  if (top_p !== undefined && !(typeof top_p === "number" && top_p > 0 && top_p <= 1)) {
    fail("samplingParams.top_p", `top_p must be a number in (0, 1], got ${String(top_p)}.`);
  }
  if (top_k !== undefined && !(isInteger(top_k) && (top_k === -1 || top_k >= 1))) {
    fail("samplingParams.top_k", `top_k must be -1 (no limit) or an integer ≥ 1, got ${String(top_k)}.`);
  }
  if (stop != null) validateStop(stop);
}

function validateStop(stop: unknown): void {
  if (typeof stop === "string") return;
  if (!Array.isArray(stop)) {
    fail("samplingParams.stop", "stop must be a string, a list of strings, or a list of token ids.");
  }
  // The list's first entry says which kind it is; the first entry of another kind is reported.
  const strings = typeof stop[0] === "string";
  stop.forEach((entry, i) => {
    const ok = strings ? typeof entry === "string" : isInteger(entry) && entry >= 0;
    if (!ok) {
      fail(
        `samplingParams.stop[${i}]`,
        `stop must be all strings or all token ids (integers ≥ 0); entry ${i} is ${JSON.stringify(entry)}.`,
      );
    }
  });
}
