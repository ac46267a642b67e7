import type { ClientContext } from "../context.js";
import { SampleCancelQueue } from "./cancel-queue.js";
import { type RetryConfig, RetryHandler } from "./retry-handler.js";

/** RetryHandlers kept per ServiceClient: 100, as the Python SDK's `lru_cache(maxsize=100)`. */
export const RETRY_HANDLER_CACHE_SIZE = 100;

/** What the SamplingClients of one ServiceClient share (Python: what hangs off one holder). */
interface SamplingShared {
  readonly cancelQueue: SampleCancelQueue;
  /** RetryHandlers in least-recently-used order, keyed by sampling session and config. */
  readonly retryHandlers: Map<string, RetryHandler>;
}

const shared = new WeakMap<ClientContext, SamplingShared>();

function sharedOf(context: ClientContext): SamplingShared {
  let entry = shared.get(context);
  if (!entry) {
    entry = {
      cancelQueue: new SampleCancelQueue({
        http: context.http,
        logger: context.logger,
        signal: context.closeSignal,
        // Read per batch: the session holder refreshes the dynamic config in the background.
        settings: () => context.dynamicConfig,
      }),
      retryHandlers: new Map(),
    };
    shared.set(context, entry);
  }
  return entry;
}

/** The queue that sends `cancel_future` for the abandoned samples of `context`'s ServiceClient. */
export function sampleCancelQueueFor(context: ClientContext): SampleCancelQueue {
  return sharedOf(context).cancelQueue;
}

/**
 * The RetryHandler of a sampling session under `config` (Python `_get_retry_handler`, an LRU of
 * 100 keyed by sampling session id and config): SamplingClients of one ServiceClient on the same
 * sampler share one concurrency cap and one progress watchdog.
 */
export function retryHandlerFor(
  context: ClientContext,
  samplingSessionId: string,
  config: RetryConfig,
): RetryHandler {
  const handlers = sharedOf(context).retryHandlers;
  const key = `${samplingSessionId}\u0000${JSON.stringify(config)}`;
  const existing = handlers.get(key);
  if (existing) {
    handlers.delete(key);
    handlers.set(key, existing);
    return existing;
  }
  const handler = new RetryHandler({
    config,
    name: samplingSessionId,
    clock: context.clock,
    logger: context.logger,
    telemetry: context.telemetry,
    instrumentation: context.instrumentation,
    request: { method: "POST", url: `${context.http.config.baseUrl}/api/v1/asample` },
  });
  handlers.set(key, handler);
  while (handlers.size > RETRY_HANDLER_CACHE_SIZE) {
    const oldest = handlers.keys().next().value as string;
    handlers.delete(oldest);
  }
  return handler;
}
