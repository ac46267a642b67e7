import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * True when the module at `moduleUrl` is the program Node was started with (`tsx main.ts`), false
 * when it was imported (by the tests or the demo), so an example runs itself only when asked to.
 */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs an example's `run()` as a program: prints the error message and sets exit code 1 when it
 * throws (an assertion of the example failed), so scripts and CI see the failure.
 */
export async function runMain(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    console.error(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env["DEBUG"]) console.error(error);
    process.exitCode = 1;
  }
}
