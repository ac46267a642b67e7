import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLive } from "@tinker-ts/test-guards";
import { describe, expect, it } from "vitest";
import { getTokenizer } from "../get-tokenizer.js";

/**
 * Live tests of the "hub" area (docs/testing.md#live-tests): a real download from the Hugging Face
 * Hub into a temporary cache (`HF_TOKEN` and `HF_ENDPOINT` from the environment are honoured).
 * They run with `TINKER_LIVE=hub` (or `1`, `all`); skipped otherwise.
 */
describe.skipIf(!isLive("hub"))("live Hugging Face Hub download", () => {
  it("downloads Qwen3's tokenizer into an empty cache and encodes with it, then reuses it offline", async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), "tinker-ts-hub-live-"));
    try {
      const online = await getTokenizer("Qwen/Qwen3-8B", { cacheDir });
      expect(Array.from(online.encode("Hello, world"))).toEqual([9707, 11, 1879]);
      const offline = await getTokenizer("Qwen/Qwen3-8B", {
        cacheDir,
        offline: true,
        tokenizerId: "Qwen/Qwen3-8B",
      });
      expect(offline.decode(online.encode("Hello, world"))).toBe("Hello, world");
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
