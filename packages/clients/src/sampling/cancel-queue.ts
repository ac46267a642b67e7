import { sendCancelFuture } from "@tinker-ts/futures";
import type { Logger, TinkerHttp } from "@tinker-ts/http";
import type { ClientDynamicConfigResponse } from "@tinker-ts/types";

/** The dynamic-config flags that govern sampling cancellation (0.38 `ClientDynamicConfigResponse`). */
export type SampleCancelSettings = Pick<
  ClientDynamicConfigResponse,
  "sample_cancel_enabled" | "sample_cancel_max_batch_size"
>;

/** Collaborators of a {@link SampleCancelQueue}. */
export interface SampleCancelQueueOptions {
  readonly http: Pick<TinkerHttp, "request" | "executeWithRetries">;
  readonly logger: Logger;
  /** The current flags; read once per batch, so a refreshed dynamic config takes effect. */
  readonly settings: () => SampleCancelSettings;
  /** Aborts the cancel requests in flight (the ServiceClient closing). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Tells the server to stop the work of abandoned samples (Python SDK 0.38
 * `InternalClientHolder.enqueue_cancel` and `_cancel_drain_loop`): request ids of cancelled sample
 * futures are queued, and a drain loop sends `POST /api/v1/cancel_future` for up to
 * `sample_cancel_max_batch_size` of them concurrently, batch after batch. Nothing is sent unless
 * the dynamic config has `sample_cancel_enabled`; the server then falls back to noticing the
 * missing SDK heartbeat. Failures are logged, never retried beyond `executeWithRetries`, and never
 * reach the caller.
 */
export class SampleCancelQueue {
  readonly #options: SampleCancelQueueOptions;
  readonly #pending: string[] = [];
  #draining: Promise<void> | undefined;

  constructor(options: SampleCancelQueueOptions) {
    this.#options = options;
  }

  /** Request ids waiting to be sent. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Queues a cancel for `requestId` and starts the drain loop when it is idle. */
  enqueue(requestId: string): void {
    this.#pending.push(requestId);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Resolves once everything queued so far has been sent or dropped. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    const { http, logger, signal } = this.#options;
    // Start after the current task, so cancels queued together (a batch of futures abandoned at
    // once) go out as one batch.
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const settings = this.#options.settings();
      if (!settings.sample_cancel_enabled) {
        this.#pending.length = 0;
        return;
      }
      const batch = this.#pending.splice(0, Math.max(1, settings.sample_cancel_max_batch_size));
      await Promise.all(
        batch.map((requestId) =>
          sendCancelFuture(http, requestId, { signal }).catch((error: unknown) => {
            if (signal?.aborted) return;
            logger.error(`Failed to cancel sampling request ${requestId}: ${String(error)}`);
          }),
        ),
      );
    }
  }
}
