import type { AuthProvider } from "./auth.js";
import { type Clock, raceAbort } from "./clock.js";
import { AuthenticationError } from "./errors.js";
import { JWT_ON_DEMAND_REFRESH_MS, JWT_RETRY_DELAY_MS, jwtRefreshDelayMs, msUntilExpiry } from "./jwt.js";
import type { Logger } from "./logger.js";

/** Exchanges the underlying credential for a fresh JWT (`POST /api/v1/auth/token`, body `{}`). */
export type JwtExchange = () => Promise<string>;

/** Options of {@link JwtAuth}. */
export interface JwtAuthOptions {
  exchange: JwtExchange;
  clock: Clock;
  logger: Logger;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /** A JWT already at hand (a seed from another process); used until it needs refreshing. */
  seed?: string;
}

/**
 * The JWT exchange of tinker-wire-spec.md §2.2, with 0.38's timing (`lib/_jwt_auth.py`):
 * - the first `getToken()` exchanges the credential and starts a background refresh that fires
 *   after half the token's lifetime (±10 %; see {@link jwtRefreshDelayMs}), retrying every 60 s
 *   after a failure;
 * - `getToken()` refreshes on demand when ≤ 60 s of lifetime remain;
 * - only one exchange runs at a time — concurrent callers share it;
 * - when an on-demand refresh fails and the cached token has not expired, the stale token is
 *   returned with a warning; an {@link AuthenticationError} (the credential itself was rejected)
 *   and a failure without a live token are raised;
 * - a 401 `invalid_token` rejection triggers {@link JwtAuth.replaceToken} (one exchange for all
 *   concurrent rejections of the same token).
 *
 * All sleeps go through the injected clock, so tests drive the refresh timing with a fake clock.
 */
export class JwtAuth implements AuthProvider {
  readonly #exchange: JwtExchange;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  #token = "";
  #inflight: Promise<string> | undefined;
  #loop: AbortController | undefined;
  #closed = false;

  constructor(options: JwtAuthOptions) {
    this.#exchange = options.exchange;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
    if (options.seed) this.#token = options.seed;
  }

  /** The cached JWT (may be empty before the first exchange). */
  get currentToken(): string {
    return this.#token;
  }

  #hasRunway(): boolean {
    return this.#token !== "" && msUntilExpiry(this.#token, this.#clock.now()) > JWT_ON_DEMAND_REFRESH_MS;
  }

  /**
   * One exchange at a time: concurrent callers (and the background loop) share the in-flight one,
   * so no single caller's signal cancels it; each caller stops waiting when its own signal aborts.
   */
  #fetch(signal?: AbortSignal): Promise<string> {
    if (!this.#inflight) {
      this.#inflight = this.#exchange()
        .then((token) => {
          this.#token = token;
          return token;
        })
        .finally(() => {
          this.#inflight = undefined;
        });
    }
    return raceAbort(this.#inflight, signal);
  }

  /**
   * @throws AuthenticationError when the server rejects the credential, or the exchange error when
   * no unexpired token is cached.
   */
  async getToken(signal?: AbortSignal): Promise<string> {
    if (this.#hasRunway()) return this.#token;
    let token: string;
    try {
      token = await this.#fetch(signal);
    } catch (error) {
      if (signal?.aborted || AuthenticationError.isInstance(error)) throw error;
      if (msUntilExpiry(this.#token, this.#clock.now()) <= 0) throw error;
      this.#logger.warn(`On-demand JWT refresh failed: ${String(error)}`);
      return this.#token;
    }
    this.#startLoop(token);
    return token;
  }

  /** Returns a token other than `rejected`, exchanging for one unless another caller already has. */
  async replaceToken(rejected: string, signal?: AbortSignal): Promise<string> {
    if (this.#token !== rejected) return this.#token;
    return this.#fetch(signal);
  }

  /** Stops the background refresh. `getToken()` keeps serving (and refreshing on demand). */
  close(): void {
    this.#closed = true;
    this.#loop?.abort();
    this.#loop = undefined;
  }

  #startLoop(token: string): void {
    if (this.#loop || this.#closed) return;
    const controller = new AbortController();
    this.#loop = controller;
    void this.#refreshLoop(token, controller.signal).catch(() => {
      // Only an abort (close) ends the loop; nothing to report.
    });
  }

  async #refreshLoop(first: string, signal: AbortSignal): Promise<void> {
    let delay = jwtRefreshDelayMs(first, this.#random());
    let failing = false;
    for (;;) {
      await this.#clock.sleep(delay, signal);
      try {
        const token = await this.#fetch(signal);
        delay = jwtRefreshDelayMs(token, this.#random());
        failing = false;
      } catch (error) {
        if (signal.aborted) return;
        if (
          AuthenticationError.isInstance(error) &&
          msUntilExpiry(this.#token, this.#clock.now()) - JWT_RETRY_DELAY_MS <= JWT_ON_DEMAND_REFRESH_MS
        ) {
          // The credential was rejected and the token is about to expire: leave it to the
          // on-demand path, whose next success starts a new loop.
          this.#logger.warn(`JWT refresh rejected, stopping background refresh: ${String(error)}`);
          if (this.#loop?.signal === signal) this.#loop = undefined;
          return;
        }
        const message = `JWT refresh failed, retrying in ${JWT_RETRY_DELAY_MS / 1000}s: ${String(error)}`;
        if (failing) this.#logger.debug(message);
        else this.#logger.warn(message);
        delay = JWT_RETRY_DELAY_MS;
        failing = true;
      }
    }
  }
}
