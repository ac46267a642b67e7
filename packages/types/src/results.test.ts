import { describe, expect, it } from "vitest";
import {
  promptLogprobsList,
  type SampledSequence,
  type SampleResponse,
  sampledLogprobsList,
  sampledTokensList,
  sampledTopkLogprobsList,
  topkLogprobsRows,
  topkPromptLogprobsList,
} from "./results.js";

const S = -99999;

describe("topkLogprobsRows", () => {
  it("turns sentinel-led rows into null and trims trailing sentinel cells", () => {
    const rows = topkLogprobsRows({
      token_ids: Int32Array.of(0, 0, 4, 0, 5, 6, 0, 7),
      logprobs: Float32Array.of(S, S, -1, S, -0.5, -2, S, -3),
      k: 2,
    });
    expect(rows).toEqual([
      null,
      [[4, -1]],
      [
        [5, -0.5],
        [6, -2],
      ],
      null,
    ]);
  });

  it("keeps token 0 with a real logprob and sentinel logprobs on other tokens", () => {
    const rows = topkLogprobsRows({
      token_ids: Int32Array.of(0, 3, 1, 0),
      logprobs: Float32Array.of(-0.25, S, S, -1),
      k: 2,
    });
    expect(rows).toEqual([
      [
        [0, -0.25],
        [3, S],
      ],
      [
        [1, S],
        [0, -1],
      ],
    ]);
  });

  it("gives no rows when k is 0", () => {
    expect(topkLogprobsRows({ token_ids: new Int32Array(0), logprobs: new Float32Array(0), k: 0 })).toEqual(
      [],
    );
  });
});

describe("SampleResponse views", () => {
  const sequence: SampledSequence = {
    stop_reason: "stop",
    tokens: Int32Array.of(9, 10),
    logprobs: Float32Array.of(-0.5, -1.5),
    topk_logprobs: {
      token_ids: Int32Array.of(9, 10),
      logprobs: Float32Array.of(-0.5, -1.5),
      k: 1,
      length: 2,
    },
  };
  const response: SampleResponse = {
    sequences: [sequence],
    prompt_logprobs: Float32Array.of(Number.NaN, -2, Number.NaN),
    topk_prompt_logprobs: {
      token_ids: Int32Array.of(0, 8, 0),
      logprobs: Float32Array.of(S, -1, S),
      k: 1,
      prompt_length: 3,
    },
    prompt_cache_hit_tokens: 0,
  };

  it("lists prompt logprobs with null for NaN", () => {
    expect(promptLogprobsList(response)).toEqual([null, -2, null]);
  });

  it("lists top-k prompt logprobs rows", () => {
    expect(topkPromptLogprobsList(response)).toEqual([null, [[8, -1]], null]);
  });

  it("lists a sequence's tokens, logprobs and top-k rows", () => {
    expect(sampledTokensList(sequence)).toEqual([9, 10]);
    expect(sampledLogprobsList(sequence)).toEqual([-0.5, -1.5]);
    expect(sampledTopkLogprobsList(sequence)).toEqual([[[9, -0.5]], [[10, -1.5]]]);
  });

  it("gives undefined for what was not requested", () => {
    const bare: SampleResponse = {
      sequences: [{ stop_reason: "length", tokens: new Int32Array(0) }],
      prompt_cache_hit_tokens: 0,
    };
    expect(promptLogprobsList(bare)).toBeUndefined();
    expect(topkPromptLogprobsList(bare)).toBeUndefined();
    expect(sampledLogprobsList(bare.sequences[0]!)).toBeUndefined();
    expect(sampledTopkLogprobsList(bare.sequences[0]!)).toBeUndefined();
    expect(sampledTokensList(bare.sequences[0]!)).toEqual([]);
  });
});
