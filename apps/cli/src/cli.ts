import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { ClientFactory, CommandContext, GlobalOptions, OutputFormat } from "./context.js";
import type { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import type { CommandOutput } from "./output/output.js";
import { printError, printResult } from "./print.js";
import { CLI_VERSION } from "./version.js";

/**
 * The argv layer of `tinker` (tinker-wire-spec.md §13, STYLE.md CLI): commander declares every
 * command, option and help text here, and each action lazily imports the module that does the
 * work, so `tinker --help` loads nothing but commander. The error classes and their mapping are
 * imported only when something fails (they extend the SDK's, whose packages are large). Actions
 * return data ({@link CommandOutput}); {@link runCli} prints it, maps errors and returns the exit
 * code — the caller (bin.ts) is the one place that exits.
 */

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Aborted on SIGINT; commands cancel in-flight work with it. */
  signal?: AbortSignal;
  /** Opens SDK clients (default: `@tinker-ts/clients` against the configured server). */
  clients?: (io: CliIo, options: GlobalOptions, signal: AbortSignal) => ClientFactory;
}

type Action = (ctx: CommandContext, command: Command) => Promise<CommandOutput>;

function integer(min: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}.`);
    }
    return n;
  };
}

function finite(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n))
      throw new InvalidArgumentError(`${what} must be a number.`);
    return n;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Finds `--format json`/`-f json`/`--json` before parsing, so even usage errors can be JSON. */
function prescanFormat(argv: readonly string[]): OutputFormat {
  let format: OutputFormat = "table";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg === "--json") format = "json";
    else if (arg === "--format" || arg === "-f") format = argv[i + 1] === "json" ? "json" : "table";
    else if (arg.startsWith("--format=")) format = arg.slice(9) === "json" ? "json" : "table";
  }
  return format;
}

/**
 * True when an API key is given as a flag (`--api-key`, `--api_key`, `--api-key=…`): it is refused
 * without echoing it, since a key on the command line ends up in shell history and process
 * listings.
 */
function hasKeyFlag(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (/^--api[-_]?key(=|$)/i.test(arg)) return true;
  }
  return false;
}

/** Thrown before parsing when {@link hasKeyFlag} finds a key flag. */
class KeyFlagRefused extends Error {}

function colorEnabled(io: CliIo, flag: boolean): boolean {
  if (!flag || (io.env["NO_COLOR"] !== undefined && io.env["NO_COLOR"] !== "")) return false;
  return io.stdout.isTTY;
}

/** Builds the program. `act` wraps each action so that {@link runCli} controls context and output. */
export function buildProgram(act: (action: Action) => (...args: unknown[]) => Promise<void>): Command {
  const program = new Command("tinker")
    .description("Tinker management CLI: training runs, checkpoints, sessions, billing and sampling.")
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["table", "json"]).default("table"),
    )
    .option("--json", "shorthand for --format json")
    .option("--base-url <url>", "Tinker API base URL (default: TINKER_BASE_URL, else the production service)")
    .option("--no-color", "disable colours (also when NO_COLOR is set)")
    .option("--debug", "print stack traces on errors")
    .option("--api-key-stdin", "read the API key from the first line of stdin (default: TINKER_API_KEY)")
    .version(CLI_VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      "\nThe API key comes from TINKER_API_KEY (or TINKER_CREDENTIAL_CMD), or from stdin with\n--api-key-stdin; it is never taken as a flag. Exit codes: 0 ok, 1 error, 2 usage, 130 interrupted.",
    );

  program
    .command("version")
    .description("Show version information.")
    .action(act(async (ctx) => (await import("./commands/version.js")).versionCommand(ctx)));

  program
    .command("whoami")
    .description("Show the user and organization of the active credential.")
    .action(act(async (ctx) => (await import("./commands/whoami.js")).whoamiCommand(ctx)));

  const run = program.command("run").description("Manage training runs.");
  run
    .command("list")
    .description("List training runs.")
    .option("--limit <n>", "maximum number of runs to fetch (0 = all)", integer(0, "--limit"), 20)
    .option(
      "-c, --columns <columns>",
      "comma-separated columns: id, model, owner, lora, updated, status, checkpoint, checkpoint_time " +
        "(default: id,model,lora,updated,status)",
    )
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/run.js")).runListCommand(
          ctx,
          cmd.opts<{ limit: number; columns?: string }>(),
        ),
      ),
    );
  run
    .command("info")
    .description("Show details of a training run.")
    .argument("<run-id>", "training run id")
    .action(
      act(async (ctx, cmd) => (await import("./commands/run.js")).runInfoCommand(ctx, String(cmd.args[0]))),
    );

  const checkpoint = program.command("checkpoint").description("Manage checkpoints.");
  checkpoint
    .command("list")
    .description("List checkpoints: of one training run with --run-id, else of all your runs (newest first).")
    .option("--run-id <id>", "training run id")
    .option(
      "--limit <n>",
      "maximum number of checkpoints when listing all runs (0 = all)",
      integer(0, "--limit"),
      20,
    )
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/checkpoint.js")).checkpointListCommand(
          ctx,
          cmd.opts<{ runId?: string; limit: number }>(),
        ),
      ),
    );
  checkpoint
    .command("info")
    .description("Show details of a checkpoint.")
    .argument("<path>", "tinker path, e.g. tinker://run-id/weights/0001")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/checkpoint.js")).checkpointInfoCommand(ctx, String(cmd.args[0])),
      ),
    );
  checkpoint
    .command("publish")
    .description("Make a checkpoint public (only the owner of the training run can).")
    .argument("<path>", "tinker path")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/checkpoint.js")).publishCommand(ctx, String(cmd.args[0]), true),
      ),
    );
  checkpoint
    .command("unpublish")
    .description("Make a public checkpoint private again.")
    .argument("<path>", "tinker path")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/checkpoint.js")).publishCommand(ctx, String(cmd.args[0]), false),
      ),
    );
  checkpoint
    .command("set-ttl")
    .description("Set or remove the expiry of a checkpoint.")
    .argument("<path>", "tinker path")
    .option("--ttl <seconds>", "time to live from now, in seconds", integer(1, "--ttl"))
    .option("--remove", "remove the expiry")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/checkpoint.js")).setTtlCommand(
          ctx,
          String(cmd.args[0]),
          cmd.opts<{ ttl?: number; remove?: boolean }>(),
        ),
      ),
    );
  checkpoint
    .command("delete")
    .description("Delete checkpoints permanently: by path, or all of a run's with optional filters.")
    .argument("[paths...]", "tinker paths")
    .option("--run-id <id>", "delete the checkpoints of this training run")
    .addOption(
      new Option("--type <type>", "only checkpoints of this type (with --run-id)").choices([
        "weights",
        "sampler_weights",
        "external_weights",
        "training",
        "sampler",
        "external",
      ]),
    )
    .option("--before <date>", "only those created before this UTC date/time, ISO 8601 (with --run-id)")
    .option("--after <date>", "only those created after this UTC date/time, ISO 8601 (with --run-id)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/checkpoint-delete.js")).deleteCommand(
          ctx,
          cmd.args.map(String),
          cmd.opts(),
        ),
      ),
    );
  checkpoint
    .command("download")
    .description("Download a checkpoint archive and extract it into <output>/<run-id>_<type>_<name>.")
    .argument("<path>", "tinker path")
    .option("-o, --output <dir>", "parent directory (default: the current directory)")
    .option("--force", "replace the target directory if it exists")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/checkpoint-download.js")).downloadCommand(
          ctx,
          String(cmd.args[0]),
          cmd.opts<{ output?: string; force?: boolean }>(),
        ),
      ),
    );

  const session = program.command("session").description("Inspect sessions.");
  session
    .command("list")
    .description("List your sessions (newest first).")
    .option("--limit <n>", "maximum number of sessions (0 = all)", integer(0, "--limit"), 20)
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/session.js")).sessionListCommand(ctx, cmd.opts<{ limit: number }>()),
      ),
    );
  session
    .command("info")
    .description("Show a session's training runs and samplers.")
    .argument("<session-id>", "session id")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/session.js")).sessionInfoCommand(ctx, String(cmd.args[0])),
      ),
    );
  session
    .command("export-trace")
    .description("Export a session's timeline as a Perfetto trace (.pftrace).")
    .argument("<session-id>", "session id")
    .option("-o, --output <file>", "output file (default: ./<session-id>.pftrace)")
    .option("--url-only", "print the signed download URL instead of downloading")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/session.js")).exportTraceCommand(
          ctx,
          String(cmd.args[0]),
          cmd.opts<{ output?: string; urlOnly?: boolean }>(),
        ),
      ),
    );

  program
    .command("billing")
    .description("View billing usage.")
    .command("usage")
    .description("Show hourly billing usage for a window of at most 14 days (hour-aligned RFC 3339 bounds).")
    .argument("<starting-on>", "start of the window, e.g. 2026-07-13T00:00:00Z")
    .argument("<ending-before>", "end of the window (exclusive)")
    .option("--csv <path>", "write the usage rows as CSV to PATH ('-' for stdout) instead of the table")
    .option("--sessions-csv <path>", "also write session_id,user_metadata as CSV to PATH ('-' for stdout)")
    .action(
      act(async (ctx, cmd) =>
        (await import("./commands/billing.js")).billingUsageCommand(
          ctx,
          String(cmd.args[0]),
          String(cmd.args[1]),
          cmd.opts<{ csv?: string; sessionsCsv?: string }>(),
        ),
      ),
    );

  program
    .command("sample")
    .description("Sample completions from a base model or a sampler checkpoint.")
    .option("--base-model <name>", "base model, e.g. Qwen/Qwen3-8B")
    .option("--model-path <path>", "sampler checkpoint, tinker://run-id/sampler_weights/name")
    .option("--prompt <text>", "prompt text")
    .option("--prompt-file <file>", "read the prompt from a file ('-' for stdin)")
    .option("--max-tokens <n>", "maximum tokens to generate", integer(1, "--max-tokens"))
    .option("--temperature <t>", "sampling temperature", finite("--temperature"))
    .option("--top-p <p>", "nucleus sampling probability", finite("--top-p"))
    .option("--top-k <k>", "top-k sampling (-1 = off)", integer(-1, "--top-k"))
    .option("--stop <text>", "stop string (repeatable)", collect)
    .option("--num-samples <n>", "number of samples", integer(1, "--num-samples"), 1)
    .option("--seed <n>", "random seed", integer(0, "--seed"))
    .option("--keep-special-tokens", "print special tokens such as <|im_end|> in the text")
    .action(act(async (ctx, cmd) => (await import("./commands/sample.js")).sampleCommand(ctx, cmd.opts())));

  program
    .command("local")
    .description("Run tinker-local, the Tinker-compatible local server (needs @tinker-ts/local-server).")
    .command("serve")
    .description("Start tinker-local in the foreground until Ctrl-C.")
    .option("--port <port>", "TCP port (0 picks a free one)", integer(0, "--port"), 8765)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--data-dir <dir>",
      "directory for state, kept across restarts (default: $XDG_DATA_HOME/tinker-local or ~/.tinker-local)",
    )
    .addOption(
      new Option(
        "--ephemeral",
        "keep state in a temporary directory, removed when the server stops",
      ).conflicts("dataDir"),
    )
    .addOption(new Option("--backend <backend>", "compute backend").choices(["null", "tiny"]).default("null"))
    .option("--keys-file <file>", "accepted API keys, one per line (default: any tml-… key)")
    .option("--faults <file>", "fault-injection configuration (JSON)")
    .option("--jwt", "JWT auth mode")
    .addOption(
      new Option("--log-level <level>", "request log level (stderr)")
        .choices(["silent", "error", "warn", "info", "debug"])
        .default("info"),
    )
    .action(
      act(async (ctx, cmd) => (await import("./commands/local.js")).localServeCommand(ctx, cmd.opts())),
    );

  return program;
}

/** Resolves the root options after parsing. */
function globalOptions(program: Command, io: CliIo): GlobalOptions {
  const o = program.opts<{
    format: OutputFormat;
    json?: boolean;
    baseUrl?: string;
    color: boolean;
    debug?: boolean;
    apiKeyStdin?: boolean;
  }>();
  return {
    format: o.json ? "json" : o.format,
    baseUrl: o.baseUrl ?? (io.env["TINKER_BASE_URL"] || undefined),
    color: colorEnabled(io, o.color),
    debug: o.debug === true,
    apiKeyStdin: o.apiKeyStdin === true,
  };
}

/**
 * Runs `tinker` with `argv` (without the node and script paths) and returns the exit code:
 * 0 success, 1 runtime/API error, 2 usage error, 130 interrupted. Data goes to `io.stdout`,
 * everything else to `io.stderr`; nothing here exits the process.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: RunCliOptions = {},
): Promise<number> {
  const signal = options.signal ?? new AbortController().signal;
  let format: OutputFormat = prescanFormat(argv);
  let debug = argv.includes("--debug");
  let clients: ClientFactory | undefined;
  let output: CommandOutput | undefined;
  let ctx: CommandContext | undefined;

  const program = buildProgram((action) => async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const global = globalOptions(program, io);
    format = global.format;
    debug = global.debug;
    const openClients = options.clients ?? (await import("./clients.js")).createClientFactory;
    const opened = openClients(io, global, signal);
    clients = opened;
    const context: CommandContext = { io, options: global, signal, clients: opened };
    ctx = context;
    output = await action(context, command);
  });
  const configure = (command: Command) => {
    command.exitOverride();
    command.helpCommand(false);
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Usage errors are printed by runCli, as text or JSON.
      outputError: () => {},
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);

  try {
    if (hasKeyFlag(argv)) throw new KeyFlagRefused();
    await program.parseAsync(argv as string[], { from: "user" });
    if (output !== undefined && ctx !== undefined) await printResult(ctx, output);
    return output?.exitCode ?? ExitCode.ok;
  } catch (error) {
    if (isCommanderSuccess(error)) return ExitCode.ok;
    const cliError = await toUserError(error, signal.aborted);
    printError(io, cliError, { format, debug });
    return cliError.exitCode;
  } finally {
    await clients?.close();
  }
}

/** Commander's exits for help and version. */
function isCommanderSuccess(error: unknown): boolean {
  return (
    error instanceof CommanderError &&
    (error.code === "commander.helpDisplayed" ||
      error.code === "commander.version" ||
      (error.code === "commander.help" && error.exitCode === 0))
  );
}

/** The error to report: a key flag or any other commander error is a usage error (exit 2); the rest is mapped. */
async function toUserError(error: unknown, interrupted: boolean): Promise<CliError> {
  const { UsageError } = await import("./errors.js");
  if (error instanceof KeyFlagRefused) {
    return new UsageError(
      "API keys are not accepted as command-line flags",
      "Set TINKER_API_KEY in the environment, or pipe the key on stdin with --api-key-stdin.",
    );
  }
  if (error instanceof CommanderError) {
    const message = error.message.replace(/^error: /, "");
    return new UsageError(
      message === "(outputHelp)" ? "A subcommand is required (see the help above)" : capitalize(message),
      "Run with --help for usage.",
    );
  }
  const { toCliError } = await import("./error-map.js");
  return toCliError(error, interrupted);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
