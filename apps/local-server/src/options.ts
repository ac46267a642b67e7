import type { Backend } from "./backend/backend.js";
import type { BaseModelInfo } from "./catalogue.js";
import type { Clock } from "./clock.js";
import type { FaultConfig } from "./faults.js";
import type { LogLevel, LogSink } from "./log.js";
import type { TinyBackendOptions } from "./tiny/backend.js";
import type { TokenizerSettings } from "./tokenizers.js";

/**
 * Flags reported by `POST /api/v1/client/config` (tinker-wire-spec.md §4.5
 * `ClientConfigResponse`, 0.38.0 names). The server reports what it really does; flags for
 * features it lacks (`custom_loss_server_side`, `sample_use_retrieve_futures`) stay false.
 */
export interface ClientConfigFlags {
  pjwt_auth_enabled: boolean;
  credential_default_source: string;
  sample_dispatch_bytes_semaphore_size: number;
  inflight_response_bytes_semaphore_size: number;
  parallel_fwdbwd_chunks: boolean;
  proto_compress_fwdbwd: boolean;
  fwdbwd_max_chunk_len: number;
  fwdbwd_max_chunk_bytes_count: number;
  fwdbwd_dispatch_bytes_semaphore_size: number;
  billing_exception_max_pause_duration_sec: number;
  sample_no_retries: boolean;
  sample_enable_stuck_detection: boolean;
  sample_max_concurrent_requests: number;
  use_pyqwest_transport: boolean;
  create_model_via_load_weights: boolean;
  sample_use_retrieve_futures: boolean;
  custom_loss_server_side: boolean;
  sample_join_sampling_session: boolean;
}

/** Flags reported by `POST /api/v1/client/dynamic_config` (0.38.0 `ClientDynamicConfigResponse`). */
export interface DynamicConfigFlags {
  refresh_interval_sec: number;
  sample_cancel_enabled: boolean;
  sample_cancel_max_batch_size: number;
}

/** Options of {@link startLocalServer} and `tinker-local serve`. All durations are in ms. */
export interface LocalServerOptions {
  /** TCP port; 0 picks a free one (default 0 in-process, 8765 from the CLI). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Directory for persistent state; a fresh temporary directory (removed on close) when omitted. */
  dataDir?: string;
  /**
   * Compute: `null` (default; shaped results at once), `tiny` (a small real LM on the CPU, see
   * {@link LocalServerOptions.tiny} and {@link LocalServerOptions.tokenizers}), or a backend instance.
   */
  backend?: "null" | "tiny" | Backend;
  /**
   * Settings of `backend: "tiny"` (ignored otherwise). `catalogue` defaults to the server's
   * catalogue (so every model's context window agrees with `get_server_capabilities`) and
   * `loadDecoder` to one that loads tokenizers as {@link LocalServerOptions.tokenizers} says.
   */
  tiny?: TinyBackendOptions;
  /**
   * Where the tiny backend finds tokenizers for stop strings (default: the Hugging Face cache and
   * Hub as the environment says: `HF_HOME`, `HF_HUB_CACHE`, `HF_HUB_OFFLINE`, `HF_ENDPOINT`). Tests
   * pass a temporary cache and `offline: true`, so no request leaves the machine.
   */
  tokenizers?: TokenizerSettings;
  /** Accepted API keys; omitted accepts any `tml-…` key. */
  apiKeys?: readonly string[];
  /** JWT mode (`pjwt_auth_enabled`, `/auth/token`). */
  jwtAuth?: boolean;
  /** Lifetime of minted JWTs, seconds (default 3600). */
  jwtTtlSeconds?: number;
  /** Token for `/_admin/*` (header `X-Admin-Token`); admin endpoints are off when omitted. */
  adminToken?: string;
  /** Initial fault configuration. */
  faults?: FaultConfig;
  /** Time source (default the system clock); tests pass a ManualClock. */
  clock?: Clock;
  /** Log level for the JSON-lines request log (default `info`). */
  logLevel?: LogLevel;
  /** Where log lines go (default stderr). */
  logSink?: LogSink;
  /** File to append every received request to, as JSON lines. */
  recordFile?: string;
  /** Base model catalogue (default {@link defaultCatalogue}). */
  catalogue?: readonly BaseModelInfo[];
  /** Overrides of the `/client/config` flags. */
  clientConfig?: Partial<ClientConfigFlags>;
  /** Overrides of the `/client/dynamic_config` flags. */
  dynamicConfig?: Partial<DynamicConfigFlags>;
  /** Longest a `retrieve_future` long-poll waits before `try_again` (default 30 000, under the SDK's 45 s). */
  pollTimeoutMs?: number;
  /** Silence after which a session expires and releases its models and samplers (default 300 000). */
  sessionExpiryMs?: number;
  /** How long held out-of-order work waits for a missing seq_id (default 60 000). */
  seqGapTimeoutMs?: number;
  /** How long a settled future stays retrievable (default 3 600 000). */
  futureResultTtlMs?: number;
  /** Results larger than this (bytes) may be answered `complete_metadata` first (default 4 MiB). */
  inlineResultLimitBytes?: number;
  /** Telemetry batches kept for inspection (default 100). */
  telemetryBatchesKept?: number;
  /** Largest accepted request body, bytes, before and after zstd (default 256 MiB). */
  maxBodyBytes?: number;
  /** How long an archive request waits for the tar before answering 503 (default 2 000). */
  archiveWaitMs?: number;
  /** Validity of archive and trace download URLs (default 900 000 = 15 min). */
  downloadUrlTtlMs?: number;
}

/** Default `/client/config` flags: the SDK defaults, with pyqwest off (§15.3). */
export const defaultClientConfig: ClientConfigFlags = {
  pjwt_auth_enabled: false,
  credential_default_source: "api_key",
  sample_dispatch_bytes_semaphore_size: 10 * 1024 * 1024,
  inflight_response_bytes_semaphore_size: 50 * 1024 * 1024,
  parallel_fwdbwd_chunks: true,
  proto_compress_fwdbwd: false,
  fwdbwd_max_chunk_len: 1024,
  fwdbwd_max_chunk_bytes_count: 5_000_000,
  fwdbwd_dispatch_bytes_semaphore_size: 50_000_000,
  billing_exception_max_pause_duration_sec: 3600,
  sample_no_retries: false,
  sample_enable_stuck_detection: true,
  sample_max_concurrent_requests: 2000,
  use_pyqwest_transport: false,
  create_model_via_load_weights: false,
  sample_use_retrieve_futures: false,
  custom_loss_server_side: false,
  sample_join_sampling_session: false,
};

/** Default `/client/dynamic_config` flags (cancellation is supported, so it is on). */
export const defaultDynamicConfig: DynamicConfigFlags = {
  refresh_interval_sec: 300,
  sample_cancel_enabled: true,
  sample_cancel_max_batch_size: 64,
};
