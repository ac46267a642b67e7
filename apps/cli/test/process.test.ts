import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type CliRun,
  type RunOptions,
  runBin,
  startTestServer,
  type TestServer,
  testEnv,
} from "../src/cli.test-helpers.js";
import { qwenHfHome } from "../src/hf-cache.test-helpers.js";
import { expectSchema } from "../src/schema.test-helpers.js";

/**
 * Every command as a real process: the bundled `tinker` executable against tinker-local. Checks
 * exit codes, that stdout holds only data and stderr everything else, that piped output has no
 * control characters, and validates every JSON output against its schema.
 */

const bin = inject("cliBin");
let srv: TestServer;
let work: string;
let env: Record<string, string | undefined>;
let session = "";
let runId = "";
let weights = "";
let sampler = "";

// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

beforeAll(async () => {
  srv = await startTestServer();
  work = await mkdtemp(join(tmpdir(), "tinker-cli-proc-"));
  env = testEnv(srv.url, qwenHfHome());
  srv.clock.current = Date.UTC(2026, 0, 1);
  session = await srv.session({ owner: "process-test" });
  runId = await srv.model(session);
  weights = await srv.save(runId, "final");
  sampler = await srv.save(runId, "policy", "sampler");
  for (let i = 0; i < 10; i++) {
    srv.clock.current = Date.UTC(2026, 0, 2, i);
    await srv.save(runId, `step-${i}`);
  }
  srv.clock.current = Date.UTC(2026, 0, 3);
});

afterAll(async () => {
  await srv.close();
  await rm(work, { recursive: true, force: true });
});

const tinker = (args: string[], options: RunOptions = {}) =>
  runBin(bin, args, { env, cwd: work, ...options });

/** A successful run with data on stdout, nothing on stderr, and no control characters. */
function expectClean(result: CliRun, stderr = ""): void {
  expect(result.stderr).toBe(stderr);
  expect(result.code).toBe(0);
  expect(result.stdout).not.toMatch(CONTROL);
}

async function json(args: string[], schema: string): Promise<Record<string, unknown>> {
  const result = await tinker(["--format", "json", ...args]);
  expectClean(result);
  const value = JSON.parse(result.stdout) as Record<string, unknown>;
  expectSchema(schema, value);
  return value;
}

describe("the tinker executable", () => {
  it("prints help and the version", async () => {
    const help = await tinker(["--help"]);
    expectClean(help);
    expect(help.stdout).toContain("Usage: tinker");
    const version = await tinker(["version"]);
    expectClean(version);
    expect(version.stdout).toMatch(/^tinker \d+\.\d+\.\d+\n$/);
    await json(["version"], "version");
  });

  it("run list / run info: tables and JSON", async () => {
    const table = await tinker(["run", "list"]);
    expectClean(table);
    expect(table.stdout).toContain("1 training run");
    expect(table.stdout).toContain(runId);
    const list = await json(["run", "list", "--limit", "0"], "run-list");
    expect((list["runs"] as unknown[]).length).toBe(1);
    const info = await tinker(["run", "info", runId]);
    expectClean(info);
    expect(info.stdout).toContain(`Training Run: ${runId}`);
    await json(["run", "info", runId], "run-info");
  });

  it("checkpoint list / info / publish / unpublish / set-ttl", async () => {
    const table = await tinker(["checkpoint", "list", "--run-id", runId]);
    expectClean(table);
    expect(table.stdout).toContain(`12 checkpoints for run ${runId}`);
    const all = await json(["checkpoint", "list", "--limit", "5"], "checkpoint-list");
    expect((all["checkpoints"] as unknown[]).length).toBe(5);
    const info = await tinker(["checkpoint", "info", weights]);
    expectClean(info);
    expect(info.stdout).toContain("Checkpoint: weights/final");
    await json(["checkpoint", "info", sampler], "checkpoint-info");
    expectClean(await tinker(["checkpoint", "publish", weights]));
    expect((await json(["checkpoint", "info", weights], "checkpoint-info"))["public"]).toBe(true);
    await json(["checkpoint", "unpublish", weights], "checkpoint-publish");
    await json(["checkpoint", "set-ttl", weights, "--ttl", "3600"], "checkpoint-set-ttl");
    expectClean(await tinker(["checkpoint", "set-ttl", weights, "--remove"]));
  });

  it("checkpoint download: a real archive from tinker-local", async () => {
    const result = await tinker(["checkpoint", "download", weights, "-o", "out"]);
    expectClean(result, `Downloading ${weights} ...\n`);
    const target = join(work, "out", `${runId}_weights_final`);
    expect(result.stdout).toContain(target);
    expect((await readdir(target)).sort()).toEqual([
      "adapter_config.json",
      "adapter_model.safetensors",
      "checkpoint_complete",
      "optimizer.safetensors",
    ]);
    const again = await json(["checkpoint", "download", sampler, "-o", "out"], "checkpoint-download");
    expect(await readdir(again["destination"] as string)).toContain("adapter_model.safetensors");
  });

  it("checkpoint delete with filters on a run of 12 checkpoints, after confirmation on stdin", async () => {
    const result = await tinker(
      [
        "checkpoint",
        "delete",
        "--run-id",
        runId,
        "--type",
        "weights",
        "--after",
        "2026-01-02T02:00:00Z",
        "--before",
        "2026-01-02T06:00:00Z",
      ],
      { stdin: ["y"] },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Deleted 3 checkpoint(s)\n");
    expect(result.stderr).toContain("Will delete 3 checkpoint(s):");
    expect(result.stderr).toMatch(/step-3 \(\d+ B, created/);
    const left = await json(["checkpoint", "list", "--run-id", runId], "checkpoint-list");
    const names = (left["checkpoints"] as { checkpoint_id: string }[]).map((c) => c.checkpoint_id);
    expect(names).toHaveLength(9);
    for (const gone of ["weights/step-3", "weights/step-4", "weights/step-5"])
      expect(names).not.toContain(gone);
    const deleted = await json(
      [
        "checkpoint",
        "delete",
        "--run-id",
        runId,
        "--before",
        "2026-01-02T01:00:00Z",
        "--type",
        "weights",
        "-y",
      ],
      "checkpoint-delete",
    );
    expect(deleted["deleted_count"]).toBe(2);
  });

  it("session list / info / export-trace", async () => {
    const list = await tinker(["session", "list"]);
    expectClean(list);
    expect(list.stdout).toContain(session);
    await json(["session", "list"], "session-list");
    expect((await json(["session", "info", session], "session-info"))["training_run_ids"]).toEqual([runId]);
    const info = await tinker(["session", "info", session]);
    expectClean(info);
    const url = await tinker(["session", "export-trace", session, "--url-only"]);
    expect(url.code).toBe(0);
    expect(url.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_download\/\S+\n$/);
    expect(url.stderr).toContain("Exporting trace for session");
    const saved = await json(
      ["session", "export-trace", session, "-o", "trace.pftrace"],
      "session-export-trace",
    );
    expect(JSON.parse(await readFile(saved["destination"] as string, "utf8")).traceEvents).toHaveLength(1);
  });

  it("billing usage: table, JSON and CSV", async () => {
    const window = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"];
    const table = await tinker(["billing", "usage", ...window]);
    expectClean(table);
    expect(table.stdout).toMatch(/\d+ hourly usage row\(s\)/);
    await json(["billing", "usage", ...window], "billing-usage");
    const csv = await tinker(["billing", "usage", ...window, "--csv", "-"]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split("\r\n")[0]).toMatch(/^bucket_start,bucket_end,/);
  });

  it("sample: decoded text, or tokens and logprobs as JSON", async () => {
    const args = [
      "sample",
      "--base-model",
      "Qwen/Qwen3-8B",
      "--prompt",
      "Hello",
      "--max-tokens",
      "4",
      "--seed",
      "1",
    ];
    const text = await tinker(args);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe("");
    const value = await json(args, "sample");
    expect((value["samples"] as { tokens: number[] }[])[0]!.tokens).toHaveLength(4);
  });

  it("whoami against a JWT server", async () => {
    const jwt = await startTestServer({ jwtAuth: true });
    try {
      const result = await runBin(bin, ["--json", "whoami"], { env: testEnv(jwt.url), cwd: work });
      expectClean(result);
      expectSchema("whoami", JSON.parse(result.stdout));
    } finally {
      await jwt.close();
    }
  });

  it("local serve: prints its URL, serves, and stops with exit 0 on Ctrl-C", async () => {
    const child = spawn(
      process.execPath,
      [bin, "local", "serve", "--ephemeral", "--port", "0", "--log-level", "silent"],
      {
        env: { PATH: process.env["PATH"], HOME: env["HOME"] },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    while (!stdout.includes("\n")) await new Promise((resolve) => setTimeout(resolve, 20));
    const url = String(/listening on (\S+)/.exec(stdout)?.[1]);
    expect(await (await fetch(`${url}/api/v1/healthz`)).json()).toEqual({ status: "ok" });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});

describe("failure paths as a process", () => {
  it("missing key, wrong key (401), unknown run (404): exit 1 with the mapped message on stderr", async () => {
    const noKey = await tinker(["run", "list"], { env: { ...env, TINKER_API_KEY: undefined } });
    expect(noKey).toMatchObject({ code: 1, stdout: "" });
    expect(noKey.stderr).toMatch(/^Error: No API key found\n/);
    const wrong = await tinker(["run", "list"], { env: { ...env, TINKER_API_KEY: "tml-not-a-known-key" } });
    expect(wrong).toMatchObject({ code: 1, stdout: "" });
    expect(wrong.stderr).toMatch(/^Error: Authentication failed\n/);
    const missing = await tinker(["--json", "run", "info", "nope"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    const error = JSON.parse(missing.stderr);
    expectSchema("error", error);
    expect(error.error).toMatchObject({ message: "Resource not found", status: 404, exit_code: 1 });
  });

  it("bad flags exit 2 with nothing on stdout", async () => {
    for (const args of [
      ["run", "list", "--limit", "ten"],
      ["checkpoint", "set-ttl", weights],
      ["bogus"],
      ["--api-key", "tml-x"],
    ]) {
      const result = await tinker(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^Error: /);
    }
  });

  it("Ctrl-C cancels a request in flight and exits 130", async () => {
    const slow = await startTestServer({
      faults: {
        seed: 4,
        rules: [{ endpoint: "/api/v1/training_runs", latency_ms: 60_000, latency_probability: 1 }],
      },
    });
    try {
      const child = spawn(process.execPath, [bin, "run", "list"], {
        env: { PATH: process.env["PATH"], ...testEnv(slow.url) } as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      // Wait until the listing request is being held by the server.
      for (;;) {
        const faults = (await slow.call("GET", "/_admin/faults")) as {
          counters: { latency_injections: number };
        };
        if (faults.counters.latency_injections > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toBe("Error: Interrupted\n");
    } finally {
      await slow.close();
    }
  });
});
