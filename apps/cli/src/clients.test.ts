import { describe, expect, it } from "vitest";
import { captureStream } from "./cli.test-helpers.js";
import { resolveApiKey, stderrLogger } from "./clients.js";
import type { GlobalOptions } from "./context.js";
import type { CliIo } from "./io.js";

const options = (apiKeyStdin: boolean): GlobalOptions => ({
  format: "table",
  baseUrl: undefined,
  color: false,
  debug: false,
  apiKeyStdin,
});

function io(env: Record<string, string>, lines: string[] = []): CliIo & { stderr: { text: string } } {
  return {
    stdout: captureStream(),
    stderr: captureStream(),
    stdinIsTTY: false,
    readLine: async () => lines.shift(),
    readAll: async () => "",
    env,
    cwd: "/",
    now: () => 0,
  };
}

describe("resolveApiKey", () => {
  it("takes TINKER_API_KEY, or the first stdin line with --api-key-stdin", async () => {
    expect(await resolveApiKey(io({ TINKER_API_KEY: " tml-a " }), options(false))).toBe("tml-a");
    expect(await resolveApiKey(io({ TINKER_API_KEY: "tml-a" }, ["tml-b", "x"]), options(true))).toBe("tml-b");
  });

  it("leaves the key to TINKER_CREDENTIAL_CMD when only that is set", async () => {
    expect(await resolveApiKey(io({ TINKER_CREDENTIAL_CMD: "pass tinker" }), options(false))).toBeUndefined();
  });

  it("fails without any credential", async () => {
    await expect(resolveApiKey(io({}), options(false))).rejects.toThrow("No API key found");
    await expect(resolveApiKey(io({}, ["   "]), options(true))).rejects.toThrow("No API key on stdin");
  });
});

describe("stderrLogger", () => {
  it("writes SDK log lines to stderr only", () => {
    const target = io({});
    const logger = stderrLogger(target);
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(target.stderr.text).toBe("[tinker] DEBUG d\n[tinker] INFO i\n[tinker] WARN w\n[tinker] ERROR e\n");
    expect((target.stdout as unknown as { text: string }).text).toBe("");
  });
});
