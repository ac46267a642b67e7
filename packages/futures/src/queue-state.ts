import { type Clock, consoleLogger, type Logger, systemClock } from "@tinker-ts/http";
import type { QueueState } from "@tinker-ts/types";

export type { QueueState };

const KNOWN_STATES: ReadonlySet<string> = new Set(["active", "paused_capacity", "paused_rate_limit"]);

/**
 * Maps a wire `queue_state` to a {@link QueueState}: `active`, `paused_capacity` and
 * `paused_rate_limit` as they are, anything else (including a non-string) to `unknown`
 * (tinker-wire-spec.md §6.3).
 */
export function parseQueueState(value: unknown): QueueState {
  return typeof value === "string" && KNOWN_STATES.has(value) ? (value as QueueState) : "unknown";
}

/**
 * Told about the queue state of a request while it waits (tinker-wire-spec.md §6.6): on every
 * `try_again` poll reply (unless the state is `unknown` and there is no reason), on every 408 poll
 * whose JSON body carries a `queue_state`, and with `active` when the request finishes or fails
 * (Python SDK 0.38). Implementations must be cheap and should not throw (a throw is logged and
 * ignored).
 */
export interface QueueStateObserver {
  /**
   * @param queueState the state of the queue the request waits in.
   * @param queueStateReason the server's human-readable reason, when it sent one.
   */
  onQueueStateChange(queueState: QueueState, queueStateReason: string | undefined): void;
}

/** At most one queue-state log line per observer per 60 s (tinker-wire-spec.md §6.6). */
export const QUEUE_STATE_LOG_INTERVAL_MS = 60_000;

/**
 * How long a pause must last before {@link QueueStateLogger} reports it: 15 minutes (Python SDK
 * 0.38 `PAUSE_GRACE_PERIOD`; it can take a while for Tinker to make room for a request).
 */
export const PAUSE_GRACE_PERIOD_MS = 15 * 60_000;

/** Collaborators of the queue-state loggers. */
export interface QueueStateLoggerOptions {
  /** Where the warning goes; default the console logger of `@tinker-ts/http` (pass `http.logger`). */
  readonly logger?: Logger | undefined;
  /** Time source for the throttle and the grace period; default the system clock (pass `http.clock`). */
  readonly clock?: Pick<Clock, "now"> | undefined;
}

/**
 * The queue-state observer of training and model creation (Python `QueueStateLogger`,
 * tinker-wire-spec.md §6.6): warns `"<prefix> for <identifier> is paused. Reason: <reason>."` when
 * a paused state has lasted {@link PAUSE_GRACE_PERIOD_MS} (0.38; a change of state restarts the
 * grace period), at most once per {@link QUEUE_STATE_LOG_INTERVAL_MS}. `active` is never logged.
 *
 * Without a server reason, the reason is `"concurrent training clients rate limit hit"` for
 * `paused_rate_limit`, `"Tinker backend is running short on capacity, please wait"` for
 * `paused_capacity`, and `"unknown"` otherwise.
 *
 * The Python SDK uses the prefix `"Model creation"` with the base model (or the model id when
 * creating from a checkpoint), and `"Training"` with the model id.
 */
export class QueueStateLogger implements QueueStateObserver {
  readonly #identifier: string;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #clock: Pick<Clock, "now">;
  readonly #gracePeriodMs: number;
  #lastLoggedAt: number | undefined;
  #lastState: QueueState | undefined;
  #lastStateChangeAt = 0;

  /**
   * @param identifier what is queued: a base model name or a model id.
   * @param messagePrefix start of the log line, e.g. `"Training"`; default `"Operation"`.
   * @param options logger, clock, and `pauseGracePeriodMs` (default {@link PAUSE_GRACE_PERIOD_MS}).
   */
  constructor(
    identifier: string,
    messagePrefix = "Operation",
    options: QueueStateLoggerOptions & { readonly pauseGracePeriodMs?: number | undefined } = {},
  ) {
    this.#identifier = identifier;
    this.#prefix = messagePrefix;
    this.#logger = options.logger ?? consoleLogger;
    this.#clock = options.clock ?? systemClock;
    this.#gracePeriodMs = options.pauseGracePeriodMs ?? PAUSE_GRACE_PERIOD_MS;
  }

  onQueueStateChange(queueState: QueueState, queueStateReason: string | undefined): void {
    const now = this.#clock.now();
    if (queueState !== this.#lastState) {
      this.#lastState = queueState;
      this.#lastStateChangeAt = now;
    }
    if (queueState === "active" || now - this.#lastStateChangeAt < this.#gracePeriodMs) return;
    if (this.#lastLoggedAt !== undefined && now - this.#lastLoggedAt < QUEUE_STATE_LOG_INTERVAL_MS) return;
    this.#lastLoggedAt = now;
    const reason =
      queueStateReason || defaultReason(queueState, "concurrent training clients rate limit hit");
    this.#logger.warn(`${this.#prefix} for ${this.#identifier} is paused. Reason: ${reason}.`);
  }
}

/**
 * The queue-state observer of a SamplingClient (Python `SamplingClient.on_queue_state_change`,
 * tinker-wire-spec.md §6.6): warns `"Sampling is paused for sampler <id>. Reason: <reason>"` at
 * most once per {@link QUEUE_STATE_LOG_INTERVAL_MS}, with no grace period. `active` is never
 * logged. The default reason for `paused_rate_limit` is `"concurrent sampler weights limit hit"`;
 * the others are those of {@link QueueStateLogger}.
 */
export class SamplingQueueStateLogger implements QueueStateObserver {
  readonly #samplingSessionId: string;
  readonly #logger: Logger;
  readonly #clock: Pick<Clock, "now">;
  #lastLoggedAt: number | undefined;

  /** @param samplingSessionId the sampler the samples go to. */
  constructor(samplingSessionId: string, options: QueueStateLoggerOptions = {}) {
    this.#samplingSessionId = samplingSessionId;
    this.#logger = options.logger ?? consoleLogger;
    this.#clock = options.clock ?? systemClock;
  }

  onQueueStateChange(queueState: QueueState, queueStateReason: string | undefined): void {
    if (queueState === "active") return;
    const now = this.#clock.now();
    if (this.#lastLoggedAt !== undefined && now - this.#lastLoggedAt < QUEUE_STATE_LOG_INTERVAL_MS) return;
    this.#lastLoggedAt = now;
    const reason = queueStateReason || defaultReason(queueState, "concurrent sampler weights limit hit");
    this.#logger.warn(`Sampling is paused for sampler ${this.#samplingSessionId}. Reason: ${reason}`);
  }
}

function defaultReason(state: QueueState, rateLimitReason: string): string {
  if (state === "paused_rate_limit") return rateLimitReason;
  if (state === "paused_capacity") return "Tinker backend is running short on capacity, please wait";
  return "unknown";
}
