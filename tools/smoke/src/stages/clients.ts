import { computeReferenceLogprobs, dpoLoss, ServiceClient } from "@tinker-ts/clients";
import { startLocalServer } from "@tinker-ts/local-server";
import { datum, modelInputFromInts } from "@tinker-ts/types";
import { check, type Stage } from "../stage.js";

const BASE_MODEL = "Qwen/Qwen3-8B";

/** Every client against tinker-local (null backend) started in this process: the SDK's whole surface. */
export const clientsStage: Stage = {
  name: "clients",
  description:
    "ServiceClient/TrainingClient/SamplingClient/RestClient against an embedded tinker-local (null backend): train, custom loss, save, resume, sample, list",
  async run() {
    const server = await startLocalServer({ port: 0, logLevel: "silent" });
    const service = new ServiceClient({
      baseUrl: server.url,
      apiKey: "tml-smoke",
      env: {},
      credentialsFile: false,
      telemetry: false,
      userMetadata: { smoke: "clients" },
    });
    try {
      const capabilities = await service.getServerCapabilities();
      check(
        capabilities.supported_models.some((m) => m.model_name === BASE_MODEL),
        `${BASE_MODEL} is not among the supported models`,
      );
      const training = await service.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 8, seed: 1 });
      const data = [0, 1, 2, 3].map((i) =>
        datum(modelInputFromInts([10 + i, 11, 12, 13]), {
          target_tokens: [11, 12, 13, 14],
          weights: [0, 1, 1, 1],
        }),
      );
      const forwardBackward = training.forwardBackward(data, "cross_entropy");
      const optim = training.optimStep({ learning_rate: 1e-4 });
      const [output] = await Promise.all([forwardBackward, optim]);
      check(
        output.loss_fn_outputs.length === 4,
        `forward_backward returned ${output.loss_fn_outputs.length} outputs for 4 datums`,
      );
      check(Number.isFinite(output.metrics["loss:sum"]), "forward_backward has no finite loss:sum");

      const sampler = await training.saveWeightsAndGetSamplingClient();
      const prompt = modelInputFromInts([1, 2, 3, 4]);
      const sample = await sampler.sample(prompt, {
        numSamples: 2,
        samplingParams: { max_tokens: 5, temperature: 1, seed: 3 },
        includePromptLogprobs: true,
      });
      check(sample.sequences.length === 2, `asked for 2 samples, got ${sample.sequences.length}`);
      check(
        sample.sequences.every((s) => s.tokens.length <= 5),
        "a sample is longer than max_tokens",
      );
      const logprobs = await sampler.computeLogprobs(prompt);
      check(
        logprobs.length === 4 && logprobs[0] === null,
        "computeLogprobs: expected 4 entries starting with null",
      );

      const pairs = [data[0]!, data[1]!];
      const reference = await computeReferenceLogprobs(sampler, pairs);
      const custom = await training.forwardBackwardCustom(
        pairs,
        dpoLoss({ beta: 0.1, referenceLogprobs: reference }),
      );
      check(
        Number.isFinite(custom.metrics["dpo_loss"]),
        "forwardBackwardCustom(dpoLoss) reported no dpo_loss",
      );

      const saved = await training.saveState("smoke-state");
      const resumed = await service.createTrainingClientFromStateWithOptimizer(saved.path);
      await resumed.optimStep({ learning_rate: 1e-4 });

      const rest = service.createRestClient();
      const runs: string[] = [];
      for await (const run of rest.listTrainingRuns({ limit: 1 })) runs.push(run.training_run_id);
      check(
        runs.length === 2,
        `listed ${runs.length} training runs page by page, expected 2 (trained and resumed)`,
      );
      const runId = saved.path.split("/")[2]!;
      const checkpoints = await rest.listCheckpoints(runId);
      check(
        checkpoints.checkpoints.some((c) => c.tinker_path === saved.path),
        `listCheckpoints(${runId}) does not list ${saved.path}`,
      );
      return `capabilities, forward_backward + optim_step, sample ×2, compute_logprobs, DPO custom loss, save → resume with optimizer, ${runs.length} runs paged, checkpoints listed`;
    } finally {
      await service.close();
      await server.close();
    }
  },
};
