import { describe, expect, it } from "vitest";
import { DemoUsageError, parseDemoArgs } from "./args.js";

describe("parseDemoArgs", () => {
  it("maps flags to demo options and leaves defaults alone", () => {
    expect(parseDemoArgs([])).toEqual({});
    expect(
      parseDemoArgs(["--steps", "20", "--batch-size", "8", "--lr", "0.01", "--out", "/tmp/x", "--local"]),
    ).toEqual({
      steps: 20,
      batchSize: 8,
      learningRate: 0.01,
      outDir: "/tmp/x",
      forceLocal: true,
    });
  });

  it("rejects unknown flags and values that are not positive", () => {
    expect(() => parseDemoArgs(["--nope"])).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(["--steps", "0"])).toThrow("--steps must be a positive integer, got '0'.");
    expect(() => parseDemoArgs(["--steps", "2.5"])).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(["--lr", "abc"])).toThrow("--lr must be a positive number, got 'abc'.");
  });
});
