/**
 * `@tinker-ts/local-server`: `tinker-local`, a Tinker-compatible HTTP server for offline
 * development, CI, fault-injection tests and SDK benchmarks (tinker-wire-spec.md §3, §6, §8.1).
 */
export type {
  AdamParams,
  Backend,
  CheckpointFiles,
  LossFnName,
  LossInput,
  ModelSpec,
  PromptScoreInput,
  PromptScores,
  SampleInput,
  SamplerSpec,
  SamplingOptions,
} from "./backend/backend.js";
export { BackendUserError } from "./backend/backend.js";
export { createNullBackend } from "./backend/null-backend.js";
export { type BaseModelInfo, defaultCatalogue } from "./catalogue.js";
export { type Clock, ManualClock, systemClock, type Timer } from "./clock.js";
export { chooseDataDir, type DataDirChoice, defaultDataDir, describeDataDir } from "./data-dir.js";
export type { FaultConfig, FaultCounters, FaultKind, FaultRule, QueuePause } from "./faults.js";
export { faultKinds, parseFaultConfig } from "./faults.js";
export type { LogLevel, LogSink } from "./log.js";
export {
  type ClientConfigFlags,
  type DynamicConfigFlags,
  defaultClientConfig,
  defaultDynamicConfig,
  type LocalServerOptions,
} from "./options.js";
export type { RecordedRequest } from "./record.js";
export { type LocalServer, LocalServerStartError, startLocalServer } from "./server.js";
export type { LoraSettings } from "./state/entities.js";
export {
  createTinyBackend,
  type TinyBackendOptions,
  type TinyDecoder,
  type TinyTokenizerInfo,
} from "./tiny/backend.js";
export { type TinyModelConfig, tinyModelConfig } from "./tiny/config.js";
export type { TokenizerSettings } from "./tokenizers.js";
