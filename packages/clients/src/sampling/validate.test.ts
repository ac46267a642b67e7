import { InvalidInputError, type ModelInput, modelInputFromInts } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { estimateChunkBytes, estimatePromptBytes } from "./estimate.js";
import { type SampleSettingsInput, validatePrompt, validateSampleSettings } from "./validate.js";

function pathOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).path;
  }
  return undefined;
}

describe("validateSampleSettings", () => {
  it("defaults numSamples, prompt logprobs and top-k", () => {
    const params = { max_tokens: 10 };
    expect(validateSampleSettings({ samplingParams: params })).toEqual({
      numSamples: 1,
      samplingParams: params,
      includePromptLogprobs: false,
      topkPromptLogprobs: 0,
    });
  });

  it.each<[string, SampleSettingsInput]>([
    ["numSamples", { numSamples: 0, samplingParams: {} }],
    ["numSamples", { numSamples: 1.5, samplingParams: {} }],
    ["numSamples", { numSamples: Number.NaN, samplingParams: {} }],
    ["topkPromptLogprobs", { topkPromptLogprobs: -1, samplingParams: {} }],
    ["includePromptLogprobs", { includePromptLogprobs: "yes" as unknown as boolean, samplingParams: {} }],
    ["samplingParams", { samplingParams: undefined as never }],
    ["samplingParams.max_tokens", { samplingParams: { max_tokens: -1 } }],
    ["samplingParams.max_tokens", { samplingParams: { max_tokens: 2.5 } }],
    ["samplingParams.seed", { samplingParams: { seed: 0.5 } }],
    ["samplingParams.temperature", { samplingParams: { temperature: -0.01 } }],
    ["samplingParams.temperature", { samplingParams: { temperature: Number.POSITIVE_INFINITY } }],
    ["samplingParams.temperature", { samplingParams: { temperature: Number.NaN } }],
    ["samplingParams.top_p", { samplingParams: { top_p: 0 } }],
    ["samplingParams.top_p", { samplingParams: { top_p: 1.0001 } }],
    ["samplingParams.top_p", { samplingParams: { top_p: Number.NaN } }],
    ["samplingParams.top_k", { samplingParams: { top_k: 0 } }],
    ["samplingParams.top_k", { samplingParams: { top_k: -2 } }],
    ["samplingParams.top_k", { samplingParams: { top_k: 3.5 } }],
    ["samplingParams.stop", { samplingParams: { stop: 5 as never } }],
    ["samplingParams.stop[1]", { samplingParams: { stop: [1, -1] } }],
    ["samplingParams.stop[1]", { samplingParams: { stop: ["a", 2] as never } }],
  ])("rejects %s", (path, options) => {
    expect(pathOf(() => validateSampleSettings(options))).toBe(path);
  });

  it("rejects missing options", () => {
    expect(pathOf(() => validateSampleSettings(undefined as never))).toBe("options");
  });

  it.each<SampleSettingsInput["samplingParams"]>([
    {},
    { max_tokens: 0, seed: -3, temperature: 0, top_p: 1, top_k: -1 },
    { max_tokens: null, seed: null, stop: null, top_k: 40, top_p: 0.01 },
    { stop: "\n" },
    { stop: [] },
    { stop: ["a", "b"] },
    { stop: [0, 151645] },
  ])("accepts %o", (samplingParams) => {
    expect(() => validateSampleSettings({ samplingParams })).not.toThrow();
  });
});

describe("validatePrompt", () => {
  it("needs a chunk with content", () => {
    expect(pathOf(() => validatePrompt(undefined as never))).toBe("prompt");
    expect(pathOf(() => validatePrompt({} as never))).toBe("prompt");
    expect(pathOf(() => validatePrompt({ chunks: [] }))).toBe("prompt.chunks");
    expect(
      pathOf(() => validatePrompt({ chunks: [{ type: "encoded_text", tokens: new Int32Array(0) }] })),
    ).toBe("prompt.chunks");
    expect(() => validatePrompt(modelInputFromInts([1]))).not.toThrow();
    expect(() =>
      validatePrompt({ chunks: [{ type: "image_asset_pointer", format: "png", location: "s3://b/i.png" }] }),
    ).not.toThrow();
  });
});

describe("estimatePromptBytes (tinker-wire-spec.md §9.2 step 1)", () => {
  it("counts 10 bytes per token and the raw size of other chunks", () => {
    const prompt: ModelInput = {
      chunks: [
        { type: "encoded_text", tokens: Int32Array.of(1, 2, 3) },
        { type: "image", data: new Uint8Array(7), format: "png", expected_tokens: 4 },
        { type: "image_asset_pointer", location: "s3://bucket/x.png", format: "jpeg" },
        { type: "dmel", dmel: new Uint8Array(11) },
      ],
    };
    expect(prompt.chunks.map(estimateChunkBytes)).toEqual([30, 7, 17, 11]);
    expect(estimatePromptBytes(prompt)).toBe(65);
  });
});
