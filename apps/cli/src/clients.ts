import type { RestClient, ServiceClient, ServiceClientOptions } from "@tinker-ts/clients";
import type { Logger } from "@tinker-ts/http";
import type { CliRestApi } from "./api.js";
import type { ClientFactory, GlobalOptions } from "./context.js";
import { CliError } from "./errors.js";
import type { CliIo } from "./io.js";
import type { CliSampler } from "./sampler.js";

/**
 * Opening SDK clients for a command: a `@tinker-ts/clients` ServiceClient, created on first use
 * (so `tinker version` and usage errors never load the SDK), with the API key from
 * `TINKER_API_KEY` or the first line of stdin (`--api-key-stdin`) — never a flag, and never the
 * credentials file of `tinker auth login`, so what the CLI uses is always visible in its
 * environment. SIGINT closes the client, which rejects every request in flight.
 */

/** Extra ServiceClient options (tests inject a clock). */
export type ServiceOverrides = Pick<ServiceClientOptions, "clock" | "telemetry">;

/**
 * The API key for this run: the first line of stdin with `--api-key-stdin`, else `TINKER_API_KEY`.
 * Undefined when neither is set but `TINKER_CREDENTIAL_CMD` is (the SDK runs the command).
 *
 * @throws CliError when there is no credential at all, or stdin is empty.
 */
export async function resolveApiKey(io: CliIo, options: GlobalOptions): Promise<string | undefined> {
  if (options.apiKeyStdin) {
    const line = (await io.readLine())?.trim();
    if (!line) {
      throw new CliError("No API key on stdin", {
        details:
          "--api-key-stdin reads the key from the first line of stdin, e.g. `pass tinker | tinker --api-key-stdin run list`.",
      });
    }
    return line;
  }
  const key = io.env["TINKER_API_KEY"]?.trim();
  if (key) return key;
  if (io.env["TINKER_CREDENTIAL_CMD"]) return undefined;
  throw new CliError("No API key found", {
    details:
      "Set TINKER_API_KEY (or TINKER_CREDENTIAL_CMD), or pipe the key on stdin with --api-key-stdin. Keys are never taken as flags.",
  });
}

/** SDK log lines on stderr (never stdout, which carries data only). */
export function stderrLogger(io: CliIo): Logger {
  const line = (level: string) => (message: string) => io.stderr.write(`[tinker] ${level} ${message}\n`);
  return { debug: line("DEBUG"), info: line("INFO"), warn: line("WARN"), error: line("ERROR") };
}

/** The CLI's view of a RestClient: the one-page listing calls take `{limit, offset}`. */
export function restApi(rest: RestClient): CliRestApi {
  return {
    getTrainingRun: (id) => rest.getTrainingRun(id),
    listTrainingRunsPage: ({ limit, offset }) => rest.listTrainingRuns({ limit, offset }),
    listCheckpoints: (runId) => rest.listCheckpoints(runId),
    listUserCheckpointsPage: ({ limit, offset }) => rest.listUserCheckpoints({ limit, offset }),
    listSessionsPage: ({ limit, offset }) => rest.listSessions({ limit, offset }),
    getSession: (id) => rest.getSession(id),
    getWeightsInfoByTinkerPath: (path) => rest.getWeightsInfoByTinkerPath(path),
    getCheckpointArchiveUrlFromTinkerPath: (path) => rest.getCheckpointArchiveUrlFromTinkerPath(path),
    deleteCheckpointFromTinkerPath: (path) => rest.deleteCheckpointFromTinkerPath(path),
    publishCheckpointFromTinkerPath: (path) => rest.publishCheckpointFromTinkerPath(path),
    unpublishCheckpointFromTinkerPath: (path) => rest.unpublishCheckpointFromTinkerPath(path),
    setCheckpointTtlFromTinkerPath: (path, ttl) => rest.setCheckpointTtlFromTinkerPath(path, ttl),
    exportSessionTrace: (id) => rest.exportSessionTrace(id),
    getBillingUsage: (startingOn, endingBefore) => rest.getBillingUsage({ startingOn, endingBefore }),
    whoami: () => rest.whoami(),
  };
}

/**
 * The default {@link ClientFactory}: one ServiceClient per run, opened on first use and closed
 * by `close()` or by `signal` (SIGINT).
 */
export function createClientFactory(
  io: CliIo,
  options: GlobalOptions,
  signal: AbortSignal,
  overrides: ServiceOverrides = {},
): ClientFactory {
  let service: Promise<ServiceClient> | undefined;
  const open = (): Promise<ServiceClient> => {
    service ??= (async () => {
      const apiKey = await resolveApiKey(io, options);
      const { ServiceClient } = await import("@tinker-ts/clients");
      const client = new ServiceClient({
        ...overrides,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
        ...(options.debug ? { logLevel: "debug" as const } : {}),
        credentialsFile: false,
        env: io.env,
        logger: stderrLogger(io),
      });
      signal.addEventListener("abort", () => void client.close({ status: "interrupted" }), { once: true });
      return client;
    })();
    return service;
  };
  return {
    rest: async () => restApi((await open()).createRestClient()),
    sampler: async (target): Promise<CliSampler> => {
      const sampler = await (await open()).createSamplingClient(target);
      return {
        getTokenizer: (tokenizerOptions) => sampler.getTokenizer({ ...tokenizerOptions, env: io.env }),
        sample: (prompt, sampleOptions) => sampler.sample(prompt, sampleOptions),
      };
    },
    close: async () => {
      const opened = await service?.catch(() => undefined);
      await opened?.close();
    },
  };
}
