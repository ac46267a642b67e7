/**
 * `@tinker-ts/clients`: the Tinker clients — ServiceClient, TrainingClient, SamplingClient and
 * RestClient (architecture.md §2, tinker-wire-spec.md §2, §8–§10).
 */

// The error classes and future types callers meet, so that one import serves a training script.
export {
  type APIFuture,
  FutureRetrieveError,
  FutureTimeoutError,
  PromiseExpiredError,
  type ResultOptions,
  RetryableError,
} from "@tinker-ts/futures";
export {
  APIConnectionError,
  APIError,
  APIResponseValidationError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  BillingError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestFailedError,
  UnprocessableEntityError,
} from "@tinker-ts/http";
export { InvalidInputError, TinkerError } from "@tinker-ts/types";
export type { ClientContext } from "./context.js";
export * from "./custom-loss/index.js";
export {
  ClientClosedError,
  TraceExportFailedError,
  TrainingSequenceBrokenError,
  WhoamiUnavailableError,
} from "./errors.js";
export { HEARTBEAT_INTERVAL_MS, HEARTBEAT_WARNING_AFTER_MS } from "./heartbeat.js";
export type { SamplingSessionSource } from "./requests.js";
export {
  ARCHIVE_DEFAULT_EXPIRY_MS,
  ARCHIVE_MAX_ATTEMPTS,
  ARCHIVE_RETRY_DELAY_MS,
} from "./rest/archive-url.js";
export { PagePromise, type PageSource } from "./rest/page.js";
export {
  type AccessScopeOptions,
  type AuditLogOptions,
  type BillingUsageWindow,
  type ListSessionsOptions,
  type ListTrainingRunsOptions,
  type ListUserCheckpointsOptions,
  RestClient,
  TRACE_EXPORT_POLL_MS,
} from "./rest/rest-client.js";
export * from "./sampling/index.js";
export {
  type CloseOptions,
  type CreateSamplingClientOptions,
  type LoraTrainingClientOptions,
  type OptimizerConfig,
  ServiceClient,
  type ServiceClientOptions,
  type TrainingClientFromStateOptions,
} from "./service-client.js";
export type {
  ForwardBackwardOptions,
  LoadStateOptions,
  OptimStepParams,
  ReadDataAt,
  SaveStateOptions,
  SaveWeightsAndGetSamplingClientOptions,
  SaveWeightsForSamplerOptions,
} from "./training/options.js";
export {
  MAX_EXPIRED_RESUBMITS,
  type SamplingRetryConfig,
  TrainingClient,
} from "./training/training-client.js";
