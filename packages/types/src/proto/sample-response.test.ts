import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import type { SampleResponse } from "../results.js";
import { DType, SampleResponseSchema, type StopReason } from "./gen/tinker_public_pb.js";
import { decodeSampleResponse, encodeSampleResponse } from "./sample-response.js";

type ResponseInit = Parameters<typeof create<typeof SampleResponseSchema>>[1];

const bytesOf = (init: ResponseInit) => toBinary(SampleResponseSchema, create(SampleResponseSchema, init));

function rejection(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected an InvalidInputError");
}

describe("decodeSampleResponse", () => {
  it("views token ids in the message buffer when aligned and copies them when not", () => {
    const response: SampleResponse = {
      sequences: [
        { stop_reason: "stop", tokens: Int32Array.of(1, 2, 3), logprobs: Float32Array.of(-1, -2, -3) },
      ],
      prompt_cache_hit_tokens: 0,
    };
    const bytes = encodeSampleResponse(response);
    const views = [0, 1, 2, 3].map((shift) => {
      const buffer = new Uint8Array(bytes.byteLength + shift);
      buffer.set(bytes, shift);
      const input = buffer.subarray(shift);
      const decoded = decodeSampleResponse(input);
      expect(decoded).toEqual(response);
      const { tokens, logprobs } = decoded.sequences[0]!;
      // Tokens and logprobs sit at different offsets, so each is checked on its own.
      return [tokens.buffer === input.buffer, logprobs!.buffer === input.buffer];
    });
    expect(views.filter(([tokens]) => tokens)).toHaveLength(1);
    expect(views.filter(([, logprobs]) => logprobs)).toHaveLength(1);
  });

  it("rejects unknown stop reasons, ragged bytes and short top-k matrices", () => {
    const cases: Array<[ResponseInit, string]> = [
      [{ sequences: [{ stopReason: 2 as StopReason }] }, "sequences[0].stop_reason"],
      [{ sequences: [{ tokens: new Uint8Array(7) }] }, "sequences[0].tokens"],
      [{ promptLogprobs: new Uint8Array(2) }, "prompt_logprobs"],
      [
        {
          topkPromptLogprobs: { k: 2, length: 2, tokenIds: new Uint8Array(12), logprobs: new Uint8Array(16) },
        },
        "topk_prompt_logprobs",
      ],
      [
        { sequences: [{ topkSampledLogprobs: { k: 1, length: 1, tokenIds: new Uint8Array(4) } }] },
        "sequences[0].topk_sampled_logprobs",
      ],
      [{ promptAltTokens: { logprobs: { dtype: DType.DTYPE_FLOAT32 } } }, "prompt_alt_tokens.tokens"],
      [{ promptAltTokens: { tokens: { dtype: DType.DTYPE_INT32 } } }, "prompt_alt_tokens.logprobs"],
      [{ targetPromptLogprobs: {} }, "target_prompt_logprobs.dtype"],
    ];
    for (const [init, path] of cases)
      expect(rejection(() => decodeSampleResponse(bytesOf(init))).path).toBe(path);
  });

  it("keeps only the declared cells of a larger top-k matrix, as numpy does", () => {
    const decoded = decodeSampleResponse(
      bytesOf({
        topkPromptLogprobs: {
          k: 1,
          length: 1,
          tokenIds: new Uint8Array(Int32Array.of(5, 6).buffer),
          logprobs: new Uint8Array(Float32Array.of(-1, -2).buffer),
        },
      }),
    );
    expect(decoded.topk_prompt_logprobs).toEqual({
      token_ids: Int32Array.of(5),
      logprobs: Float32Array.of(-1),
      k: 1,
      prompt_length: 1,
    });
  });
});

describe("encodeSampleResponse", () => {
  const base: SampleResponse = { sequences: [], prompt_cache_hit_tokens: 0 };

  it("encodes an empty response as zero bytes", () => {
    expect(encodeSampleResponse(base)).toEqual(new Uint8Array(0));
  });

  it("rejects invalid fields", () => {
    const cases: Array<[SampleResponse, string]> = [
      [{ ...base, prompt_cache_hit_tokens: -1 }, "prompt_cache_hit_tokens"],
      [
        { ...base, sequences: [{ stop_reason: "eos" as "stop", tokens: new Int32Array(0) }] },
        "sequences[0].stop_reason",
      ],
      [
        { ...base, sequences: [{ stop_reason: "stop", tokens: [1] as unknown as Int32Array }] },
        "sequences[0].tokens",
      ],
      [{ ...base, prompt_logprobs: [0] as unknown as Float32Array }, "prompt_logprobs"],
      [
        {
          ...base,
          topk_prompt_logprobs: {
            token_ids: Int32Array.of(1),
            logprobs: Float32Array.of(1),
            k: 2,
            prompt_length: 1,
          },
        },
        "topk_prompt_logprobs",
      ],
      [
        {
          ...base,
          topk_prompt_logprobs: {
            token_ids: new Int32Array(0),
            logprobs: new Float32Array(0),
            k: -1,
            prompt_length: 0,
          },
        },
        "topk_prompt_logprobs",
      ],
      [
        {
          ...base,
          sequences: [
            {
              stop_reason: "stop",
              tokens: new Int32Array(0),
              topk_logprobs: { token_ids: new Int32Array(0), logprobs: new Float32Array(1), k: 0, length: 0 },
            },
          ],
        },
        "sequences[0].topk_logprobs",
      ],
      [
        { ...base, target_prompt_logprobs: { dtype: "float32", data: Float32Array.of(1), shape: [2] } },
        "target_prompt_logprobs.shape",
      ],
    ];
    for (const [response, path] of cases)
      expect(rejection(() => encodeSampleResponse(response)).path).toBe(path);
  });
});
