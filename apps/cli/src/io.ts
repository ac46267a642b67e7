import { createInterface } from "node:readline";

/**
 * The process boundary of the CLI: where text goes, where lines come from, the environment and
 * the clock. Commands see only this interface, so in-process tests run them with captured
 * streams, and the binary runs them with the real process (see {@link nodeIo}).
 */

/** A text sink: stdout (data only) or stderr (progress, warnings, errors). */
export interface OutputStream {
  write(text: string): void;
  /** True when the stream is a terminal: colours, progress bars and width adaptation apply. */
  readonly isTTY: boolean;
  /** Terminal width in columns, when it is a terminal. */
  readonly columns: number | undefined;
  /** The underlying stream, for a progress bar that redraws in place (TTY only). */
  readonly stream?: NodeJS.WritableStream | undefined;
}

/** Everything the CLI takes from, and gives to, its process. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** True when stdin is a terminal (a confirmation can be asked). */
  readonly stdinIsTTY: boolean;
  /** The next line of stdin without its line break, or undefined at end of input. */
  readLine(): Promise<string | undefined>;
  /** The rest of stdin (after any lines already read), as UTF-8 text. */
  readAll(): Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** Current time, ms since the epoch. */
  now(): number;
}

function processStream(stream: NodeJS.WriteStream): OutputStream {
  return {
    write: (text) => {
      stream.write(text);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
    stream,
  };
}

/** Waits until everything written to `stream` has been handed to the OS (pipes can be asynchronous). */
function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) resolve();
    else stream.write("", () => resolve());
  });
}

/**
 * The real process: `process.stdout`/`stderr`/`stdin`, `process.env`, the working directory and
 * `Date.now`. Stdin is only opened when a line is first asked for. `flush()` resolves once stdout
 * and stderr have been written out, so exiting does not cut piped output short.
 */
export function nodeIo(): CliIo & { flush(): Promise<void>; close(): void } {
  let lines: AsyncIterator<string> | undefined;
  let reader: ReturnType<typeof createInterface> | undefined;
  const nextLines = () => {
    if (!lines) {
      reader = createInterface({
        input: process.stdin,
        crlfDelay: Number.POSITIVE_INFINITY,
        terminal: false,
      });
      lines = reader[Symbol.asyncIterator]();
    }
    return lines;
  };
  return {
    stdout: processStream(process.stdout),
    stderr: processStream(process.stderr),
    stdinIsTTY: process.stdin.isTTY === true,
    async readLine() {
      const next = await nextLines().next();
      return next.done ? undefined : next.value;
    },
    async readAll() {
      const rest: string[] = [];
      for (;;) {
        const next = await nextLines().next();
        if (next.done) return rest.join("\n");
        rest.push(next.value);
      }
    },
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    flush: async () => {
      await Promise.all([drain(process.stdout), drain(process.stderr)]);
    },
    close: () => reader?.close(),
  };
}
