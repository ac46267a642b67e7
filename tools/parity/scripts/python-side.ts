import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What one Python driver run produced. */
export interface DriverRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Longest a single scenario may take on one side before it is killed (ms). */
export const SCENARIO_TIMEOUT_MS = 90_000;

/**
 * Runs python/driver.py for one scenario against `baseUrl`. The child gets a scrubbed
 * environment: no TINKER_* variables from the caller, HOME and HF_HOME in a temporary directory
 * (so nothing reads or writes the user's ~/.tinker or caches), HF offline.
 */
export function runPythonDriver(options: {
  python: string;
  driver: string;
  scenarios: string;
  scenario: string;
  baseUrl: string;
  apiKey: string;
  adminToken: string;
  out: string;
}): Promise<DriverRun> {
  const home = mkdtempSync(join(tmpdir(), "parity-py-home-"));
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: home,
    HF_HOME: join(home, "hf"),
    HF_HUB_OFFLINE: "1",
    PYTHONUNBUFFERED: "1",
    PYTHONWARNINGS: "ignore::FutureWarning",
  };
  const args = [
    options.driver,
    "--scenarios",
    options.scenarios,
    "--scenario",
    options.scenario,
    "--base-url",
    options.baseUrl,
    "--api-key",
    options.apiKey,
    "--admin-token",
    options.adminToken,
    "--out",
    options.out,
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(options.python, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), SCENARIO_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout,
        stderr: signal ? `${stderr}\nkilled by ${signal} after ${SCENARIO_TIMEOUT_MS} ms` : stderr,
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}
