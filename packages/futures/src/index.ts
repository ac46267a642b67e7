export { AbstractAPIFuture } from "./abstract-api-future.js";
export { type APIFuture, type ResultOptions, waitForResult } from "./api-future.js";
export { type BytesPermit, BytesSemaphore } from "./bytes-semaphore.js";
export { CANCEL_FUTURE_TIMEOUT_MS, sendCancelFuture } from "./cancel-future.js";
export { type CombineOptions, combine } from "./combine.js";
export {
  FutureRetrieveError,
  type FutureRetrieveErrorKind,
  FutureTimeoutError,
  PromiseExpiredError,
  RetryableError,
} from "./errors.js";
export { linkAbort } from "./link-abort.js";
export type { FutureHttp, FutureTelemetry } from "./poll-loop.js";
export { MAX_BAD_REQUEST_RETRIES, POLL_TIMEOUT_MS } from "./poll-policy.js";
export {
  PollingFuture,
  type PollingFutureOptions,
  type RequestType,
  type Submission,
} from "./polling-future.js";
export {
  PAUSE_GRACE_PERIOD_MS,
  parseQueueState,
  QUEUE_STATE_LOG_INTERVAL_MS,
  type QueueState,
  QueueStateLogger,
  type QueueStateLoggerOptions,
  type QueueStateObserver,
  SamplingQueueStateLogger,
} from "./queue-state.js";
export { jsonResult, protobufResult, type ResultDecoder } from "./result-decoder.js";
