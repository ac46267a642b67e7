import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLive } from "@tinker-ts/test-guards";
import { describe, expect, it } from "vitest";
import { runInProcess } from "./cli.test-helpers.js";

/**
 * Live tests of the "cli" area (docs/testing.md#live-tests): the `tinker` CLI's read-only commands
 * against the real Tinker service, with the caller's `TINKER_API_KEY` (and `TINKER_BASE_URL`).
 * They run with `TINKER_LIVE=cli` (or `1`, `all`); skipped otherwise.
 */
describe.skipIf(!isLive("cli"))("live tinker CLI", () => {
  it("lists training runs, shows whoami and the billing usage as JSON", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "tinker-cli-live-"));
    const env = {
      TINKER_API_KEY: process.env["TINKER_API_KEY"],
      TINKER_BASE_URL: process.env["TINKER_BASE_URL"],
      HOME: cwd,
    };
    try {
      const runs = await runInProcess(["--json", "run", "list", "--limit", "2"], { env, cwd });
      expect(runs.code).toBe(0);
      expect(Array.isArray(JSON.parse(runs.stdout).training_runs)).toBe(true);
      const whoami = await runInProcess(["--json", "whoami"], { env, cwd });
      expect(whoami.code).toBe(0);
      expect(JSON.parse(whoami.stdout)).toHaveProperty("user_urn");
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
