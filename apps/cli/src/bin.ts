import { runCli } from "./cli.js";
import { ExitCode } from "./exit-codes.js";
import { nodeIo } from "./io.js";

/**
 * The `tinker` executable. The first Ctrl-C aborts the running command (in-flight requests,
 * downloads and polls see the AbortSignal) and it exits with 130; a second one exits at once.
 * This module is the only place that ends the process (STYLE.md, CLI).
 */

function exit(code: number): never {
  process.exit(code);
}

const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) exit(ExitCode.interrupted);
  controller.abort();
});
// `tinker run list | head`: the reader went away, which is not an error of ours.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") exit(ExitCode.ok);
  process.stderr.write(`Error: cannot write to stdout: ${error.message}\n`);
  exit(ExitCode.failure);
});

const io = nodeIo();
const code = await runCli(process.argv.slice(2), io, { signal: controller.signal });
io.close();
await io.flush();
exit(code);
