import { startLocalServer } from "@tinker-ts/local-server";
import { describe, expect, it } from "vitest";
import { runTinker } from "./cli-listing.js";

describe("runTinker", () => {
  it("runs the tinker CLI in-process with captured output against the given server", async () => {
    const server = await startLocalServer({ port: 0, logLevel: "silent" });
    try {
      const runs = await runTinker(["--format", "json", "run", "list"], {
        baseUrl: server.url,
        apiKey: "tml-demo-test",
      });
      expect(runs.command).toBe("tinker --format json run list");
      expect(runs.exitCode).toBe(0);
      expect(JSON.parse(runs.stdout)).toMatchObject({ runs: [] });
    } finally {
      await server.close();
    }
  });

  it("reports a failing command with its exit code and message", async () => {
    const run = await runTinker(["no-such-command"], { baseUrl: undefined, apiKey: "tml-demo-test" });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).not.toBe("");
  });
});
