import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { freePort, startRegistry, verdaccioConfig } from "./verdaccio.js";

const verdaccio = fileURLToPath(new URL("../node_modules/.bin/verdaccio", import.meta.url));

describe("the rehearsal's registry", () => {
  it("serves @tinker-ts/* only from what was published to it, and proxies everything else", () => {
    const config = verdaccioConfig("/tmp/r", "https://registry.example/");
    expect(config).toContain('storage: "/tmp/r/storage"');
    const scoped = config.slice(config.indexOf("'@tinker-ts/*'"), config.indexOf("'**'"));
    expect(scoped).not.toContain("proxy");
    expect(config.slice(config.indexOf("'**'"))).toContain("proxy: upstream");
    expect(config).toContain('url: "https://registry.example/"');
  });

  it("starts on 127.0.0.1 with a publishing user, and stops", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tinker-ts-verdaccio-test-"));
    try {
      // The upstream is never asked here: nothing outside @tinker-ts is requested.
      const registry = await startRegistry(verdaccio, dir, `http://127.0.0.1:${await freePort()}/`);
      expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(registry.token.length).toBeGreaterThan(10);
      const whoami = await fetch(new URL("-/whoami", registry.url), {
        headers: { authorization: `Bearer ${registry.token}` },
      });
      expect(await whoami.json()).toEqual({ username: "rehearsal" });
      await registry.stop();
      await expect(fetch(new URL("-/ping", registry.url))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("explains a registry that does not start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tinker-ts-verdaccio-test-"));
    try {
      await expect(startRegistry(process.execPath, dir, "http://127.0.0.1:9/", 4)).rejects.toThrow(
        /verdaccio did not start/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
