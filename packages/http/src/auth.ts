import { exec } from "node:child_process";
import { TinkerError } from "@tinker-ts/types";
import type { Clock } from "./clock.js";
import { jwtExpiryMs } from "./jwt.js";

/**
 * Supplies the credential sent as `X-API-Key` on every request (tinker-wire-spec.md §2.2). There
 * is no `Authorization` header anywhere.
 */
export interface AuthProvider {
  /** The credential for the next request, or `undefined` to send none. Errors abort the request as they are. */
  getToken(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Called when the server rejected `rejected` as an invalid token (401 with
   * `WWW-Authenticate: … error="invalid_token"`, 0.38). Returns a replacement, and the request is
   * replayed once with it. Providers that cannot replace a token leave this out.
   */
  replaceToken?(rejected: string, signal?: AbortSignal): Promise<string>;
  /** Stops background work (refresh timers). */
  close?(): void;
}

function jwtExpiryOrThrow(jwt: string, what: string): number {
  const exp = jwtExpiryMs(jwt);
  if (exp === undefined) {
    throw new TinkerError(
      `${what} looks like a JWT (eyJ…) but its exp claim cannot be read. Use a Tinker API key or a Tinker-issued JWT.`,
    );
  }
  return exp;
}

/** The message of the Python SDK when no credential is configured. */
export const MISSING_API_KEY_MESSAGE =
  "The api_key client option must be set by passing apiKey to the client, by setting the TINKER_API_KEY environment variable, or by storing a key with `tinker auth login`";

/**
 * A fixed API key or JWT (`ApiKeyAuthProvider`). A JWT credential is checked against its `exp` on
 * every use, because a fixed token cannot be refreshed (0.38).
 */
export class ApiKeyAuth implements AuthProvider {
  readonly #key: string;
  readonly #expiresAtMs: number;
  readonly #clock: Clock;

  /** @throws TinkerError when the key starts with neither `tml-` nor `eyJ`. */
  constructor(apiKey: string, clock: Clock) {
    if (!apiKey.startsWith("tml-") && !apiKey.startsWith("eyJ")) {
      throw new TinkerError("The api_key must start with the 'tml-' prefix");
    }
    this.#key = apiKey;
    this.#expiresAtMs = apiKey.startsWith("eyJ")
      ? jwtExpiryOrThrow(apiKey, "The api_key")
      : Number.POSITIVE_INFINITY;
    this.#clock = clock;
  }

  /** @throws TinkerError when the key is a JWT that has expired. */
  async getToken(): Promise<string> {
    if (this.#clock.now() >= this.#expiresAtMs) {
      throw new TinkerError(
        "The api_key JWT has expired. Pass a fresh one, or remove it and set TINKER_CREDENTIAL_CMD to a command that prints one.",
      );
    }
    return this.#key;
  }
}

/** Runs a shell command and resolves with its stdout; rejects on a non-zero exit. */
export type CommandRunner = (command: string, signal?: AbortSignal) => Promise<string>;

/** Runs `command` through the platform shell (`/bin/sh -c` or `cmd.exe`). */
export const shellCommandRunner: CommandRunner = (command, signal) =>
  new Promise((resolve, reject) => {
    exec(command, { encoding: "utf8", ...(signal ? { signal } : {}) }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });

/**
 * Runs `TINKER_CREDENTIAL_CMD` on every `getToken()` and uses its stripped stdout
 * (`CredentialCmdAuthProvider`, §2.2).
 */
export class CredentialCommandAuth implements AuthProvider {
  readonly #command: string;
  readonly #run: CommandRunner;
  readonly #clock: Clock;

  /** @throws TinkerError when `command` is empty. */
  constructor(command: string, clock: Clock, run: CommandRunner = shellCommandRunner) {
    if (!command) {
      throw new TinkerError(
        "Your organization requires dynamic credentials — set TINKER_CREDENTIAL_CMD to a command that prints a valid credential.",
      );
    }
    this.#command = command;
    this.#run = run;
    this.#clock = clock;
  }

  /** @throws TinkerError when the command fails, prints nothing, or prints an expired JWT. */
  async getToken(signal?: AbortSignal): Promise<string> {
    let stdout: string;
    try {
      stdout = await this.#run(this.#command, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new TinkerError(`TINKER_CREDENTIAL_CMD failed: ${(error as Error).message}`, { cause: error });
    }
    const credential = stdout.trim();
    if (!credential) throw new TinkerError("TINKER_CREDENTIAL_CMD returned an empty credential.");
    if (
      credential.startsWith("eyJ") &&
      this.#clock.now() >= jwtExpiryOrThrow(credential, "TINKER_CREDENTIAL_CMD")
    ) {
      throw new TinkerError("TINKER_CREDENTIAL_CMD printed an expired JWT.");
    }
    return credential;
  }
}

/**
 * Picks the credential provider (`resolve_auth_provider`, 0.38):
 * - a JWT key (`eyJ…`) is used directly, even when the command is enforced;
 * - `enforceCommand` uses the credential command;
 * - otherwise the API key, falling back to the command when the key is missing or malformed.
 *
 * The stored-credentials-file fallback is already folded into `apiKey` by `resolveHttpConfig`.
 *
 * @throws TinkerError when no credential source is available or the only key is malformed.
 */
export function resolveAuthProvider(
  apiKey: string | undefined,
  credentialCmd: string | undefined,
  enforceCommand: boolean,
  clock: Clock,
  run?: CommandRunner,
): AuthProvider {
  if (apiKey?.startsWith("eyJ")) return new ApiKeyAuth(apiKey, clock);
  if (enforceCommand) return new CredentialCommandAuth(credentialCmd ?? "", clock, run);
  if (apiKey) {
    try {
      return new ApiKeyAuth(apiKey, clock);
    } catch (error) {
      if (credentialCmd) return new CredentialCommandAuth(credentialCmd, clock, run);
      throw error;
    }
  }
  if (credentialCmd) return new CredentialCommandAuth(credentialCmd, clock, run);
  throw new TinkerError(MISSING_API_KEY_MESSAGE);
}
