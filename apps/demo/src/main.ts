/**
 * `pnpm demo`: supervised fine-tuning end to end (see demo.ts). Exit code 0 when every check
 * passed, 1 when one failed or the demo could not run, 2 for a bad command line.
 */
import { DemoUsageError, parseDemoArgs } from "./args.js";
import { runDemo } from "./demo.js";

try {
  const result = await runDemo(parseDemoArgs(process.argv.slice(2)));
  process.stdout.write(`${result.ok ? "Demo passed" : "Demo FAILED"} in ${process.uptime().toFixed(1)} s.\n`);
  process.exitCode = result.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`Demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env["DEBUG"]) console.error(error);
  process.exitCode = error instanceof DemoUsageError ? 2 : 1;
}
