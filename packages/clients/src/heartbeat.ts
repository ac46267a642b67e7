import { APIStatusError, type Clock, type Logger, type TinkerHttp } from "@tinker-ts/http";
import { encodeRequestBody } from "@tinker-ts/types";

/** Period of the session heartbeat, 10 s (tinker-wire-spec.md §2.4). */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Time without a successful heartbeat after which every failed beat logs a warning, 120 s (§2.4). */
export const HEARTBEAT_WARNING_AFTER_MS = 120_000;

/** Collaborators of a {@link SessionHeartbeat}. */
export interface SessionHeartbeatOptions {
  readonly http: TinkerHttp;
  readonly sessionId: string;
  /** Clock of the 10 s sleeps and of the 120 s warning threshold. */
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Keeps a session alive (tinker-wire-spec.md §2.4, Python SDK 0.38 `_session_heartbeat`): every
 * 10 s `POST /api/v1/session_heartbeat` on the session pool with no base-client retries and a
 * 10 s timeout. Failures are swallowed; once 120 s pass without a success, each failed beat logs a
 * warning. A 410 means the session has finished: the loop stops (0.38).
 */
export class SessionHeartbeat {
  readonly #options: SessionHeartbeatOptions;
  #stop: AbortController | undefined;

  constructor(options: SessionHeartbeatOptions) {
    this.#options = options;
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.#stop) return;
    this.#stop = new AbortController();
    void this.#loop(this.#stop.signal);
  }

  /** Stops the loop, also in the middle of a sleep or a beat. */
  stop(): void {
    this.#stop?.abort();
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const { http, sessionId, clock, logger } = this.#options;
    const body = encodeRequestBody("SessionHeartbeatRequest", { session_id: sessionId });
    let lastSuccess = clock.now();
    for (;;) {
      try {
        await clock.sleep(HEARTBEAT_INTERVAL_MS, signal);
      } catch {
        return;
      }
      let lastError: unknown;
      try {
        await http.request({
          method: "POST",
          path: "/api/v1/session_heartbeat",
          body,
          pool: "session",
          maxRetries: 0,
          timeoutMs: 10_000,
          signal,
        });
        lastSuccess = clock.now();
      } catch (error) {
        if (signal.aborted) return;
        if (APIStatusError.isInstance(error) && error.status === 410) {
          logger.info(`Session ${sessionId} has finished; stopping its heartbeat.`);
          return;
        }
        lastError = error;
      }
      const silentMs = clock.now() - lastSuccess;
      if (lastError !== undefined && silentMs > HEARTBEAT_WARNING_AFTER_MS) {
        logger.warn(
          `Session heartbeat failed for ${Math.round(silentMs / 1000)} seconds for session ${sessionId}. ` +
            `Last error: ${String(lastError)}. Your connection may be unreliable or Tinker is down; ` +
            "if this persists, the session will be terminated.",
        );
      }
    }
  }
}
