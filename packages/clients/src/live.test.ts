import { isLive } from "@tinker-ts/test-guards";
import { datum, modelInputFromInts } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { ServiceClient } from "./service-client.js";

/**
 * Live tests of the "clients" area against the real Tinker service (docs/testing.md#live-tests):
 * they run with `TINKER_LIVE=clients` (or `1`, `all`) and `TINKER_API_KEY`, and are reported as
 * skipped otherwise. `TINKER_LIVE_BASE_MODEL` picks the model (default `meta-llama/Llama-3.2-1B`);
 * `TINKER_BASE_URL` the service.
 */
const live = isLive("clients");
const baseModel = process.env["TINKER_LIVE_BASE_MODEL"] ?? "meta-llama/Llama-3.2-1B";

function sftDatum(tokens: number[]) {
  return datum(modelInputFromInts(tokens.slice(0, -1)), {
    target_tokens: tokens.slice(1),
    weights: tokens.slice(1).map(() => 1),
  });
}

describe.skipIf(!live)("live Tinker", () => {
  const newService = () =>
    new ServiceClient({ credentialsFile: false, userMetadata: { suite: "tinker-ts live tests" } });

  it("reads capabilities and lists runs without creating a session", async () => {
    await using service = newService();
    const capabilities = await service.getServerCapabilities();
    expect(capabilities.supported_models.length).toBeGreaterThan(0);
    const page = await service.createRestClient().listTrainingRuns({ limit: 5 });
    expect(page.training_runs.length).toBeLessThanOrEqual(5);
    expect(await service.sessionId()).toBeUndefined();
  });

  it("trains with pipelined forwardBackward/optimStep, saves, restores and samples", async () => {
    await using service = newService();
    const training = await service.createLoraTrainingClient({ baseModel, rank: 8 });
    const batch = [sftDatum([1, 2, 3, 4, 5, 6]), sftDatum([7, 8, 9, 10])];
    const steps = Array.from({ length: 3 }, () => [
      training.forwardBackward(batch, "cross_entropy"),
      training.optimStep({ learning_rate: 1e-4 }),
    ]);
    const results = await Promise.all(steps.flat());
    expect(results).toHaveLength(6);
    const saved = await training.saveState("tinker-ts-live", { ttlSeconds: 3600 });
    const restored = await service.createTrainingClientFromState(saved.path);
    expect((await restored.getInfo()).model_data.model_name).toBe(baseModel);
    const sampler = await training.saveWeightsAndGetSamplingClient();
    const response = await sampler.sample(modelInputFromInts([1, 2, 3]), {
      samplingParams: { max_tokens: 4 },
    });
    expect(response.sequences[0]?.tokens.length).toBeGreaterThan(0);
    await service.createRestClient().deleteCheckpointFromTinkerPath(saved.path);
  });
});
