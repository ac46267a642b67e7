import { describe, expect, it } from "vitest";
import { formatResult, runSmoke, SMOKE_STAGES } from "./smoke.js";
import { runStage, type Stage } from "./stage.js";

describe("runSmoke (pnpm smoke in function form)", () => {
  it("passes every stage, in order, without printing", async () => {
    const seen: string[] = [];
    const results = await runSmoke({ onResult: (r) => seen.push(r.name) });
    const failures = results
      .filter((r) => r.status !== "pass")
      .map((r) => `${r.name}: ${r.status}: ${r.detail}`);
    expect(failures).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(SMOKE_STAGES.map((s) => s.name));
    expect(seen).toEqual(results.map((r) => r.name));
    expect(results.map((r) => r.name)).toEqual([
      "types",
      "http",
      "futures",
      "metrics-reduction",
      "tokenizer",
      "clients",
      "tiny-training",
      "telemetry",
      "cli",
    ]);
  });

  it("runs only the stages asked for and rejects unknown names", async () => {
    const results = await runSmoke({ only: ["metrics-reduction"] });
    expect(results.map((r) => [r.name, r.status])).toEqual([["metrics-reduction", "pass"]]);
    await expect(runSmoke({ only: ["nope"] })).rejects.toThrow("Unknown smoke stage(s): nope.");
  });
});

describe("runStage", () => {
  const context = { workDir: "/nonexistent" };

  it("turns a throw into fail with the first line of the message", async () => {
    const stage: Stage = {
      name: "broken",
      description: "",
      run: async () => {
        throw new Error("bytes differ\nmore detail");
      },
    };
    expect(await runStage(stage, context)).toMatchObject({
      name: "broken",
      status: "fail",
      detail: "bytes differ",
    });
  });

  it("reports a skip with its reason", async () => {
    const stage: Stage = {
      name: "later",
      description: "",
      run: async () => ({ skip: "needs the tiny backend" }),
    };
    expect(await runStage(stage, context)).toMatchObject({
      status: "skip",
      detail: "needs the tiny backend",
    });
  });

  it("formats a result as one line", () => {
    expect(formatResult({ name: "types", status: "pass", detail: "41 bodies", durationMs: 12.4 })).toBe(
      "PASS  types           41 bodies  (12 ms)",
    );
  });
});
