import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type LocalServer,
  type LocalServerOptions,
  startLocalServer,
  systemClock,
} from "@tinker-ts/local-server";
import type { FakeClock } from "@tinker-ts/test-server";
import { runCli } from "./cli.js";
import { createClientFactory } from "./clients.js";
import type { CliIo, OutputStream } from "./io.js";

/**
 * Test harness: tinker-local started in-process with a settable clock, plain-HTTP seeding of
 * runs and checkpoints (no SDK involved, so the data does not depend on the code under test),
 * and two ways to run `tinker`: in-process through {@link runCli} (for coverage, with a fake
 * retry clock), and as a real process from the bundled executable.
 */

export const API_KEY = "tml-cli-test-key";
export const OTHER_KEY = "tml-cli-other-user";
export const ADMIN_TOKEN = "cli-admin-token";

/** The server's clock: `now` is set by the test; timers are real. */
export class SettableClock {
  current = Date.UTC(2026, 0, 1);
  now(): number {
    return this.current;
  }
  setTimer(callback: () => void, delayMs: number) {
    return systemClock.setTimer(callback, delayMs);
  }
}

/** A running tinker-local with seeding helpers. */
export interface TestServer {
  server: LocalServer;
  url: string;
  clock: SettableClock;
  /** A JSON request with the test key; rejects on a non-2xx status. */
  call(method: string, path: string, body?: unknown, key?: string): Promise<unknown>;
  /** Creates a session (optionally with metadata, for another key) and returns its id. */
  session(userMetadata?: Record<string, string>, key?: string): Promise<string>;
  /** Creates a LoRA model in `sessionId`; returns its model id. */
  model(
    sessionId: string,
    options?: { baseModel?: string; rank?: number; seq?: number; key?: string },
  ): Promise<string>;
  /** Saves a training (`weights`) or sampler checkpoint; returns its tinker path. */
  save(modelId: string, name: string, kind?: "weights" | "sampler", key?: string): Promise<string>;
  /** Replaces the fault configuration. */
  faults(config: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Starts tinker-local on 127.0.0.1 (null backend, quiet, two accepted keys). */
export async function startTestServer(options: LocalServerOptions = {}): Promise<TestServer> {
  const clock = new SettableClock();
  const server = await startLocalServer({
    logLevel: "silent",
    apiKeys: [API_KEY, OTHER_KEY],
    adminToken: ADMIN_TOKEN,
    clock,
    ...options,
  });
  const seqs = new Map<string, number>();
  const call = async (method: string, path: string, body?: unknown, key = API_KEY): Promise<unknown> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { "x-api-key": key, "x-admin-token": ADMIN_TOKEN, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  };
  const result = async (requestId: string, key: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const reply = (await call("POST", "/api/v1/retrieve_future", { request_id: requestId }, key)) as Record<
        string,
        unknown
      >;
      if (reply["type"] !== "try_again") return reply;
    }
  };
  const api: TestServer = {
    server,
    url: server.url,
    clock,
    call,
    async session(userMetadata = {}, key = API_KEY) {
      const reply = (await call(
        "POST",
        "/api/v1/create_session",
        { tags: [], user_metadata: userMetadata, sdk_version: "0.38.0", type: "create_session" },
        key,
      )) as { session_id: string };
      return reply.session_id;
    },
    async model(sessionId, options = {}) {
      const key = options.key ?? API_KEY;
      const created = (await call(
        "POST",
        "/api/v1/create_model",
        {
          session_id: sessionId,
          model_seq_id: options.seq ?? 0,
          base_model: options.baseModel ?? "Qwen/Qwen3-8B",
          lora_config: { rank: options.rank ?? 8 },
          type: "create_model",
        },
        key,
      )) as { request_id: string };
      const reply = await result(created.request_id, key);
      return reply["model_id"] as string;
    },
    async save(modelId, name, kind = "weights", key = API_KEY) {
      const seq = (seqs.get(modelId) ?? 0) + 1;
      seqs.set(modelId, seq);
      const type = kind === "weights" ? "save_weights" : "save_weights_for_sampler";
      const submitted = (await call(
        "POST",
        `/api/v1/${type}`,
        { model_id: modelId, path: name, seq_id: seq, type },
        key,
      )) as { request_id: string };
      const reply = await result(submitted.request_id, key);
      if (typeof reply["path"] !== "string") throw new Error(`save failed: ${JSON.stringify(reply)}`);
      return reply["path"];
    },
    async faults(config) {
      await call("PUT", "/_admin/faults", config);
    },
    close: () => server.close(),
  };
  return api;
}

/** What a run of `tinker` produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A captured output stream. */
export function captureStream(
  options: { isTTY?: boolean; columns?: number } = {},
): OutputStream & { text: string } {
  const stream = {
    text: "",
    write(chunk: string) {
      stream.text += chunk;
    },
    isTTY: options.isTTY ?? false,
    columns: options.columns,
  };
  return stream;
}

/** Options of the runners. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Lines on stdin. */
  stdin?: string[];
  cwd?: string;
  /**
   * In-process only: the SDK's clock. An auto-advancing FakeClock makes retry backoff take no
   * time (for the retry-storm tests); the default is the real clock.
   */
  clock?: FakeClock;
  /** In-process only: the SIGINT signal. */
  signal?: AbortSignal;
  /** In-process only: pretend stdout/stderr are a terminal of this width. */
  tty?: { columns: number };
  /** In-process only: the time `now()` returns. */
  now?: number;
}

/** A throwaway HOME, so nothing reads or writes the user's ~/.tinker or caches. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "tinker-cli-home-"));
}

/** Environment for a test run against `url`: the test key, no telemetry, an isolated HOME. */
export function testEnv(
  url: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    TINKER_API_KEY: API_KEY,
    TINKER_BASE_URL: url,
    TINKER_TELEMETRY: "0",
    HOME: tempHome(),
    ...extra,
  };
}

/** Runs `tinker args…` in this process, through runCli with captured streams. */
export async function runInProcess(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = captureStream(options.tty ? { isTTY: true, columns: options.tty.columns } : {});
  const stderr = captureStream(options.tty ? { isTTY: true, columns: options.tty.columns } : {});
  const lines = [...(options.stdin ?? [])];
  const clock = options.clock;
  const io: CliIo = {
    stdout,
    stderr,
    stdinIsTTY: false,
    readLine: async () => lines.shift(),
    readAll: async () => lines.splice(0).join("\n"),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? Date.now(),
  };
  const code = await runCli(args, io, {
    ...(options.signal ? { signal: options.signal } : {}),
    clients: (cliIo, global, signal) =>
      createClientFactory(
        cliIo,
        global,
        signal,
        clock ? { clock: { now: () => clock.now(), sleep: (ms, s) => clock.sleep(ms, s) } } : {},
      ),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs the bundled `tinker` executable as a child process. */
export function runBin(bin: string, args: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env["PATH"], ...options.env } as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ? `${options.stdin.join("\n")}\n` : "");
  });
}
