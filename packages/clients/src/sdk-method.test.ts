import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedRequest } from "@tinker-ts/local-server";
import { modelInputFromInts } from "@tinker-ts/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import { acceleratedClock, BASE_MODEL, ceDatum, type Harness, startHarness } from "./clients.test-helpers.js";

/**
 * `x-sdk-method` / `x-sdk-version` (Python SDK 0.38 `sdk_method.py`): every request a public call
 * makes carries the call's `<Class>.<python_method>` name, polls and nested lookups included;
 * bootstrap and background requests carry neither. Checked on what tinker-local recorded.
 */

let harness: Harness | undefined;
let dir: string | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function recorded(file: string): Promise<RecordedRequest[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RecordedRequest);
}

/** `METHOD /path -> x-sdk-method` for each distinct request, sorted (poll counts vary). */
function attribution(requests: readonly RecordedRequest[]): string[] {
  const lines = requests.map((r) => `${r.method} ${r.path} -> ${r.headers["x-sdk-method"] ?? "-"}`);
  return [...new Set(lines)].sort();
}

/** Starts a harness that records requests to a file of its own and reads them step by step. */
async function recordingHarness(client: Parameters<typeof startHarness>[0] = {}) {
  dir = await mkdtemp(join(tmpdir(), "sdk-method-"));
  const file = join(dir, "requests.jsonl");
  const h = await startHarness({ ...client, server: { ...client.server, recordFile: file } });
  harness = h;
  let seen = 0;
  /** Runs `call` and returns the requests the server received meanwhile. */
  const during = async (call: () => PromiseLike<unknown>): Promise<RecordedRequest[]> => {
    await call();
    const count = h.serverLog.length;
    let all: RecordedRequest[] = [];
    await vi.waitFor(async () => {
      all = await recorded(file);
      expect(all.length).toBeGreaterThanOrEqual(count);
    });
    const fresh = all.slice(seen, count);
    seen = count;
    return fresh;
  };
  return { h, file, during };
}

describe("x-sdk-method on every request of a public call (Python SDK 0.38)", () => {
  it("names the outermost ServiceClient, TrainingClient, SamplingClient and RestClient method", async () => {
    const { h, during } = await recordingHarness();
    const service = h.service;
    const sdkVersion = "0.38.0";

    const capabilities = await during(() => service.getServerCapabilities());
    expect(attribution(capabilities)).toEqual([
      "GET /api/v1/get_server_capabilities -> ServiceClient.get_server_capabilities",
      "POST /api/v1/client/config -> -",
      "POST /api/v1/client/dynamic_config -> -",
    ]);
    const withMethod = capabilities.find((r) => r.headers["x-sdk-method"] !== undefined)!;
    expect(withMethod.headers["x-sdk-version"]).toBe(sdkVersion);
    expect(capabilities.filter((r) => r.headers["x-sdk-version"] !== undefined)).toHaveLength(1);

    let training!: Awaited<ReturnType<typeof service.createLoraTrainingClient>>;
    const creation = await during(async () => {
      training = await service.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 4 });
    });
    expect(attribution(creation)).toEqual([
      "POST /api/v1/client/config -> -",
      "POST /api/v1/client/dynamic_config -> -",
      "POST /api/v1/create_model -> ServiceClient.create_lora_training_client",
      "POST /api/v1/create_session -> -",
      "POST /api/v1/get_info -> ServiceClient.create_lora_training_client",
      "POST /api/v1/retrieve_future -> ServiceClient.create_lora_training_client",
    ]);

    const trainingCalls: Array<[string, () => PromiseLike<unknown>, string]> = [
      [
        "TrainingClient.forward_backward",
        () => training.forwardBackward([ceDatum(1)], "cross_entropy"),
        "forward_backward",
      ],
      ["TrainingClient.forward", () => training.forward([ceDatum(2)], "cross_entropy"), "forward_backward"],
      [
        "TrainingClient.forward_backward_custom",
        () =>
          training.forwardBackwardCustom([ceDatum(3)], (_data, logprobs) => ({
            loss: 0,
            gradients: logprobs.map((lp) => new Float32Array(lp.length)),
          })),
        "forward_backward",
      ],
      ["TrainingClient.optim_step", () => training.optimStep({ learning_rate: 1e-4 }), "optim_step"],
    ];
    for (const [method, call, endpoint] of trainingCalls) {
      expect(attribution(await during(call))).toEqual([
        `POST /api/v1/${endpoint} -> ${method}`,
        `POST /api/v1/retrieve_future -> ${method}`,
      ]);
    }

    let statePath = "";
    expect(
      attribution(
        await during(async () => {
          statePath = (await training.saveState("state-1")).path;
        }),
      ),
    ).toEqual([
      "POST /api/v1/retrieve_future -> TrainingClient.save_state",
      "POST /api/v1/save_weights -> TrainingClient.save_state",
    ]);
    for (const [method, call] of [
      ["TrainingClient.load_state", () => training.loadState(statePath)],
      ["TrainingClient.load_state_with_optimizer", () => training.loadStateWithOptimizer(statePath)],
    ] as const) {
      expect(attribution(await during(call))).toEqual([
        `POST /api/v1/load_weights -> ${method}`,
        `POST /api/v1/retrieve_future -> ${method}`,
      ]);
    }

    let samplerPath = "";
    expect(
      attribution(
        await during(async () => {
          samplerPath = (await training.saveWeightsForSampler("sampler-1")).path;
        }),
      ),
    ).toEqual([
      "POST /api/v1/retrieve_future -> TrainingClient.save_weights_for_sampler",
      "POST /api/v1/save_weights_for_sampler -> TrainingClient.save_weights_for_sampler",
    ]);

    // From a model path the base model is fetched at creation; from a base model it is known.
    let fromPath!: Awaited<ReturnType<typeof service.createSamplingClient>>;
    const openedFromPath = await during(async () => {
      fromPath = await service.createSamplingClient({ modelPath: samplerPath });
    });
    expect(attribution(openedFromPath)).toEqual(
      [
        "POST /api/v1/create_sampling_session -> ServiceClient.create_sampling_client",
        `GET /api/v1/samplers/${fromPath.samplingSessionId} -> ServiceClient.create_sampling_client`,
      ].sort(),
    );
    expect(fromPath.getBaseModel()).toBe(BASE_MODEL);
    expect(attribution(await during(() => service.createSamplingClient({ baseModel: BASE_MODEL })))).toEqual([
      "POST /api/v1/create_sampling_session -> ServiceClient.create_sampling_client",
    ]);

    let fromTraining!: Awaited<ReturnType<typeof training.createSamplingClient>>;
    const openedFromTraining = await during(async () => {
      fromTraining = await training.createSamplingClient(samplerPath);
    });
    expect(attribution(openedFromTraining)).toEqual([
      `GET /api/v1/samplers/${fromTraining.samplingSessionId} -> TrainingClient.create_sampling_client`,
      "POST /api/v1/create_sampling_session -> TrainingClient.create_sampling_client",
    ]);

    // The unnamed save names the sampler and the trained model gives the base model: no lookups.
    let unnamed!: Awaited<ReturnType<typeof training.saveWeightsAndGetSamplingClient>>;
    const savedAndOpened = await during(async () => {
      unnamed = await training.saveWeightsAndGetSamplingClient();
    });
    expect(attribution(savedAndOpened)).toEqual([
      "POST /api/v1/retrieve_future -> TrainingClient.save_weights_and_get_sampling_client",
      "POST /api/v1/save_weights_for_sampler -> TrainingClient.save_weights_and_get_sampling_client",
    ]);
    expect(unnamed.getBaseModel()).toBe(BASE_MODEL);

    const prompt = modelInputFromInts([1, 2, 3]);
    expect(
      attribution(await during(() => unnamed.sample(prompt, { samplingParams: { max_tokens: 2 } }))),
    ).toEqual([
      "POST /api/v1/asample -> SamplingClient.sample",
      "POST /api/v1/retrieve_future -> SamplingClient.sample",
    ]);
    expect(attribution(await during(() => fromPath.computeLogprobs(prompt)))).toEqual([
      "POST /api/v1/asample -> SamplingClient.compute_logprobs",
      "POST /api/v1/retrieve_future -> SamplingClient.compute_logprobs",
    ]);

    const fromState = await during(() => service.createTrainingClientFromStateWithOptimizer(statePath));
    const withOptimizer = "ServiceClient.create_training_client_from_state_with_optimizer";
    expect(attribution(fromState)).toEqual([
      `POST /api/v1/get_info -> ${withOptimizer}`,
      `POST /api/v1/load_weights -> ${withOptimizer}`,
      `POST /api/v1/retrieve_future -> ${withOptimizer}`,
    ]);
    expect(
      attribution(await during(() => service.createTrainingClientFromState(statePath))).filter((line) =>
        line.includes("load_weights"),
      ),
    ).toEqual(["POST /api/v1/load_weights -> ServiceClient.create_training_client_from_state"]);

    // A RestClient method built on another keeps its own name.
    const rest = service.createRestClient();
    expect(attribution(await during(() => rest.getTrainingRunByTinkerPath(statePath)))).toEqual([
      `GET /api/v1/training_runs/${training.modelId} -> RestClient.get_training_run_by_tinker_path`,
    ]);
    expect(attribution(await during(() => rest.getTrainingRun(training.modelId)))).toEqual([
      `GET /api/v1/training_runs/${training.modelId} -> RestClient.get_training_run`,
    ]);
    expect(attribution(await during(async () => rest.listTrainingRuns({ limit: 5 })))).toEqual([
      "GET /api/v1/training_runs -> RestClient.list_training_runs",
    ]);
    expect(attribution(await during(() => rest.getServerCapabilities()))).toEqual([
      "GET /api/v1/get_server_capabilities -> RestClient.get_server_capabilities",
    ]);
    const deletion = await during(() => rest.deleteCheckpointFromTinkerPath(samplerPath));
    expect(deletion.map((r) => r.headers["x-sdk-method"])).toEqual([
      "RestClient.delete_checkpoint_from_tinker_path",
    ]);

    const closing = await during(() => service.close());
    expect(attribution(closing).filter((line) => line.includes("/finish"))).toEqual([
      `POST /api/v1/sessions/${await service.sessionId()}/finish -> ServiceClient.close`,
    ]);
  });

  it("keeps heartbeats, dynamic-config refreshes and telemetry out of every method; telemetry's timeout reads 5.0", async () => {
    const { h, file } = await recordingHarness({ client: { telemetry: true, clock: acceleratedClock(500) } });
    await h.service.createSamplingClient({ baseModel: BASE_MODEL });
    await vi.waitFor(() => {
      expect(h.requestsTo("/api/v1/session_heartbeat").length).toBeGreaterThanOrEqual(1);
      expect(h.requestsTo("/api/v1/telemetry").length).toBeGreaterThanOrEqual(1);
      expect(h.requestsTo("/api/v1/client/dynamic_config").length).toBeGreaterThanOrEqual(2);
    });
    await h.service.close();
    const count = h.serverLog.length;
    let all: RecordedRequest[] = [];
    await vi.waitFor(async () => {
      all = await recorded(file);
      expect(all.length).toBeGreaterThanOrEqual(count);
    });
    const background = all.filter((r) =>
      ["/api/v1/session_heartbeat", "/api/v1/telemetry", "/api/v1/client/dynamic_config"].includes(r.path),
    );
    expect(background.length).toBeGreaterThanOrEqual(4);
    for (const request of background) {
      expect(request.headers["x-sdk-method"]).toBeUndefined();
      expect(request.headers["x-sdk-version"]).toBeUndefined();
    }
    const timeouts = (path: string) =>
      new Set(all.filter((r) => r.path === path).map((r) => r.headers["x-stainless-read-timeout"]));
    expect(timeouts("/api/v1/telemetry")).toEqual(new Set(["5.0"]));
    expect(timeouts("/api/v1/session_heartbeat")).toEqual(new Set(["10"]));
    expect(timeouts("/api/v1/create_sampling_session")).toEqual(new Set(["60"]));
  });
});
