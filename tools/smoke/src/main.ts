/**
 * `pnpm smoke [stage…]`: runs the smoke stages and prints one line each; exit code 0 only when
 * every stage passed (a skipped stage counts as not passed), 1 otherwise, 2 for an unknown stage.
 */
import { formatResult, runSmoke, SMOKE_STAGES } from "./smoke.js";

const only = process.argv.slice(2);
if (only.includes("--list")) {
  for (const stage of SMOKE_STAGES) process.stdout.write(`${stage.name.padEnd(14)}  ${stage.description}\n`);
} else {
  const start = performance.now();
  try {
    const results = await runSmoke({
      ...(only.length > 0 ? { only } : {}),
      onResult: (result) => process.stdout.write(`${formatResult(result)}\n`),
    });
    const passed = results.filter((r) => r.status === "pass").length;
    const failed = results.filter((r) => r.status === "fail").length;
    const skipped = results.filter((r) => r.status === "skip").length;
    process.stdout.write(`smoke took ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`smoke: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    process.exitCode = passed === results.length ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
