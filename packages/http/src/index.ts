export {
  ApiKeyAuth,
  type AuthProvider,
  type CommandRunner,
  CredentialCommandAuth,
  MISSING_API_KEY_MESSAGE,
  resolveAuthProvider,
  shellCommandRunner,
} from "./auth.js";
export { BILLING_PAUSE_SLEEP_MS, BillingPause, DEFAULT_BILLING_MAX_PAUSE_MS } from "./billing.js";
export {
  ACCEPT_ENCODING,
  decodeContentEncoding,
  isJsonContentType,
  isProtobufContentType,
  mediaType,
  type ParsedBody,
} from "./body.js";
export {
  authenticateForClientConfig,
  type BootstrapCallOptions,
  DEFAULT_CLIENT_CONFIG,
  DEFAULT_DYNAMIC_CONFIG,
  DynamicConfigRefresher,
  fetchClientConfig,
  fetchDynamicConfigOnce,
  fetchInitialDynamicConfig,
  MIN_DYNAMIC_REFRESH_MS,
} from "./bootstrap.js";
export {
  type AttemptEvent,
  type AttemptObservation,
  type AttemptStart,
  type HttpMethod,
  type HttpObserver,
  type HttpResponse,
  type RequestOptions,
  TinkerHttp,
  type TinkerHttpOptions,
} from "./client.js";
export { type Clock, raceAbort, systemClock } from "./clock.js";
export {
  DEFAULT_BASE_URL,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type HttpConfigOptions,
  type ResolvedHttpConfig,
  resolveHttpConfig,
  TinkerHttpConfig,
} from "./config.js";
export { defaultCredentialsPath, readStoredApiKey } from "./credentials-file.js";
export {
  APIConnectionError,
  APIError,
  type APIErrorInit,
  APIResponseValidationError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  BillingError,
  ConflictError,
  InternalServerError,
  makeStatusError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  REQUEST_ID_HEADER,
  type RequestErrorCategory,
  RequestFailedError,
  type RequestInfo,
  UnprocessableEntityError,
} from "./errors.js";
export {
  type ExecuteWithRetriesOptions,
  executeWithRetries,
  isRetryableOuterError,
  OUTER_RETRY_BUDGET_MS,
  type OuterRetryEvent,
} from "./execute-with-retries.js";
export {
  type HeaderInit,
  mergeHeaders,
  type PythonTimeoutType,
  platformHeaders,
  stainlessArch,
  stainlessOs,
} from "./headers.js";
export {
  decodeJwtClaims,
  JWT_ON_DEMAND_REFRESH_MS,
  JWT_RETRY_DELAY_MS,
  jwtExpiryMs,
  jwtRefreshDelayMs,
} from "./jwt.js";
export { JwtAuth, type JwtAuthOptions, type JwtExchange } from "./jwt-auth.js";
export {
  consoleLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  leveledLogger,
  parseLogLevel,
} from "./logger.js";
export { EMPTY_400_BUDGET, POOL_KINDS, type PoolKind } from "./pools.js";
export {
  type AttemptOutcome,
  baseRetryDelayMs,
  decideRetry,
  INITIAL_RETRY_DELAY_MS,
  isEmptyBodyRejection,
  isRetryableOuterStatus,
  isRetryableResponse,
  MAX_RETRY_DELAY_MS,
  outerBackoffMs,
  parseRetryAfterMs,
  type ResponseHeaders,
  type RetryDecision,
} from "./retry.js";
export { maskSecret, redactHeaders, redactText, Secret } from "./secret.js";
export { buildTarget, encodeQuery, type QueryValue, type RequestTarget } from "./url.js";
export { VERSION } from "./version.js";
export { zstdCompress, zstdDecompress } from "./zstd.js";
