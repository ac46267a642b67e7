import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The harness's own Python environment: `tools/parity/.venv` (gitignored) with the pinned
 * requirements of python/requirements.txt. It is (re)created when missing or when the
 * requirements changed since it was built (a SHA-256 stamp inside the venv), so a CI run on a
 * fresh clone installs it once and a local re-run reuses it.
 */
export interface PythonEnv {
  /** The venv's interpreter. */
  python: string;
  /** The `tinker` version installed in it. */
  tinkerVersion: string;
  /** Whether PyTorch is importable (the SDK needs it for forward_backward_custom). */
  hasTorch: boolean;
  /** Seconds spent creating the venv in this run (0 when reused). */
  setupSeconds: number;
}

function run(command: string, args: string[], what: string): string {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    throw new Error(`${what} failed (${command} ${args.join(" ")}):\n${result.stderr || result.error}`);
  }
  return result.stdout.trim();
}

/** A Python >= 3.11 to build the venv with: $PARITY_PYTHON, python3.11, or python3. */
function basePython(): string {
  const candidates = [process.env["PARITY_PYTHON"], "python3.11", "python3"].filter(
    (c): c is string => typeof c === "string" && c !== "",
  );
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", "import sys; print(sys.version_info >= (3, 11))"], {
      encoding: "utf8",
    });
    if (probe.status === 0 && probe.stdout.trim() === "True") return candidate;
  }
  throw new Error("The parity harness needs Python >= 3.11 (set PARITY_PYTHON to its path).");
}

/** Creates or reuses the venv at `venvDir` for `requirements`; logs progress with `log`. */
export function ensurePythonEnv(
  venvDir: string,
  requirements: string,
  log: (line: string) => void,
): PythonEnv {
  const started = performance.now();
  const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  const stamp = join(venvDir, ".requirements-sha256");
  const python = join(venvDir, "bin", "python");
  let setupSeconds = 0;
  if (!existsSync(python) || !existsSync(stamp) || readFileSync(stamp, "utf8").trim() !== wanted) {
    log(`creating ${venvDir} from ${requirements} (about a minute)`);
    rmSync(venvDir, { recursive: true, force: true });
    run(basePython(), ["-m", "venv", venvDir], "venv creation");
    run(python, ["-m", "pip", "install", "--no-input", "--quiet", "-r", requirements], "pip install");
    writeFileSync(stamp, `${wanted}\n`);
    setupSeconds = (performance.now() - started) / 1000;
  }
  const probe = run(
    python,
    [
      "-c",
      "import importlib.util, tinker; print(tinker.__version__); print(importlib.util.find_spec('torch') is not None)",
    ],
    "tinker import",
  ).split("\n");
  return { python, tinkerVersion: probe[0] ?? "?", hasTorch: probe[1] === "True", setupSeconds };
}
