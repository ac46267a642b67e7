import { createHash } from "node:crypto";
import { type BytesPermit, BytesSemaphore } from "@tinker-ts/futures";
import type { Clock, TinkerHttp } from "@tinker-ts/http";
import type { ClientConfigResponse } from "@tinker-ts/types";
import { Semaphore, type SemaphorePermit } from "./semaphore.js";

/** Samples submitting at once, per process and server account: 400 (tinker-wire-spec.md §9.3). */
export const SAMPLE_DISPATCH_MAX_IN_FLIGHT = 400;
/** Extra cap on submitting samples shortly after a 429: 10 (§9.3). */
export const SAMPLE_DISPATCH_THROTTLED_MAX_IN_FLIGHT = 10;
/** How long after a backoff deadline dispatch stays throttled: 10 000 ms (§9.3). */
export const SAMPLE_THROTTLE_WINDOW_MS = 10_000;
/** Factor on the byte charge while throttled: ×20 (§9.3). */
export const SAMPLE_THROTTLED_BYTES_FACTOR = 20;
/** Prompts estimated at up to this many bytes back off for 1 s after a 429, larger ones 5 s (§9.2). */
export const SMALL_PROMPT_MAX_BYTES = 128 * 1024;
/** Backoff after a 429 for a prompt of at most {@link SMALL_PROMPT_MAX_BYTES}: 1000 ms. */
export const SMALL_PROMPT_BACKOFF_MS = 1_000;
/** Backoff after a 429 for a larger prompt: 5000 ms. */
export const LARGE_PROMPT_BACKOFF_MS = 5_000;
/** While backing off, submitters re-check the deadline this often: 1000 ms (Python sleeps 1 s). */
export const BACKOFF_CHECK_INTERVAL_MS = 1_000;

/** The caps of a {@link SampleDispatcher}. */
export interface SampleDispatchLimits {
  /** Samples submitting at once; default {@link SAMPLE_DISPATCH_MAX_IN_FLIGHT}. */
  readonly maxInFlight?: number | undefined;
  /** Samples submitting at once while throttled; default {@link SAMPLE_DISPATCH_THROTTLED_MAX_IN_FLIGHT}. */
  readonly throttledMaxInFlight?: number | undefined;
  /** Byte budget of submitting prompts (`sample_dispatch_bytes_semaphore_size`, 10 MiB by default). */
  readonly budgetBytes: number;
}

/** What a submitting sample holds; give it back with `release` once the submit loop is over. */
export interface DispatchPermit {
  /** Bytes charged against the budget: the estimate, ×20 when taken while throttled. */
  readonly chargedBytes: number;
  /** Whether the throttled cap was taken too. */
  readonly throttled: boolean;
  /** Releases every slot and byte; only the first call has an effect. */
  release(): void;
}

/**
 * The sampling dispatch throttle (tinker-wire-spec.md §9.2–§9.3, Python
 * `InternalClientHolder.sample_dispatch_rate_limit` and `_sample_backoff_until`): three nested
 * limits a sample holds while its `/asample` submit loop runs (not while its result is polled),
 * plus the shared 429 backoff deadline.
 *
 * 1. at most `maxInFlight` (400) submitting samples;
 * 2. within {@link SAMPLE_THROTTLE_WINDOW_MS} of a backoff deadline (before it, or less than 10 s
 *    after it), also at most `throttledMaxInFlight` (10);
 * 3. a byte budget of `budgetBytes` with the Python `BytesSemaphore` semantics (a request waits
 *    while the balance is negative, so one prompt larger than the budget still goes alone),
 *    charged ×20 within the same window.
 *
 * One dispatcher is shared by every SamplingClient talking to one server with one credential in
 * this process (see {@link sharedSampleDispatcher}). Time comes from the injected clock.
 */
export class SampleDispatcher {
  readonly #clock: Pick<Clock, "now" | "sleep">;
  readonly #inFlight: Semaphore;
  readonly #throttled: Semaphore;
  readonly #bytes: BytesSemaphore;
  #backoffUntil: number | undefined;

  /** @throws InvalidInputError for caps that are not positive integers or a negative budget. */
  constructor(clock: Pick<Clock, "now" | "sleep">, limits: SampleDispatchLimits) {
    this.#clock = clock;
    this.#inFlight = new Semaphore(limits.maxInFlight ?? SAMPLE_DISPATCH_MAX_IN_FLIGHT);
    this.#throttled = new Semaphore(limits.throttledMaxInFlight ?? SAMPLE_DISPATCH_THROTTLED_MAX_IN_FLIGHT);
    this.#bytes = new BytesSemaphore(limits.budgetBytes);
  }

  /** Clock time (ms) until which submits wait after a 429, or undefined before the first one. */
  get backoffUntil(): number | undefined {
    return this.#backoffUntil;
  }

  /** Samples holding a dispatch slot right now. */
  get inFlight(): number {
    return this.#inFlight.held;
  }

  /** Samples holding a throttled slot right now. */
  get throttledInFlight(): number {
    return this.#throttled.held;
  }

  /** The byte budget's balance (negative while an oversized prompt is submitting). */
  get availableBytes(): number {
    return this.#bytes.available;
  }

  /**
   * True before the backoff deadline and for {@link SAMPLE_THROTTLE_WINDOW_MS} after it (Python
   * `_sample_backoff_requested_recently`).
   */
  isThrottled(): boolean {
    return (
      this.#backoffUntil !== undefined && this.#clock.now() - this.#backoffUntil < SAMPLE_THROTTLE_WINDOW_MS
    );
  }

  /**
   * Takes the nested limits for one sample whose prompt is estimated at `estimatedBytes` (see
   * `estimatePromptBytes`). The throttle is looked at as each limit is reached, as Python does.
   *
   * @throws `signal.reason` when `signal` aborts while waiting; nothing stays held.
   */
  async acquire(estimatedBytes: number, signal?: AbortSignal): Promise<DispatchPermit> {
    const held: Array<SemaphorePermit | BytesPermit> = [];
    const releaseAll = () => {
      for (const permit of held.splice(0).reverse()) permit.release();
    };
    try {
      held.push(await this.#inFlight.acquire(signal));
      const throttled = this.isThrottled();
      if (throttled) held.push(await this.#throttled.acquire(signal));
      const chargedBytes = this.isThrottled()
        ? estimatedBytes * SAMPLE_THROTTLED_BYTES_FACTOR
        : estimatedBytes;
      held.push(await this.#bytes.acquire(chargedBytes, signal));
      return { chargedBytes, throttled, release: releaseAll };
    } catch (error) {
      releaseAll();
      throw error;
    }
  }

  /**
   * Waits while the shared backoff deadline is in the future, re-checking every
   * {@link BACKOFF_CHECK_INTERVAL_MS} (another sample's 429 may push it further).
   *
   * @throws `signal.reason` when `signal` aborts.
   */
  async waitOutBackoff(signal?: AbortSignal): Promise<void> {
    while (this.#backoffUntil !== undefined && this.#clock.now() < this.#backoffUntil) {
      await this.#clock.sleep(BACKOFF_CHECK_INTERVAL_MS, signal);
    }
  }

  /**
   * Records a 429 (or a 402 inside the billing window) on `/asample`: every submitter waits until
   * now + 1 s, or 5 s when the prompt is estimated above {@link SMALL_PROMPT_MAX_BYTES} (§9.2 step 4).
   * Returns the backoff in ms.
   */
  backOff(estimatedBytes: number): number {
    const backoffMs =
      estimatedBytes <= SMALL_PROMPT_MAX_BYTES ? SMALL_PROMPT_BACKOFF_MS : LARGE_PROMPT_BACKOFF_MS;
    this.#backoffUntil = this.#clock.now() + backoffMs;
    return backoffMs;
  }
}

// Dispatchers by server and credential. Values are weak so that a dispatcher no client uses any
// more can be collected; the registry then drops its key.
const dispatchers = new Map<string, WeakRef<SampleDispatcher>>();
const cleanup = new FinalizationRegistry<string>((key) => {
  if (dispatchers.get(key)?.deref() === undefined) dispatchers.delete(key);
});

/**
 * The registry key of a server account: the base URL and a SHA-256 of the credential (API key,
 * else credential command), so the credential itself is never kept as a key.
 */
export function dispatcherKey(http: Pick<TinkerHttp, "config">): string {
  const { baseUrl, apiKey, credentialCmd } = http.config;
  const credential = apiKey ? `key:${apiKey.reveal()}` : `cmd:${credentialCmd ?? ""}`;
  return `${baseUrl}\u0000${createHash("sha256").update(credential).digest("hex")}`;
}

/**
 * The process-wide {@link SampleDispatcher} of `http`'s server and credential, created on first
 * use with the byte budget `sample_dispatch_bytes_semaphore_size` of `clientConfig` and the clock of
 * `http`. Every SamplingClient of every ServiceClient with the same base URL and credential shares
 * it, so their combined submits stay within the §9.3 limits (as the Elixir port's rate limiter
 * does).
 */
export function sharedSampleDispatcher(
  http: Pick<TinkerHttp, "config" | "clock">,
  clientConfig: Pick<ClientConfigResponse, "sample_dispatch_bytes_semaphore_size">,
): SampleDispatcher {
  const key = dispatcherKey(http);
  const existing = dispatchers.get(key)?.deref();
  if (existing) return existing;
  const dispatcher = new SampleDispatcher(http.clock, {
    budgetBytes: clientConfig.sample_dispatch_bytes_semaphore_size,
  });
  dispatchers.set(key, new WeakRef(dispatcher));
  cleanup.register(dispatcher, key);
  return dispatcher;
}
