import type { CommandContext, OutputFormat } from "./context.js";
import type { CliError } from "./errors.js";
import type { CliIo } from "./io.js";
import { type CommandOutput, formatJson } from "./output/output.js";

/**
 * Printing what commands return and the errors they raise: data on stdout, errors on stderr —
 * as `Error: <message>` plus details in table format (as the Python CLI prints a `TinkerCliError`,
 * tinker-wire-spec.md §13), or as one JSON object with `--format json`.
 */

/**
 * Prints a command's output in the chosen format. The table renderer (and cli-table3 with it) is
 * imported only here, when a table is printed, to keep `tinker --help` fast.
 */
export async function printResult(ctx: CommandContext, output: CommandOutput): Promise<void> {
  const { stdout } = ctx.io;
  if (ctx.options.format === "json") {
    if (output.kind !== "done" || output.json !== undefined) stdout.write(formatJson(output.json));
    return;
  }
  switch (output.kind) {
    case "table": {
      const { renderTable } = await import("./output/table.js");
      stdout.write(renderTable(output.table, { width: stdout.columns, color: ctx.options.color }));
      return;
    }
    case "text":
      stdout.write(output.text.endsWith("\n") || output.text === "" ? output.text : `${output.text}\n`);
      return;
    default:
      return;
  }
}

/** The JSON form of an error, as printed on stderr with `--format json`. */
export interface JsonError {
  error: {
    message: string;
    details: string | null;
    type: string;
    status: number | null;
    request_id: string | null;
    exit_code: number;
  };
}

/** Builds the {@link JsonError} of `error`. */
export function jsonError(error: CliError): JsonError {
  return {
    error: {
      message: error.message,
      details: error.details ?? null,
      type: error.type,
      status: error.status ?? null,
      request_id: error.requestId ?? null,
      exit_code: error.exitCode,
    },
  };
}

/** Prints `error` on stderr; the stack trace (of the original error) only with `--debug`. */
export function printError(
  io: CliIo,
  error: CliError,
  options: { format: OutputFormat; debug: boolean },
): void {
  if (options.format === "json") {
    io.stderr.write(formatJson(jsonError(error)));
  } else {
    const lines = [`Error: ${error.message}`];
    if (error.details) lines.push(error.details);
    if (error.requestId) lines.push(`Request ID: ${error.requestId}`);
    io.stderr.write(`${lines.join("\n")}\n`);
  }
  if (options.debug) {
    const original = error.cause instanceof Error ? error.cause : error;
    io.stderr.write(`${original.stack ?? String(original)}\n`);
  }
}
