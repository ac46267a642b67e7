/**
 * `@tinker-ts/metrics-reduction`: combining the chunk results of a chunked `forward` /
 * `forward_backward` call exactly as the Tinker Python SDK does (tinker-wire-spec.md §8.2).
 * Pure functions, no I/O, browser-safe.
 */
export {
  type CombineMetricsOptions,
  combineMetrics,
  type DroppedMetric,
  type MetricsChunk,
  REDUCTIONS,
  type ReductionSdkVersion,
} from "./combine-metrics.js";
export { combineForwardBackwardOutputs } from "./combine-outputs.js";
export { pythonIntHash, pythonTupleHash } from "./cpython-hash.js";
export { MetricsReductionError, type MetricsReductionFailure } from "./errors.js";
export { hash2, hashUnordered } from "./hash-reductions.js";
