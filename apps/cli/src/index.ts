/**
 * `@tinker-ts/cli`: the `tinker` command (tinker-wire-spec.md §13). The executable is `tinker`;
 * this entry exposes the same commands to programs — {@link runCli} runs an argv exactly as the
 * executable does, with the process boundary ({@link CliIo}) supplied by the caller — plus the
 * formatting helpers and the safe archive extraction the commands are built from.
 */
export { type RunCliOptions, runCli } from "./cli.js";
export type { ClientFactory, CommandContext, GlobalOptions, OutputFormat } from "./context.js";
export {
  DEFAULT_EXTRACT_LIMITS,
  type ExtractLimits,
  extractArchive,
  inspectArchive,
  UnsafeArchiveError,
} from "./download/safe-tar.js";
export { CliError, InterruptedError, UsageError } from "./errors.js";
export { ExitCode, type ExitCodeValue } from "./exit-codes.js";
export type { CliIo, OutputStream } from "./io.js";
export { nodeIo } from "./io.js";
export { formatBool, formatSize, formatTimestamp } from "./output/format.js";
export { CLI_VERSION } from "./version.js";
