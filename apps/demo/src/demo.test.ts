import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoResult, pickShowcase, printable, runDemo } from "./demo.js";

describe("runDemo against tinker-local's tiny model (small settings)", () => {
  let outDir: string;
  let result: DemoResult;
  let output = "";
  let progress = "";

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "tinker-demo-test-"));
    result = await runDemo({
      steps: 16,
      batchSize: 32,
      outDir,
      env: {},
      out: {
        write: (text: string) => {
          output += text;
        },
        isTTY: false,
      },
      progress: {
        write: (text: string) => {
          progress += text;
        },
        isTTY: false,
      },
      show: 3,
    });
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it("passes its checks: the loss halves and held-out answers follow the training answers", () => {
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ["loss fell by at least half", true],
      ["held-out answers learned from the dataset", true],
      ["the tinker CLI lists the run and its checkpoints", true],
    ]);
    expect(result.ok).toBe(true);
    expect(result.lastLoss).toBeLessThanOrEqual(result.firstLoss / 2);
    expect(result.reports).toHaveLength(16);
    expect(result.completions).toHaveLength(31);
  });

  it("names the tiny model for what it is, in the output and the SVG title", () => {
    const honest = "tiny LoRA model with Qwen3-8B's tokenizer, emulating Qwen/Qwen3-8B";
    expect(output).toContain(`Training   ${honest}, LoRA rank 16`);
    expect(output).toContain("AdamW lr 0.02");
    const title = `SFT of the ${honest} (LoRA rank 16) on animal-facts`.replace("'", "&apos;");
    expect(readFileSync(result.svgPath, "utf8")).toContain(`>${title}</text>`);
  });

  it("writes the loss curve as an SVG with one point per step", () => {
    const svg = readFileSync(result.svgPath, "utf8");
    const points = (/points="([^"]+)"/.exec(svg)?.[1] ?? "").split(" ");
    expect(points).toHaveLength(16);
  });

  it("saves both checkpoints under the server's data dir and reports where", () => {
    expect(result.checkpoints.state.tinkerPath).toBe(`tinker://${result.trainingRunId}/weights/demo-final`);
    expect(result.checkpoints.sampler.tinkerPath).toBe(
      `tinker://${result.trainingRunId}/sampler_weights/demo-final`,
    );
    for (const checkpoint of [result.checkpoints.state, result.checkpoints.sampler]) {
      expect(checkpoint.localDir?.startsWith(join(outDir, "server"))).toBe(true);
      expect(existsSync(checkpoint.localDir!)).toBe(true);
    }
  });

  it("prints every section, the CLI tables and progress lines", () => {
    for (const heading of [
      "Service ",
      "Tokenizer ",
      "Dataset ",
      "Training ",
      "Held-out questions",
      "Checkpoints",
      "The tinker CLI",
      "Checks",
    ]) {
      expect(output).toContain(heading);
    }
    expect(output).toContain("$ tinker run list --limit 5");
    expect(output).toContain(result.trainingRunId);
    expect(output).toContain(result.svgPath);
    expect(progress).toContain("step 16/16");
  });
});

describe("helpers", () => {
  it("printable shows line breaks and control characters and cuts long text", () => {
    expect(printable("a\nb\u0007c")).toBe("a⏎b�c");
    expect(printable("x".repeat(10), 5)).toBe("xxxx…");
  });

  it("pickShowcase takes the first held-out question of each kind", () => {
    const pair = (id: number, kind: string) =>
      ({ id, kind, animal: "a", split: "test", prompt: "", completion: "" }) as const;
    expect(
      pickShowcase([pair(1, "home"), pair(2, "home"), pair(3, "legs"), pair(4, "fly")], 2).map((p) => p.id),
    ).toEqual([1, 3]);
  });
});
