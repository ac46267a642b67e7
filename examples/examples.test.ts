import { startLocalServer } from "@tinker-ts/local-server";
import { describe, expect, it } from "vitest";
import { run as checkpointResume } from "./checkpoint-resume/main.js";
import { run as dpoCustomLoss } from "./dpo-custom-loss/main.js";
import { run as otelTracing } from "./otel-tracing/main.js";
import { run as restInventory } from "./rest-inventory/main.js";
import { centredAdvantages, reward, run as rlBasic } from "./rl-basic/main.js";
import { run as samplingLogprobs } from "./sampling-logprobs/main.js";
import { run as sftBasic } from "./sft-basic/main.js";
import { describeModel, LEARNING_RATES, openExampleSession, sharedPhrase } from "./support/index.js";

// Every example against its own tinker-local (tiny model) with small settings. Each run() throws
// when its own check fails; the assertions here restate the outcome so a failure says what broke.
// env: {} keeps a developer's TINKER_API_KEY from sending the tests to the real service.
const quiet = { env: {}, log: () => {} };

describe("examples against tinker-local", () => {
  it("sft-basic: the loss halves and held-out answers follow the training answers", async () => {
    const result = await sftBasic({ ...quiet, steps: 16, batchSize: 32, evalCount: 8 });
    expect(result.lastLoss).toBeLessThanOrEqual(result.firstLoss / 2);
    expect(result.learned).toBeGreaterThan(0);
    expect(result.completions).toHaveLength(8);
  });

  it("rl-basic: the mean reward rises", async () => {
    const result = await rlBasic({ ...quiet });
    expect(result.meanRewards).toHaveLength(12);
    expect(result.lastReward).toBeGreaterThan(result.firstReward);
  });

  it("dpo-custom-loss: the DPO loss falls and held-out preferences improve", async () => {
    const result = await dpoCustomLoss({ ...quiet, steps: 8 });
    expect(result.losses[0]).toBeCloseTo(Math.log(2), 4); // policy = reference at the start
    expect(result.losses.at(-1)).toBeLessThan(result.losses[0]!);
    expect(result.heldOutAccuracyAfter).toBeGreaterThan(result.heldOutAccuracyBefore);
  });

  it("checkpoint-resume: the resumed curve matches the uninterrupted one; without optimizer state it does not", async () => {
    const result = await checkpointResume({ ...quiet, steps: 8 });
    expect(result.resumed).toHaveLength(4);
    expect(result.resumedDifference).toBeLessThanOrEqual(1e-4);
    expect(result.withoutOptimizerDifference).toBeGreaterThan(1e-2);
  });

  it("sampling-logprobs: sample, top-k and computeLogprobs agree; training makes the answer likelier", async () => {
    const result = await samplingLogprobs({ ...quiet, warmupSteps: 8 });
    expect(result.scored[0]!.logprob).toBeNull();
    expect(result.scored.slice(1).every((t) => t.top.length === 3)).toBe(true);
    expect(result.answerLogprobTrained).toBeGreaterThan(result.answerLogprobBase);
  });

  it("rest-inventory: runs and checkpoints are listed, the archive holds the PEFT files", async () => {
    const result = await restInventory({ ...quiet });
    expect(result.runIds).toHaveLength(2);
    expect(result.userCheckpoints).toHaveLength(4);
    expect(result.archiveFiles).toEqual(
      expect.arrayContaining(["adapter_config.json", "adapter_model.safetensors"]),
    );
    expect(result.archiveRank).toBe(2);
    expect(result.remaining).toHaveLength(2);
  });

  it("otel-tracing: the SDK's spans nest under the caller's span", async () => {
    const result = await otelTracing({ ...quiet });
    expect(result.tree).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^train_step /),
        expect.stringMatching(/^ {2}tinker\.forward_backward /),
        expect.stringMatching(/^ {4}tinker\.future\.ForwardBackward /),
        expect.stringMatching(/^ {6}POST /),
        expect.stringMatching(/^ {2}tinker\.optim_step /),
      ]),
    );
  });
});

describe("recognising tinker-local", () => {
  it("uses the emulator's settings when TINKER_API_KEY and TINKER_BASE_URL name a tinker-local", async () => {
    const server = await startLocalServer({ port: 0, backend: "null", logLevel: "silent" });
    try {
      const session = await openExampleSession({
        env: { TINKER_API_KEY: "tml-from-the-environment", TINKER_BASE_URL: server.url },
      });
      try {
        expect(session.target.kind).toBe("remote");
        expect(session.emulator).toMatchObject({ name: "tinker-local", backend: "null" });
        expect(session.learningRate).toBe(LEARNING_RATES.emulator);
        expect(session.serviceDescription).toMatch(
          new RegExp(
            `^tinker-local \\S+ at ${server.url} \\(backend null; recognised by its client config\\)$`,
          ),
        );
      } finally {
        await session.close();
      }
    } finally {
      await server.close();
    }
  });

  it("names the model for what it is", () => {
    const tiny = { name: "tinker-local", version: "0.1.0", backend: "tiny" } as const;
    expect(describeModel("Qwen/Qwen3-8B", tiny)).toBe(
      "tiny LoRA model with Qwen3-8B's tokenizer, emulating Qwen/Qwen3-8B",
    );
    expect(describeModel("Qwen/Qwen3-8B", { ...tiny, backend: "null" })).toBe(
      "Qwen/Qwen3-8B on tinker-local's null backend (no real model)",
    );
    expect(describeModel("Qwen/Qwen3-8B", undefined)).toBe("Qwen/Qwen3-8B");
  });
});

describe("example helpers", () => {
  it("reward: 1 for the dataset answer, 0.5 for the right form, 0 otherwise", () => {
    const pair = { kind: "legs", completion: " It has four legs." };
    expect(reward(pair, " It has four legs.")).toBe(1);
    expect(reward(pair, "It has two legs.")).toBe(0.5);
    expect(reward(pair, "It eats grass.")).toBe(0);
  });

  it("centredAdvantages subtracts the group mean", () => {
    expect(centredAdvantages([1, 0, 0.5, 0.5])).toEqual([0.5, -0.5, 0, 0]);
  });

  it("sharedPhrase finds the longest shared run of at least three words", () => {
    expect(sharedPhrase("It lives on a farm, far away", ["It lives on a farm.", "It eats grass."])).toBe(
      "it lives on a farm",
    );
    expect(sharedPhrase("lives on mars", ["It lives on a farm."])).toBeUndefined();
  });
});
