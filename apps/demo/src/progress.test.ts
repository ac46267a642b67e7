import { PassThrough } from "node:stream";
import type { StepReport } from "@tinker-ts/examples/sft-basic";
import { describe, expect, it } from "vitest";
import { createProgress } from "./progress.js";

const report = (step: number, steps = 25): StepReport => ({
  step,
  steps,
  loss: 10 / (step + 1),
  tokens: 1000,
  tokensPerSecond: 1234.4,
  elapsedMs: (step + 1) * 500,
});

describe("createProgress", () => {
  it("writes plain lines at the first step, every tenth and the last when not on a terminal", () => {
    const lines: string[] = [];
    const progress = createProgress({ write: (text: string) => lines.push(text), isTTY: false }, 25);
    for (let step = 0; step < 25; step++) progress.update(report(step));
    progress.stop();
    expect(lines).toEqual([
      "  step  1/25  loss 10.000  1,234 tokens/s\n",
      "  step 10/25  loss 1.000  1,234 tokens/s\n",
      "  step 20/25  loss 0.500  1,234 tokens/s\n",
      "  step 25/25  loss 0.400  1,234 tokens/s\n",
    ]);
  });

  it("draws a bar with step, loss and tokens/s on a terminal", () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let written = "";
    stream.on("data", (chunk: Buffer) => {
      written += chunk.toString("utf8");
    });
    const progress = createProgress(stream, 3);
    for (let step = 0; step < 3; step++) progress.update(report(step, 3));
    progress.stop();
    expect(written).toContain("step 3/3");
    expect(written).toContain("loss 3.333");
    expect(written).toContain("1,234 tokens/s");
  });
});
