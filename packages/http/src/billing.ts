import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";

/** Sleep between retries while paused on billing, 5 s (tinker-wire-spec.md §7.4). */
export const BILLING_PAUSE_SLEEP_MS = 5_000;
/** Default pause window, 3600 s (`billing_exception_max_pause_duration_sec`). */
export const DEFAULT_BILLING_MAX_PAUSE_MS = 3_600_000;
const LOG_INTERVAL_MS = 60_000;
const RESET_AFTER_MS = 300_000;

/**
 * The billing pause of tinker-wire-spec.md §7.4 (`_should_pause_on_billing`): HTTP 402 starts an
 * incident during which callers sleep {@link BILLING_PAUSE_SLEEP_MS} and retry silently, logging a
 * warning at most once a minute; once the incident is older than the window the 402 is raised.
 * An incident resets when more than 5 minutes have passed since its last warning (which, while
 * 402s keep coming, is at most a minute old — so in effect after 5 quiet minutes).
 *
 * One instance is shared by everything a client does (outer retries, future polls, sampling).
 */
export class BillingPause {
  readonly #clock: Clock;
  readonly #logger: Logger;
  #maxPauseMs: number;
  #firstAt: number | undefined;
  #lastLoggedAt: number | undefined;

  constructor(clock: Clock, logger: Logger, maxPauseMs = DEFAULT_BILLING_MAX_PAUSE_MS) {
    this.#clock = clock;
    this.#logger = logger;
    this.#maxPauseMs = maxPauseMs;
  }

  /** Sets the window from the client config (`billing_exception_max_pause_duration_sec`, in ms here). */
  setMaxPauseMs(ms: number): void {
    this.#maxPauseMs = ms;
  }

  /**
   * True when the caller should sleep {@link BILLING_PAUSE_SLEEP_MS} and retry: `status` is 402
   * and the incident is still inside the window. `detail` (the error message) goes into the warning.
   */
  shouldPause(status: number, detail: string): boolean {
    if (status !== 402) return false;
    const now = this.#clock.now();
    if (this.#lastLoggedAt !== undefined && now - this.#lastLoggedAt > RESET_AFTER_MS) {
      this.#firstAt = undefined;
      this.#lastLoggedAt = undefined;
    }
    if (this.#firstAt !== undefined && now - this.#firstAt > this.#maxPauseMs) {
      this.#logger.error(
        `The job was paused due to billing status for ${Math.round((now - this.#firstAt) / 1000)} seconds. This has been happening for too long. Aborting.`,
      );
      return false;
    }
    if (this.#lastLoggedAt === undefined || now - this.#lastLoggedAt > LOG_INTERVAL_MS) {
      this.#lastLoggedAt = now;
      this.#logger.warn(`The job is paused due to billing status. Error: ${detail}`);
    }
    this.#firstAt ??= now;
    return true;
  }
}
