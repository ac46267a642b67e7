import { isLive } from "@tinker-ts/test-guards";
import { datum, modelInputFromInts } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { ServiceClient } from "../service-client.js";

/**
 * Live tests of the "rest" area (docs/testing.md#live-tests): RestClient calls that change things
 * on the real Tinker service — publish, unpublish, TTL and delete of a checkpoint this test saves.
 * They run with `TINKER_LIVE=rest` (or `1`, `all`) and `TINKER_API_KEY`; skipped otherwise.
 */
const baseModel = process.env["TINKER_LIVE_BASE_MODEL"] ?? "meta-llama/Llama-3.2-1B";

describe.skipIf(!isLive("rest"))("live Tinker REST mutations", () => {
  it("publishes, unpublishes, sets the TTL of and deletes a saved checkpoint", async () => {
    await using service = new ServiceClient({
      credentialsFile: false,
      userMetadata: { suite: "tinker-ts live tests (rest)" },
    });
    const training = await service.createLoraTrainingClient({ baseModel, rank: 8 });
    const example = datum(modelInputFromInts([1, 2, 3]), { target_tokens: [2, 3, 4], weights: [1, 1, 1] });
    await training.forwardBackward([example], "cross_entropy");
    const saved = await training.saveState("tinker-ts-live-rest", { ttlSeconds: 3600 });
    const rest = service.createRestClient();
    const runId = training.modelId;
    const find = async () =>
      (await rest.listCheckpoints(runId)).checkpoints.find((c) => c.tinker_path === saved.path);
    try {
      await rest.publishCheckpointFromTinkerPath(saved.path);
      expect((await find())?.public).toBe(true);
      await rest.unpublishCheckpointFromTinkerPath(saved.path);
      expect((await find())?.public).toBe(false);
      await rest.setCheckpointTtlFromTinkerPath(saved.path, 7200);
      expect((await find())?.expires_at).toBeTruthy();
    } finally {
      await rest.deleteCheckpointFromTinkerPath(saved.path);
    }
    expect(await find()).toBeUndefined();
  });
});
