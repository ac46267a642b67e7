// Child processes of the suite: tinker-local (the server under every client benchmark), the
// client drivers (ours, raw undici, the official Python SDK) and the Python interpreter to use.
//
// The server always runs in its own process on 127.0.0.1, so the CPU time and peak RSS a driver
// reports are the client's alone; drivers report their own figures (rusage of their process,
// all threads included) as one JSON line on stdout.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./common.mjs";

const SERVER_BIN = join(root, "apps/local-server/dist/bin.js");
const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat counts CPU time in these ticks.

/** Fails with the build command when a dist output the suite imports is missing. */
export function requireBuilt(paths) {
  const missing = paths.filter((p) => !existsSync(join(root, p)));
  if (missing.length > 0) {
    throw new Error(
      `missing build outputs: ${missing.join(", ")}. Run: pnpm --filter "@tinker-ts/clients..." ` +
        `--filter "@tinker-ts/local-server..." build (or \`pnpm bench\`, which builds first).`,
    );
  }
}

/** CPU seconds (user + system) a live process has used so far, from /proc; NaN when unavailable. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts `tinker-local serve --backend null --port 0` (apps/local-server/dist/bin.js) and waits
 * for its URL. `extraArgs` adds flags such as `--proto-compress`. Returns
 * `{ url, pid, cpuSeconds(), close() }`.
 */
export async function startServer(extraArgs = []) {
  requireBuilt(["apps/local-server/dist/bin.js"]);
  const dataDir = mkdtempSync(join(tmpdir(), "tinker-bench-server-"));
  const child = spawn(
    process.execPath,
    [SERVER_BIN, "serve", "--backend", "null", "--port", "0", "--host", "127.0.0.1"]
      .concat(["--log-level", "silent", "--data-dir", dataDir])
      .concat(extraArgs),
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TINKER_LOCAL_ADMIN_TOKEN: "" } },
  );
  let stderr = "";
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) {
        child.stdout.off("data", onData);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`tinker-local exited ${code} before listening: ${stderr}`)),
    );
  });
  child.stdout.resume();
  return {
    url,
    pid: child.pid,
    cpuSeconds: () => processCpuSeconds(child.pid),
    close: () =>
      new Promise((resolve) => {
        child.once("exit", () => {
          rmSync(dataDir, { recursive: true, force: true });
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/**
 * Runs a driver to completion and returns the JSON object on its last stdout line. `config` goes
 * to the child as its last argument (JSON). Rejects with the child's stderr when it fails.
 */
export function runDriver(command, args, config, { env, timeoutMs = 30 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, JSON.stringify(config)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: env ?? process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? code}):\n${stderr.slice(-4000)}`));
        return;
      }
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${command} ${args.join(" ")} printed no JSON result:\n${stdout.slice(-2000)}`));
      }
    });
  });
}

/** Node with a driver script of bench/drivers. */
export function nodeDriver(script) {
  return { command: process.execPath, args: [join(root, "bench/drivers", script)] };
}

const PARITY_VENV = join(root, "tools/parity/.venv");
const OWN_VENV = join(root, "bench/.venv");
const REQUIREMENTS = join(root, "tools/parity/python/requirements.txt");

function importsTinker(python) {
  return (
    existsSync(python) &&
    spawnSync(python, ["-c", "import tinker, tokenizers"], { stdio: "ignore" }).status === 0
  );
}

/**
 * The Python interpreter with the official SDK (tinker==0.38.0, pinned by the parity harness):
 * $BENCH_PYTHON, else the parity harness's venv (tools/parity/.venv, made by
 * `pnpm --filter @tinker-ts/parity parity`), else bench/.venv, created here from
 * tools/parity/python/requirements.txt when missing (gitignored; needs PyPI once).
 */
export function ensurePython(log = console.error) {
  const candidates = [
    process.env.BENCH_PYTHON,
    join(PARITY_VENV, "bin/python"),
    join(OWN_VENV, "bin/python"),
  ];
  for (const python of candidates) if (python && importsTinker(python)) return python;
  log(`creating ${OWN_VENV} from ${REQUIREMENTS} (about a minute)`);
  const base = ["python3.11", "python3"].find(
    (p) => spawnSync(p, ["-c", "import sys; assert sys.version_info >= (3, 11)"]).status === 0,
  );
  if (!base) throw new Error("The Python side needs Python >= 3.11 (or set BENCH_PYTHON).");
  rmSync(OWN_VENV, { recursive: true, force: true });
  const python = join(OWN_VENV, "bin/python");
  for (const [cmd, args] of [
    [base, ["-m", "venv", OWN_VENV]],
    [python, ["-m", "pip", "install", "--quiet", "--no-input", "-r", REQUIREMENTS]],
  ]) {
    const r = spawnSync(cmd, args, { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
  }
  return python;
}

/**
 * The environment of an SDK driver: no TINKER_* variables or proxies from the caller, HOME and
 * HF_HOME in a fresh temporary directory (nothing reads ~/.tinker or the user's caches), HF
 * offline. Returns `{ env, cleanup() }`.
 */
export function driverEnv(extra = {}) {
  const home = mkdtempSync(join(tmpdir(), "tinker-bench-home-"));
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    HF_HOME: join(home, "hf"),
    HF_HUB_OFFLINE: "1",
    PYTHONUNBUFFERED: "1",
    PYTHONWARNINGS: "ignore",
    NODE_ENV: "production",
    ...extra,
  };
  return { env, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
