import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedPaths, guardedPaths, sandboxEnv, snapshot } from "./home-guard.js";

/**
 * Vitest global setup of every package (vitest.shared.ts): the home guard of home-guard.ts. It
 * runs before the test workers start, so they and every process they spawn inherit the sandboxed
 * environment; after the run it fails the run, naming the paths, when a guarded directory changed.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const guarded = guardedPaths(process.env);
  const before = await snapshot(guarded);
  const sandbox = await mkdtemp(join(tmpdir(), "tinker-ts-test-home-"));
  await mkdir(join(sandbox, "home"), { recursive: true });
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(sandboxEnv(sandbox))) {
    saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(sandbox, { recursive: true, force: true });
    const changed = changedPaths(before, await snapshot(guarded));
    if (changed.length > 0) {
      // Vitest reports an error thrown here but keeps its exit code: set it, or CI would pass.
      process.exitCode = 1;
      throw new Error(
        `The tests changed the user's real caches or config (they must use temporary directories): ${changed
          .slice(0, 20)
          .join(", ")}${changed.length > 20 ? ` and ${changed.length - 20} more` : ""}`,
      );
    }
  };
}
