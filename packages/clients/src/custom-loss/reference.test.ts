import { datum, InvalidInputError, modelInputFromInts } from "@tinker-ts/types";
import { afterEach, describe, expect, it } from "vitest";
import { BASE_MODEL, type SamplingHarness, startSamplingHarness } from "../sampling/sampling.test-helpers.js";
import { SamplingClient } from "../sampling/sampling-client.js";
import { dpoLoss } from "./dpo.js";
import { computeReferenceLogprobs } from "./reference.js";

/** A next-token datum of `sequence`: model_input = seq[:-1], target_tokens = seq[1:], prompt masked. */
function nextTokenDatum(sequence: number[], promptLength: number) {
  return datum(modelInputFromInts(sequence.slice(0, -1)), {
    target_tokens: sequence.slice(1),
    weights: sequence.slice(1).map((_, i) => (i + 1 < promptLength ? 0 : 1)),
  });
}

let harness: SamplingHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("computeReferenceLogprobs against tinker-local", () => {
  it("scores every target token of every datum, aligned with target_tokens", async () => {
    harness = await startSamplingHarness();
    const sampler = new SamplingClient({
      context: harness.context,
      samplingSessionId: await harness.newSamplingSession(),
      baseModel: BASE_MODEL,
    });
    const data = [
      nextTokenDatum([5, 6, 7, 8, 9], 2),
      nextTokenDatum([5, 6, 70, 80], 2),
      nextTokenDatum([1, 2, 3], 1),
      nextTokenDatum([1, 2, 30, 31, 32, 33], 1),
    ];
    const reference = await computeReferenceLogprobs(sampler, data);
    expect(reference.map((r) => r.length)).toEqual([4, 3, 2, 5]);
    const full = await sampler.computeLogprobs(modelInputFromInts([5, 6, 7, 8, 9]));
    expect(Array.from(reference[0]!)).toEqual(full.slice(1).map((v) => Math.fround(v!)));

    // Against itself, the policy's DPO loss is log 2.
    const loss = dpoLoss({ referenceLogprobs: reference })(data, reference);
    expect(loss.loss).toBeCloseTo(Math.LN2, 12);
  });

  it("checks every datum before sending anything", async () => {
    harness = await startSamplingHarness();
    const sampler = new SamplingClient({
      context: harness.context,
      samplingSessionId: await harness.newSamplingSession(),
      baseModel: BASE_MODEL,
    });
    const empty = datum(modelInputFromInts([1]), { target_tokens: [] });
    await expect(computeReferenceLogprobs(sampler, [nextTokenDatum([1, 2], 1), empty])).rejects.toMatchObject(
      {
        path: "data[1].loss_fn_inputs.target_tokens",
      },
    );
    const misaligned = datum(modelInputFromInts([1, 2, 3]), { target_tokens: [2] });
    await expect(computeReferenceLogprobs(sampler, [misaligned])).rejects.toBeInstanceOf(InvalidInputError);
    expect(harness.requestsTo("/api/v1/asample")).toHaveLength(1);
  });
});
