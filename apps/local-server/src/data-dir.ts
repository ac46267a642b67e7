import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * Where `tinker-local serve` keeps its state by default (docs/local-server.md#data-directory): the
 * runs, checkpoints and sessions it serves outlive a restart, as the real service's do. It is
 * `$XDG_DATA_HOME/tinker-local` when `XDG_DATA_HOME` is an absolute path (the XDG base directory
 * rule), else `~/.tinker-local`. `startLocalServer` itself still defaults to a temporary directory:
 * programs and tests that embed the server must not write into the user's.
 *
 * @param env the environment to read `XDG_DATA_HOME` from (default `process.env`)
 * @param home the home directory (default `os.homedir()`, which follows `HOME`)
 */
export function defaultDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  const xdg = env["XDG_DATA_HOME"];
  return xdg !== undefined && isAbsolute(xdg) ? join(xdg, "tinker-local") : join(home, ".tinker-local");
}

/** How a server was told to keep its state. */
export type DataDirChoice =
  | { readonly kind: "given"; readonly dir: string }
  | { readonly kind: "default"; readonly dir: string }
  | { readonly kind: "ephemeral" };

/**
 * The data directory `serve` uses for its `--data-dir` and `--ephemeral` flags: the given one, a
 * temporary one (removed when the server stops) with `--ephemeral`, else {@link defaultDataDir}.
 *
 * @throws Error when both flags are given (they contradict each other).
 */
export function chooseDataDir(
  flags: { readonly dataDir?: string | undefined; readonly ephemeral?: boolean | undefined },
  env?: Readonly<Record<string, string | undefined>>,
  home?: string,
): DataDirChoice {
  if (flags.ephemeral && flags.dataDir !== undefined) {
    throw new Error("--data-dir and --ephemeral contradict each other; give one of them");
  }
  if (flags.ephemeral) return { kind: "ephemeral" };
  if (flags.dataDir !== undefined) return { kind: "given", dir: flags.dataDir };
  return { kind: "default", dir: defaultDataDir(env, home) };
}

/** The line `serve` prints at start: where the state is, and whether it is kept. */
export function describeDataDir(choice: DataDirChoice, actualDir: string): string {
  return choice.kind === "ephemeral"
    ? `data dir: ${actualDir} (temporary: removed when the server stops)`
    : `data dir: ${actualDir} (kept across restarts${choice.kind === "default" ? "; --ephemeral for a temporary one" : ""})`;
}
