import { join } from "node:path";
import { animalFactsData, lossDrop, trainSft } from "@tinker-ts/examples/sft-basic";
import { openExampleSession } from "@tinker-ts/examples/support";
import { check, type Stage } from "../stage.js";

/** A short supervised run on tinker-local's tiny model (real gradients): the loss must halve. */
export const tinyTrainingStage: Stage = {
  name: "tiny-training",
  description:
    "12 steps of supervised fine-tuning on the tiny LoRA model with the Qwen3 tokenizer: the loss halves",
  async run({ workDir }) {
    const session = await openExampleSession({
      env: {},
      backend: "tiny",
      dataDir: join(workDir, "tiny-server"),
      userMetadata: { smoke: "tiny" },
    });
    try {
      const { train } = animalFactsData(session.tokenizer);
      const training = await session.service.createLoraTrainingClient({
        baseModel: session.baseModel,
        rank: 8,
        seed: 0,
      });
      const reports = await trainSft(training, train, {
        steps: 12,
        batchSize: 16,
        learningRate: session.learningRate,
      });
      const { first, last } = lossDrop(reports);
      check(last <= first / 2, `the loss did not halve: ${first.toFixed(3)} → ${last.toFixed(3)}`);
      const tokensPerSecond = reports.reduce((n, r) => n + r.tokens, 0) / (reports.at(-1)!.elapsedMs / 1000);
      return `loss ${first.toFixed(2)} → ${last.toFixed(2)} in 12 steps, ${Math.round(tokensPerSecond)} tokens/s`;
    } finally {
      await session.close();
    }
  },
};
