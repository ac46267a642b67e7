import type { CliRestApi } from "./api.js";
import type { CliIo } from "./io.js";
import { createProgress, type Progress, type ProgressOptions } from "./output/progress.js";
import type { CliSampler } from "./sampler.js";

/** Output format (`--format table|json`, `--json`). */
export type OutputFormat = "table" | "json";

/** The global options, resolved. */
export interface GlobalOptions {
  format: OutputFormat;
  /** `--base-url`, else `TINKER_BASE_URL`, else the SDK default. */
  baseUrl: string | undefined;
  /** ANSI colours on stdout tables and stderr. */
  color: boolean;
  /** Stack traces on errors. */
  debug: boolean;
  /** Read the API key from the first line of stdin. */
  apiKeyStdin: boolean;
}

/** Opens SDK clients on demand; see `clients.ts`. */
export interface ClientFactory {
  rest(): Promise<CliRestApi>;
  sampler(target: { baseModel: string } | { modelPath: string }): Promise<CliSampler>;
  /** Closes whatever was opened (idempotent). */
  close(): Promise<void>;
}

/**
 * What every command function gets: where to write, the global options, the cancellation signal
 * (aborted on SIGINT), the clock, and SDK clients opened on first use.
 */
export interface CommandContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  /** Aborted on SIGINT: commands pass it to every SDK call, fetch and stream. */
  readonly signal: AbortSignal;
  readonly clients: ClientFactory;
}

/** Writes a warning line to stderr (in every format; stderr is never parsed as data). */
export function warn(ctx: CommandContext, message: string): void {
  ctx.io.stderr.write(`Warning: ${message}\n`);
}

/**
 * Writes an informational line to stderr, in table format only: JSON-mode callers get nothing but
 * the JSON (as the Python CLI keeps "Exporting trace …" out of JSON mode).
 */
export function note(ctx: CommandContext, message: string): void {
  if (ctx.options.format === "table") ctx.io.stderr.write(`${message}\n`);
}

/** A progress bar on stderr: drawn in table format on a terminal only (see `output/progress.ts`). */
export function progress(
  ctx: CommandContext,
  options: Pick<ProgressOptions, "label" | "total" | "unit">,
): Progress {
  return createProgress({
    ...options,
    stream: ctx.io.stderr,
    enabled: ctx.options.format === "table",
    now: () => ctx.io.now(),
  });
}
