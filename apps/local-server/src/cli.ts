import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { chooseDataDir, type DataDirChoice, describeDataDir } from "./data-dir.js";
import { parseFaultConfig } from "./faults.js";
import { isLogLevel, type LogLevel } from "./log.js";
import type { LocalServerOptions } from "./options.js";
import { type LocalServer, startLocalServer } from "./server.js";

/**
 * The `tinker-local` command. `serve` starts the server, prints its URL and a ready line on
 * stdout, logs requests as JSON lines on stderr, and stops on SIGINT/SIGTERM. Exit codes: 0 after
 * a clean stop, 1 when the server cannot start, 2 for usage errors.
 */

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("not a port number");
  return port;
}

function positiveMs(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError("must be a positive number of ms");
  return ms;
}

function logLevel(value: string): LogLevel {
  if (!isLogLevel(value)) throw new InvalidArgumentError("one of silent, error, warn, info, debug");
  return value;
}

/** Reads one API key per line; blank lines and `#` comments are skipped. */
export function readKeysFile(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

interface ServeFlags {
  port: number;
  host: string;
  dataDir?: string;
  ephemeral?: boolean;
  backend: string;
  faults?: string;
  apiKey?: string[];
  keysFile?: string;
  jwt?: boolean;
  adminToken?: string;
  record?: string;
  logLevel: LogLevel;
  pollTimeoutMs?: number;
  sessionExpiryMs?: number;
  seqGapTimeoutMs?: number;
  protoCompress?: boolean;
  tokenizerDir?: string;
  hfHubCache?: string;
}

/**
 * Turns `serve` flags into server options (reads the faults and keys files). The data directory is
 * `dataDir`'s choice (see {@link chooseDataDir}): persistent unless `--ephemeral`.
 */
export function serveOptions(
  flags: ServeFlags,
  dataDir: DataDirChoice = chooseDataDir(flags),
): LocalServerOptions {
  if (flags.backend !== "null" && flags.backend !== "tiny") {
    throw new InvalidArgumentError(`--backend must be 'tiny' or 'null', got '${flags.backend}'`);
  }
  const keys = [...(flags.apiKey ?? []), ...(flags.keysFile ? readKeysFile(flags.keysFile) : [])];
  const adminToken = flags.adminToken ?? process.env["TINKER_LOCAL_ADMIN_TOKEN"];
  return {
    port: flags.port,
    host: flags.host,
    backend: flags.backend,
    logLevel: flags.logLevel,
    ...(dataDir.kind === "ephemeral" ? {} : { dataDir: dataDir.dir }),
    ...(flags.faults ? { faults: parseFaultConfig(JSON.parse(readFileSync(flags.faults, "utf8"))) } : {}),
    ...(keys.length > 0 ? { apiKeys: keys } : {}),
    ...(flags.jwt ? { jwtAuth: true } : {}),
    ...(adminToken ? { adminToken } : {}),
    ...(flags.record ? { recordFile: flags.record } : {}),
    ...(flags.pollTimeoutMs ? { pollTimeoutMs: flags.pollTimeoutMs } : {}),
    ...(flags.sessionExpiryMs ? { sessionExpiryMs: flags.sessionExpiryMs } : {}),
    ...(flags.seqGapTimeoutMs ? { seqGapTimeoutMs: flags.seqGapTimeoutMs } : {}),
    ...(flags.protoCompress ? { clientConfig: { proto_compress_fwdbwd: true } } : {}),
    ...(flags.tokenizerDir || flags.hfHubCache
      ? {
          tokenizers: {
            ...(flags.tokenizerDir ? { directory: flags.tokenizerDir } : {}),
            ...(flags.hfHubCache ? { hub: { cacheDir: flags.hfHubCache } } : {}),
          },
        }
      : {}),
  };
}

/** Builds the command-line program; `out`/`err` receive data and messages. */
export function buildProgram(io: { out: (line: string) => void; err: (line: string) => void }): Command {
  const program = new Command("tinker-local")
    .description("A Tinker-compatible server for offline use, CI and fault-injection tests")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  program
    .command("serve")
    .description("start the server")
    .option("-p, --port <port>", "port to listen on (0 picks a free one)", portNumber, 8765)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--data-dir <dir>",
      "directory for checkpoints and state, kept across restarts (default: $XDG_DATA_HOME/tinker-local or ~/.tinker-local)",
    )
    .addOption(
      new Option(
        "--ephemeral",
        "keep state in a temporary directory, removed when the server stops",
      ).conflicts("dataDir"),
    )
    .option("--backend <name>", "compute backend: tiny or null", "null")
    .option("--faults <file>", "fault-injection config (JSON)")
    .option("--api-key <key...>", "accepted API key(s) (default: any tml- key)")
    .option("--keys-file <file>", "file with one accepted API key per line")
    .option("--jwt", "enable JWT auth (pjwt_auth_enabled, /auth/token)")
    .option("--admin-token <token>", "token for /_admin endpoints (or TINKER_LOCAL_ADMIN_TOKEN)")
    .option("--record <file>", "append every request received to FILE as JSON lines")
    .option("--log-level <level>", "silent, error, warn, info or debug", logLevel, "info")
    .option("--poll-timeout-ms <ms>", "retrieve_future long-poll timeout", positiveMs)
    .option("--session-expiry-ms <ms>", "session expiry after silence", positiveMs)
    .option("--seq-gap-timeout-ms <ms>", "how long out-of-order work waits for a missing seq_id", positiveMs)
    .option("--proto-compress", "ask clients to zstd-compress forward_backward bodies")
    .option(
      "--tokenizer-dir <dir>",
      "tiny backend: tokenizers for stop strings as DIR/<tokenizer repo id>/tokenizer.json",
    )
    .option(
      "--hf-hub-cache <dir>",
      "tiny backend: Hugging Face Hub cache for tokenizers (default HF_HUB_CACHE or HF_HOME/hub)",
    )
    .action(async (flags: ServeFlags) => {
      const dataDir = chooseDataDir(flags);
      const server = await startLocalServer(serveOptions(flags, dataDir));
      // Handlers first: a signal sent as soon as the ready line is read must stop the server cleanly.
      const stopped = waitForSignal(server);
      io.out(`tinker-local listening on ${server.url}`);
      io.out(describeDataDir(dataDir, server.dataDir));
      io.out(`ready: backend=${flags.backend} data_dir=${server.dataDir}`);
      await stopped;
    });
  return program;
}

function waitForSignal(server: LocalServer): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void server.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(
  argv: string[],
  io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) },
): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version") return 0;
    if (typeof code === "string" && code.startsWith("commander.")) return 2;
    if (error instanceof InvalidArgumentError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    io.err(`tinker-local: ${(error as Error).message}`);
    return 1;
  }
}
