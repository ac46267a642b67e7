import { TinkerError } from "@tinker-ts/types";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

export { ExitCode, type ExitCodeValue } from "./exit-codes.js";

/** What a {@link CliError} carries besides its message. */
export interface CliErrorInit {
  /** More lines for the user: the server's detail, what to do next. */
  details?: string | undefined;
  /** Exit code (default 1). */
  exitCode?: ExitCodeValue;
  /** Request id of the failed call, when the server gave one. */
  requestId?: string | undefined;
  /** HTTP status of the failed call, when there was one. */
  status?: number | undefined;
  /** Class name of the error this one was mapped from (for `--format json` errors). */
  type?: string | undefined;
  cause?: unknown;
}

/**
 * An error the CLI reports to the user and exits on (the Python CLI's `TinkerCliError`,
 * tinker-wire-spec.md §13): printed as `Error: <message>` plus details on stderr, or as a JSON
 * object on stderr with `--format json`.
 */
export class CliError extends TinkerError {
  readonly details: string | undefined;
  readonly exitCode: ExitCodeValue;
  readonly requestId: string | undefined;
  readonly status: number | undefined;
  readonly type: string;

  constructor(message: string, init: CliErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.details = init.details;
    this.exitCode = init.exitCode ?? ExitCode.failure;
    this.requestId = init.requestId;
    this.status = init.status;
    this.type = init.type ?? this.name;
  }
}

/** Bad flags or arguments, found before anything was sent (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string, details?: string) {
    super(message, { details, exitCode: ExitCode.usage });
  }
}

/** Cancellation by SIGINT (exit code 130). */
export class InterruptedError extends CliError {
  constructor(cause?: unknown) {
    super("Interrupted", { exitCode: ExitCode.interrupted, cause });
  }
}
