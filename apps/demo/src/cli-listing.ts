import type { CliIo } from "@tinker-ts/cli";

/** One `tinker` command run in-process, and what it printed. */
export interface CliRun {
  /** The command line as a person would type it. */
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment the CLI sees: only where the service is and the key. */
export interface CliTarget {
  readonly baseUrl: string | undefined;
  readonly apiKey: string;
}

function captureIo(target: CliTarget): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]) => ({
    write: (text: string) => void sink.push(text),
    isTTY: false,
    columns: undefined,
  });
  return {
    out,
    err,
    stdout: stream(out),
    stderr: stream(err),
    stdinIsTTY: false,
    readLine: async () => undefined,
    readAll: async () => "",
    env: {
      TINKER_API_KEY: target.apiKey,
      ...(target.baseUrl === undefined ? {} : { TINKER_BASE_URL: target.baseUrl }),
    },
    cwd: process.cwd(),
    now: () => Date.now(),
  };
}

/**
 * Runs `tinker <argv…>` in this process (the CLI's `runCli`, the same code as the `tinker`
 * executable) with captured output, against `target`. Resolves with what it printed; if the CLI
 * package cannot be loaded, resolves with exit code 1 and the reason on stderr.
 */
export async function runTinker(argv: readonly string[], target: CliTarget): Promise<CliRun> {
  const command = `tinker ${argv.join(" ")}`;
  const io = captureIo(target);
  try {
    const { runCli } = await import("@tinker-ts/cli");
    const exitCode = await runCli(argv, io);
    return { command, exitCode, stdout: io.out.join(""), stderr: io.err.join("") };
  } catch (error) {
    return {
      command,
      exitCode: 1,
      stdout: io.out.join(""),
      stderr: `the tinker CLI could not run: ${error instanceof Error ? error.message : String(error)}\n`,
    };
  }
}
