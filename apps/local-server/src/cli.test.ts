import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawnServe, stop } from "./bin.test-helpers.js";
import { readKeysFile, runCli, serveOptions } from "./cli.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinker-local-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe("tinker-local CLI", () => {
  it("serves the tiny backend from the built command and stops cleanly on SIGTERM", async () => {
    const proc = await spawnServe(["--backend", "tiny", "--tokenizer-dir", dir, "--hf-hub-cache", dir]);
    try {
      expect(proc.stdout.join("\n")).toContain("ready: backend=tiny");
      const health = await fetch(`${proc.url}/api/v1/healthz`);
      expect(health.status).toBe(200);
    } finally {
      expect(await stop(proc, "SIGTERM")).toBe(0);
    }
  });

  it("keeps its state in ~/.tinker-local by default and says so; --ephemeral removes a temporary one", async () => {
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: "" };
    const kept = await spawnServe([], { env, persistent: true });
    expect(await stop(kept, "SIGTERM")).toBe(0);
    const keptDir = join(dir, ".tinker-local");
    expect(kept.stdout).toContain(
      `data dir: ${keptDir} (kept across restarts; --ephemeral for a temporary one)`,
    );
    expect((await stat(keptDir)).isDirectory()).toBe(true);

    const temporary = await spawnServe(["--ephemeral"], { env });
    expect(await stop(temporary, "SIGTERM")).toBe(0);
    const line = temporary.stdout.find((l) => l.startsWith("data dir: "))!;
    expect(line).toMatch(/\(temporary: removed when the server stops\)$/);
    const tempDir = /^data dir: (.*) \(temporary/.exec(line)?.[1] ?? "";
    expect(tempDir.startsWith(keptDir)).toBe(false);
    await expect(stat(tempDir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses --data-dir with --ephemeral as a usage error", async () => {
    const io = capture();
    expect(await runCli(["serve", "--data-dir", dir, "--ephemeral", "--port", "0"], io.io)).toBe(2);
    expect(io.err.join("\n")).toContain("cannot be used with");
  });

  it("passes the tokenizer flags to the server as tokenizer settings", () => {
    const base = { port: 0, host: "127.0.0.1", backend: "tiny", logLevel: "info" as const };
    expect(serveOptions(base).tokenizers).toBeUndefined();
    expect(serveOptions({ ...base, tokenizerDir: "/t", hfHubCache: "/c" })).toMatchObject({
      backend: "tiny",
      tokenizers: { directory: "/t", hub: { cacheDir: "/c" } },
    });
    expect(serveOptions({ ...base, hfHubCache: "/c" }).tokenizers).toEqual({ hub: { cacheDir: "/c" } });
  });

  it("exits 2 on usage errors and 0 for help", async () => {
    const bad = capture();
    expect(await runCli(["serve", "--port", "99999"], bad.io)).toBe(2);
    expect(bad.err.join("\n")).toContain("not a port number");
    expect(await runCli(["serve", "--backend", "gpu", "--port", "0"], capture().io)).toBe(2);
    expect(await runCli(["serve", "--log-level", "loud"], capture().io)).toBe(2);
    expect(await runCli(["frobnicate"], capture().io)).toBe(2);
    const help = capture();
    expect(await runCli(["serve", "--help"], help.io)).toBe(0);
    expect(help.out.join("\n")).toContain("--data-dir");
  });

  it("builds server options from flags, a keys file and a faults file", async () => {
    const keys = join(dir, "keys");
    await writeFile(keys, "# team keys\ntml-one\n\ntml-two\n");
    expect(readKeysFile(keys)).toEqual(["tml-one", "tml-two"]);
    const faults = join(dir, "faults.json");
    await writeFile(faults, JSON.stringify({ seed: 3, rules: [{ endpoint: "*", timeout: 0.5 }] }));
    const options = serveOptions({
      port: 0,
      host: "127.0.0.1",
      backend: "null",
      logLevel: "warn",
      dataDir: dir,
      faults,
      apiKey: ["tml-zero"],
      keysFile: keys,
      jwt: true,
      adminToken: "t",
      record: join(dir, "rec.jsonl"),
      pollTimeoutMs: 10,
      sessionExpiryMs: 20,
      seqGapTimeoutMs: 30,
      protoCompress: true,
    });
    expect(options).toMatchObject({
      apiKeys: ["tml-zero", "tml-one", "tml-two"],
      jwtAuth: true,
      adminToken: "t",
      faults: { seed: 3 },
      pollTimeoutMs: 10,
      sessionExpiryMs: 20,
      seqGapTimeoutMs: 30,
      clientConfig: { proto_compress_fwdbwd: true },
    });
    await writeFile(faults, JSON.stringify({ rules: [{ endpoint: "*", timeout: 5 }] }));
    expect(() => serveOptions({ port: 0, host: "h", backend: "null", logLevel: "info", faults })).toThrow(
      "probability",
    );
  });

  it("reports a port that cannot be bound as exit 1", async () => {
    const { io, err } = capture();
    expect(await runCli(["serve", "--ephemeral", "--port", "1", "--host", "256.0.0.1"], io)).toBe(1);
    expect(err.join("\n")).toContain("Cannot listen");
  });
});
