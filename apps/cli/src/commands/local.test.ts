import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureStream } from "../cli.test-helpers.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { expectSchema } from "../schema.test-helpers.js";
import { loadLocalServer, localServeCommand, type ServeFlags } from "./local.js";

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "tinker-cli-local-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function context(format: "table" | "json", signal: AbortSignal) {
  const stdout = captureStream();
  const stderr = captureStream();
  const io: CliIo = {
    stdout,
    stderr,
    stdinIsTTY: false,
    readLine: async () => undefined,
    readAll: async () => "",
    env: {},
    cwd: work,
    now: () => Date.now(),
  };
  const ctx: CommandContext = {
    io,
    options: { format, baseUrl: undefined, color: false, debug: false, apiKeyStdin: false },
    signal,
    clients: {
      rest: () => Promise.reject(new Error("unused")),
      sampler: () => Promise.reject(new Error("unused")),
      close: async () => {},
    },
  };
  return { ctx, stdout, stderr };
}

const FLAGS: ServeFlags = { port: 0, host: "127.0.0.1", backend: "null", logLevel: "silent" };

async function waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("tinker local serve", () => {
  it("serves tinker-local until interrupted, printing its URL", async () => {
    await writeFile(join(work, "keys.txt"), "# keys\ntml-local-one\n\n");
    await writeFile(
      join(work, "faults.json"),
      JSON.stringify({ rules: [{ endpoint: "/api/v1/nothing", server_error: 1 }] }),
    );
    const controller = new AbortController();
    const { ctx, stdout, stderr } = context("table", controller.signal);
    const serving = localServeCommand(ctx, {
      ...FLAGS,
      keysFile: "keys.txt",
      faults: "faults.json",
      dataDir: "data",
    });
    await waitFor(() => stdout.text.includes("listening"));
    const url = String(/listening on (\S+)/.exec(stdout.text)?.[1]);
    const health = await fetch(`${url}/api/v1/healthz`);
    expect(await health.json()).toEqual({ status: "ok" });
    const denied = await fetch(`${url}/api/v1/training_runs`, { headers: { "x-api-key": "tml-not-listed" } });
    expect(denied.status).toBe(401);
    expect(stderr.text).toContain(
      `data dir: ${join(work, "data")} (kept across restarts)\nPress Ctrl-C to stop.`,
    );
    controller.abort();
    expect(await serving).toEqual({ kind: "done" });
    await expect(fetch(`${url}/api/v1/healthz`)).rejects.toThrow();
  });

  it("prints one JSON line describing the server with --format json", async () => {
    const controller = new AbortController();
    const { ctx, stdout } = context("json", controller.signal);
    const serving = localServeCommand(ctx, { ...FLAGS, jwt: true, ephemeral: true });
    await waitFor(() => stdout.text.includes("}"));
    const json = JSON.parse(stdout.text);
    expectSchema("local-serve", json);
    expect(json.data_dir).not.toContain(".tinker-local");
    controller.abort();
    await serving;
  });

  it("explains how to install the server package when it is missing", async () => {
    const missing = Object.assign(new Error("Cannot find package '@tinker-ts/local-server'"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    const error = await loadLocalServer(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(CliError.isInstance(error)).toBe(true);
    expect((error as CliError).message).toBe(
      "tinker local serve needs the @tinker-ts/local-server package, which is not installed",
    );
    expect((error as CliError).details).toContain("npm install -g @tinker-ts/local-server");
    const other = new Error("boom");
    await expect(loadLocalServer(() => Promise.reject(other))).rejects.toBe(other);
  });
});
