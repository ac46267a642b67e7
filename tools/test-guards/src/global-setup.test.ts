import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import setup from "./global-setup.js";

// These run the global setup inside a test: the home it guards is then this run's own sandbox
// (which the real global setup already put in place), so nothing real is ever written.
describe("the home guard's global setup", () => {
  it("moves HOME into a fresh sandbox, then restores it and passes when nothing was touched", async () => {
    const outer = { HOME: process.env["HOME"], HF_HOME: process.env["HF_HOME"] };
    const teardown = await setup();
    expect(process.env["HOME"]).not.toBe(outer.HOME);
    expect(process.env["HOME"]).toMatch(/tinker-ts-test-home-[^/]+\/home$/);
    expect(process.env["HF_HOME"]).toBe(join(process.env["HOME"]!, ".cache", "huggingface"));
    await teardown();
    expect({ HOME: process.env["HOME"], HF_HOME: process.env["HF_HOME"] }).toEqual(outer);
  });

  it("fails the run, naming the path, when a guarded directory changed", async () => {
    const guarded = join(homedir(), ".tinker");
    const teardown = await setup();
    try {
      await mkdir(guarded, { recursive: true });
      await writeFile(join(guarded, "credentials.json"), "{}");
      await expect(teardown()).rejects.toThrow(
        `The tests changed the user's real caches or config (they must use temporary directories): ${guarded}`,
      );
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = 0;
      await rm(guarded, { recursive: true, force: true });
    }
  });
});
