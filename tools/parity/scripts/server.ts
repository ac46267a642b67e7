import { randomUUID } from "node:crypto";
import { type LocalServer, type LocalServerOptions, startLocalServer } from "@tinker-ts/local-server";
import type { ServerSettings } from "../src/scenario.js";

/** A tinker-local for one scenario and one SDK, recording every request to `recordFile`. */
export interface ScenarioServer {
  server: LocalServer;
  adminToken: string;
}

/**
 * Starts a fresh tinker-local (null backend: deterministic results; temporary data dir) with the
 * scenario's settings. A fresh server per run makes ids, counters and the fault PRNG start from
 * the same state for both SDKs.
 */
export async function startScenarioServer(
  settings: ServerSettings,
  recordFile: string,
): Promise<ScenarioServer> {
  const adminToken = `parity-admin-${randomUUID()}`;
  const options: LocalServerOptions = {
    port: 0,
    backend: "null",
    logLevel: "silent",
    recordFile,
    adminToken,
  };
  if (settings.client_config) options.clientConfig = settings.client_config;
  if (settings.jwt_auth) options.jwtAuth = true;
  if (settings.poll_timeout_ms !== undefined) options.pollTimeoutMs = settings.poll_timeout_ms;
  return { server: await startLocalServer(options), adminToken };
}
