import { type LocalServer, startLocalServer } from "@tinker-ts/local-server";
import type { HubOptions } from "@tinker-ts/tokenizer";

/** Where the examples send their requests. */
export interface Target {
  /** `local`: tinker-local started in this process; `remote`: the service named by the environment. */
  readonly kind: "local" | "remote";
  /** Base URL; undefined means the SDK's default (the production service). */
  readonly baseUrl: string | undefined;
  /** The API key to use (a placeholder `tml-…` key for the local server, which accepts any). */
  readonly apiKey: string;
  /** The embedded server, for `local`. */
  readonly server: LocalServer | undefined;
  /** One line for a human: what this is. */
  readonly description: string;
  /** Stops the embedded server (no-op for `remote`). */
  close(): Promise<void>;
}

/** Options of {@link openTarget}. */
export interface TargetOptions {
  /** Environment to read `TINKER_API_KEY` / `TINKER_BASE_URL` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Use tinker-local even when the environment names a service. */
  readonly forceLocal?: boolean;
  /** Compute backend of the local server: `tiny` (a small real LoRA LM, default) or `null`. */
  readonly backend?: "tiny" | "null";
  /** Persistent data directory of the local server (default: a temporary one, removed on close). */
  readonly dataDir?: string;
  /** Where the local server finds base-model tokenizers (for stop strings); a seeded offline cache. */
  readonly hub?: HubOptions;
}

/** The API key sent to the embedded server; tinker-local accepts any `tml-` key by default. */
export const LOCAL_API_KEY = "tml-local-examples";

/**
 * The service to talk to: the real Tinker service when `TINKER_API_KEY` is set (at
 * `TINKER_BASE_URL`, else the SDK's default URL), otherwise tinker-local started in-process on a
 * random loopback port with the `tiny` backend, so everything runs offline.
 *
 * @throws LocalServerStartError when the local server cannot start.
 */
export async function openTarget(options: TargetOptions = {}): Promise<Target> {
  const env = options.env ?? process.env;
  const apiKey = env["TINKER_API_KEY"];
  if (apiKey && !options.forceLocal) {
    const baseUrl = env["TINKER_BASE_URL"] || undefined;
    return {
      kind: "remote",
      baseUrl,
      apiKey,
      server: undefined,
      description: `Tinker at ${baseUrl ?? "the SDK's default URL"} (TINKER_API_KEY is set)`,
      close: async () => {},
    };
  }
  const backend = options.backend ?? "tiny";
  const server = await startLocalServer({
    port: 0,
    backend,
    logLevel: "silent",
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.hub === undefined ? {} : { tokenizers: { hub: options.hub } }),
  });
  return {
    kind: "local",
    baseUrl: server.url,
    apiKey: LOCAL_API_KEY,
    server,
    description: `tinker-local in this process at ${server.url} (backend ${backend}, data dir ${server.dataDir})`,
    close: () => server.close(),
  };
}
