import type { BytesSemaphore } from "@tinker-ts/futures";
import type { Clock, Logger, TinkerHttp } from "@tinker-ts/http";
import type { Instrumentation, TelemetryReporter } from "@tinker-ts/telemetry";
import type { ClientConfigResponse, ClientDynamicConfigResponse } from "@tinker-ts/types";

/**
 * What every client object (TrainingClient, SamplingClient, RestClient) needs from the
 * ServiceClient that made it: one bootstrapped holder (tinker-wire-spec.md §2.1–§2.3).
 *
 * A ServiceClient keeps two lazily created holders: a session holder (client config → optional JWT
 * → dynamic config → create_session → heartbeat) for training and sampling, and a REST holder that
 * never creates a session. Each is exposed to the clients it creates as a ClientContext.
 */
export interface ClientContext {
  /** The authenticated HTTP layer: pools, retries, billing pause, clock, logger. */
  readonly http: TinkerHttp;
  /** Server feature flags and limits fetched at bootstrap (§2.3 step 1). */
  readonly clientConfig: ClientConfigResponse;
  /**
   * The latest dynamic client config (§2.3 steps 4 and 6; 0.38 adds `sample_cancel_enabled`,
   * `sample_cancel_max_batch_size`). Read it per use: the session holder refreshes it in the
   * background every `max(refresh_interval_sec, 10)` s.
   */
  readonly dynamicConfig: ClientDynamicConfigResponse;
  /** The server session (§3.2 create_session); undefined for the session-less REST holder. */
  readonly sessionId: string | undefined;
  /** Client-wide in-flight response byte budget (`inflight_response_bytes_semaphore_size`, §6.3). */
  readonly responseBudget: BytesSemaphore;
  /** OpenTelemetry hooks; a no-op unless the application registered a provider. */
  readonly instrumentation: Instrumentation;
  /** The Tinker telemetry reporter (§11), or undefined when TINKER_TELEMETRY disables it. */
  readonly telemetry: TelemetryReporter | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Aborted when the ServiceClient closes: in-flight work settles with a clear error. */
  readonly closeSignal: AbortSignal;
  /**
   * Takes the next `sampling_session_seq_id` of this session (§2.6): shared by
   * create_sampling_session and unnamed save_weights_for_sampler. Throws outside a session.
   */
  nextSamplingSessionSeqId(): number;
  /** Throws a clear error when the ServiceClient has been closed. */
  assertOpen(): void;
}
