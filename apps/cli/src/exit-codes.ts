/**
 * Exit codes of the `tinker` command (STYLE.md, CLI; tinker-wire-spec.md §13). Kept apart from
 * the error classes so that the startup path (`tinker --help`) does not load the SDK packages
 * those classes extend.
 */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** A runtime or API error. */
  failure: 1,
  /** Bad flags or arguments: nothing was sent. */
  usage: 2,
  /** Interrupted by SIGINT (Ctrl-C): in-flight work was cancelled. */
  interrupted: 130,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
