import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { type CommandOutput, formatJson } from "../output/output.js";

/**
 * `tinker local serve`: runs tinker-local (`@tinker-ts/local-server`) in the foreground until
 * Ctrl-C. The server package is optional — it is imported only here, and a clear message says how
 * to install it when it is missing.
 */

/** Flags of `local serve`. */
export interface ServeFlags {
  port: number;
  host: string;
  dataDir?: string | undefined;
  ephemeral?: boolean | undefined;
  backend: "null" | "tiny";
  keysFile?: string | undefined;
  faults?: string | undefined;
  jwt?: boolean | undefined;
  logLevel: "silent" | "error" | "warn" | "info" | "debug";
}

type LocalServerModule = typeof import("@tinker-ts/local-server");

/** Loads `@tinker-ts/local-server`, or explains how to get it. */
export async function loadLocalServer(
  load: () => Promise<LocalServerModule> = () => import("@tinker-ts/local-server"),
): Promise<LocalServerModule> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new CliError(
        "tinker local serve needs the @tinker-ts/local-server package, which is not installed",
        {
          details:
            "Install it next to the CLI (npm install -g @tinker-ts/local-server, or add it to your project), then run this again.",
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** Reads API keys, one per line; blank lines and `#` comments are skipped. */
async function readKeys(path: string): Promise<string[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** `tinker local serve …`: prints the URL on stdout (a JSON line with `--format json`), then serves until SIGINT. */
export async function localServeCommand(
  ctx: CommandContext,
  flags: ServeFlags,
  load?: () => Promise<LocalServerModule>,
): Promise<CommandOutput> {
  const local = await loadLocalServer(load);
  const path = (p: string) => resolve(ctx.io.cwd, p);
  const keys = flags.keysFile === undefined ? undefined : await readKeys(path(flags.keysFile));
  const faults =
    flags.faults === undefined
      ? undefined
      : local.parseFaultConfig(JSON.parse(await readFile(path(flags.faults), "utf8")) as unknown);
  const dataDir = local.chooseDataDir({
    ephemeral: flags.ephemeral,
    dataDir: flags.dataDir === undefined ? undefined : path(flags.dataDir),
  });
  const server = await local.startLocalServer({
    port: flags.port,
    host: flags.host,
    backend: flags.backend,
    logLevel: flags.logLevel,
    ...(dataDir.kind === "ephemeral" ? {} : { dataDir: dataDir.dir }),
    ...(keys === undefined ? {} : { apiKeys: keys }),
    ...(faults === undefined ? {} : { faults }),
    ...(flags.jwt ? { jwtAuth: true } : {}),
  });
  ctx.io.stdout.write(
    ctx.options.format === "json"
      ? formatJson({ url: server.url, port: server.port, data_dir: server.dataDir, backend: flags.backend })
      : `tinker-local listening on ${server.url}\n`,
  );
  ctx.io.stderr.write(`${local.describeDataDir(dataDir, server.dataDir)}\nPress Ctrl-C to stop.\n`);
  await new Promise<void>((done) => {
    if (ctx.signal.aborted) done();
    else ctx.signal.addEventListener("abort", () => done(), { once: true });
  });
  await server.close();
  return { kind: "done" };
}
