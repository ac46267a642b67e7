import type { ModelInput, SampleResponse } from "@tinker-ts/types";

/**
 * The part of `@tinker-ts/clients`' SamplingClient that `tinker sample` uses (tinker-wire-spec.md
 * §9.2, §9.5): the base model's tokenizer, and `sample`.
 */
export interface CliSampler {
  getTokenizer(options?: { signal?: AbortSignal }): Promise<CliTokenizer>;
  sample(
    prompt: ModelInput,
    options: {
      numSamples: number;
      samplingParams: SamplingParamsFlags;
      signal?: AbortSignal | undefined;
    },
  ): PromiseLike<SampleResponse>;
}

/** Encoding and decoding text with the model's tokenizer (int32 token ids). */
export interface CliTokenizer {
  encode(text: string): Int32Array;
  /** `skipSpecialTokens` leaves out `<|im_end|>` and the like (the tokenizer default: false). */
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string;
}

/** `sampling_params` of a sample request (wire names, tinker-wire-spec.md §4.4). */
export interface SamplingParamsFlags {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop?: string[];
  seed?: number;
}
