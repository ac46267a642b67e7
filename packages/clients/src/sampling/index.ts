export {
  BACKOFF_CHECK_INTERVAL_MS,
  type DispatchPermit,
  LARGE_PROMPT_BACKOFF_MS,
  SAMPLE_DISPATCH_MAX_IN_FLIGHT,
  SAMPLE_DISPATCH_THROTTLED_MAX_IN_FLIGHT,
  SAMPLE_THROTTLE_WINDOW_MS,
  SAMPLE_THROTTLED_BYTES_FACTOR,
  SampleDispatcher,
  type SampleDispatchLimits,
  SMALL_PROMPT_BACKOFF_MS,
  SMALL_PROMPT_MAX_BYTES,
  sharedSampleDispatcher,
} from "./dispatch.js";
export { ESTIMATED_BYTES_PER_TOKEN, estimateChunkBytes, estimatePromptBytes } from "./estimate.js";
export {
  DEFAULT_RETRY_CONFIG,
  isRetryableSampleError,
  type RetryConfig,
  type RetryExecuteOptions,
  RetryHandler,
  type RetryHandlerOptions,
  type RetryHandlerStats,
  resolveRetryConfig,
  StuckRequestsError,
  sampleRetryDelayMs,
} from "./retry-handler.js";
export {
  type ComputeLogprobsOptions,
  type SampleOptions,
  SamplingClient,
  type SamplingClientOptions,
} from "./sampling-client.js";
export {
  type SampleSettingsInput,
  type SamplingParamsInput,
  type ValidatedSampleSettings,
  validatePrompt,
  validateSampleSettings,
  validateSamplingParams,
} from "./validate.js";
