import type { ForwardBackwardOutput } from "@tinker-ts/types";
import { MetricsReductionError } from "./errors.js";
import { hash2, hashUnordered } from "./hash-reductions.js";
import { numpySum, numpyWeightedAverage } from "./numpy-sum.js";

/**
 * Python SDK releases whose reduction tables this package reproduces. They differ only in the hash
 * reduction: `0.25.0` knows `:hash_unordered`, `0.38.0` replaced it with `:hash2`. Each release
 * drops the other's hash metrics as unknown reductions.
 */
export type ReductionSdkVersion = "0.38.0" | "0.25.0";

/** Reduction suffixes each {@link ReductionSdkVersion} understands (its `REDUCE_MAP`). */
export const REDUCTIONS: Readonly<Record<ReductionSdkVersion, readonly string[]>> = {
  "0.38.0": ["mean", "sum", "min", "max", "slack", "hash2", "unique"],
  "0.25.0": ["mean", "sum", "min", "max", "slack", "hash_unordered", "unique"],
};

/**
 * The part of one chunk's result that metrics combination reads: its metrics and how many
 * `loss_fn_outputs` (datums) it carries, which is the chunk's weight. Any
 * {@link ForwardBackwardOutput} fits.
 */
export interface MetricsChunk {
  /** Metrics keyed `name:reduction`, for example `loss:sum`. */
  readonly metrics: Readonly<ForwardBackwardOutput["metrics"]>;
  /** One entry per datum of the chunk; only the length is read. */
  readonly loss_fn_outputs: { readonly length: number };
}

/** A metric of the first chunk that was left out of the combined metrics, and why. */
export interface DroppedMetric {
  /** The metric key, for example `tokens:p99`. */
  key: string;
  /**
   * `unknown_reduction`: the suffix is not in {@link REDUCTIONS} (the Python SDK logs this at
   * debug level). `missing_in_chunk`: some chunk lacks the key (the Python SDK drops it silently).
   */
  reason: "unknown_reduction" | "missing_in_chunk";
}

/** Options of {@link combineMetrics} and {@link combineForwardBackwardOutputs}. */
export interface CombineMetricsOptions {
  /**
   * Whose reduction table to follow; default `"0.38.0"`. Match the `sdk_version` the client
   * announces to the server, since the server may choose which hash metrics to send by it.
   */
  sdkVersion?: ReductionSdkVersion;
  /** Called once per dropped metric, in key order, for example to log it at debug level. */
  onDroppedMetric?: (dropped: DroppedMetric) => void;
}

/**
 * Combines the metrics of the chunks of one chunked `forward` / `forward_backward` call into the
 * metrics of the whole call, exactly as the Python SDK's `_metrics_reduction` does
 * (tinker-wire-spec.md §8.2, `lib/chunked_fwdbwd_helpers.py`; 0.38.0 behaviour by default).
 *
 * - The keys come from the first chunk's metrics, in their order; keys only in later chunks are
 *   ignored. This runs even for a single chunk, so malformed keys fail there too.
 * - Each key must be `name:reduction` with exactly one `:`.
 * - A key with an unknown reduction, or missing from any chunk, is dropped
 *   (see {@link CombineMetricsOptions.onDroppedMetric}).
 * - Chunk weights are the chunks' `loss_fn_outputs.length` (datums per chunk).
 *
 * | suffix | combined value |
 * |---|---|
 * | `:mean` | weighted mean Σ(vᵢ·wᵢ)/Σwᵢ |
 * | `:slack` | max(v) − weighted mean |
 * | `:sum`, `:min`, `:max` | sum, minimum, maximum (NaN propagates) |
 * | `:unique` | `key` = v₀ and `key_i` = vᵢ for i = 1…n−1, for example `clock:unique_1` |
 * | `:hash2` (0.38.0) | {@link hash2} |
 * | `:hash_unordered` (0.25.0) | {@link hashUnordered} |
 *
 * Sums are float64 and rounded as numpy's pairwise summation rounds them, so results are equal to
 * the Python SDK's bit for bit. Hash results are 64-bit integers, and a metrics record holds
 * numbers: the record gets the nearest double (`Number(bigint)`), which is exact only below 2^53.
 * Call {@link hash2} or {@link hashUnordered} on the chunks' values for the exact `bigint`.
 * Which of two equal zeros (0 and −0) `:min` / `:max` return is not specified (numpy's answer
 * depends on its SIMD path).
 *
 * @param chunks chunk results in data order (at least the metrics and `loss_fn_outputs` of each).
 * @returns a new metrics record; `{}` for no chunks.
 * @throws MetricsReductionError `malformed_key` for a first-chunk key without exactly one `:`;
 *   `zero_total_weight` for `:mean` / `:slack` when every chunk has zero `loss_fn_outputs`;
 *   `non_finite_hash_input` for a hash reduction over NaN or ±Infinity.
 */
export function combineMetrics(
  chunks: readonly MetricsChunk[],
  options: CombineMetricsOptions = {},
): Record<string, number> {
  const first = chunks[0];
  if (first === undefined) return {};
  const known = new Set(REDUCTIONS[options.sdkVersion ?? "0.38.0"]);
  const weights = chunks.map((chunk) => chunk.loss_fn_outputs.length);
  const combined: Record<string, number> = {};
  for (const key of Object.keys(first.metrics)) {
    const reduction = reductionOf(key);
    if (!known.has(reduction)) {
      options.onDroppedMetric?.({ key, reason: "unknown_reduction" });
      continue;
    }
    if (!chunks.every((chunk) => Object.hasOwn(chunk.metrics, key))) {
      options.onDroppedMetric?.({ key, reason: "missing_in_chunk" });
      continue;
    }
    const values = chunks.map((chunk) => chunk.metrics[key]!);
    if (reduction === "unique") {
      combined[key] = values[0]!;
      for (let i = 1; i < values.length; i++) combined[`${key}_${i}`] = values[i]!;
    } else {
      combined[key] = reduce(reduction, key, values, weights);
    }
  }
  return combined;
}

/** The suffix of `name:reduction`; throws for anything but exactly one `:`, as Python's unpacking does. */
function reductionOf(key: string): string {
  const parts = key.split(":");
  if (parts.length !== 2) {
    throw new MetricsReductionError(
      `Metric key "${key}" is not of the form "name:reduction" with exactly one ":" (for example ` +
        `"loss:sum"), so the chunks' metrics cannot be combined. The server sent a malformed metric ` +
        "name; report it to the server operator (the Python SDK fails the same way).",
      { failure: "malformed_key", metricKey: key },
    );
  }
  return parts[1]!;
}

function reduce(reduction: string, key: string, values: number[], weights: number[]): number {
  switch (reduction) {
    case "mean":
      return weightedMean(key, values, weights);
    case "slack":
      return maximum(values) - weightedMean(key, values, weights);
    case "sum":
      return numpySum(values);
    case "min":
      return minimum(values);
    case "max":
      return maximum(values);
    case "hash2":
      return Number(hash2(values, key));
    default:
      // Only "hash_unordered" is left: combineMetrics filters reductions through REDUCTIONS.
      return Number(hashUnordered(values, key));
  }
}

function weightedMean(key: string, values: number[], weights: number[]): number {
  const mean = numpyWeightedAverage(values, weights);
  if (mean === undefined) {
    throw new MetricsReductionError(
      `Cannot combine metric "${key}": every chunk has zero loss_fn_outputs, so the weighted mean ` +
        "has zero total weight. The server returned chunk results without outputs; report it to the " +
        "server operator (the Python SDK raises ZeroDivisionError here).",
      { failure: "zero_total_weight", metricKey: key },
    );
  }
  return mean;
}

// Math.max / Math.min propagate NaN as np.max / np.min do; a loop avoids spreading long arrays.
function maximum(values: number[]): number {
  let max = values[0]!;
  for (const value of values) max = Math.max(max, value);
  return max;
}

function minimum(values: number[]): number {
  let min = values[0]!;
  for (const value of values) min = Math.min(min, value);
  return min;
}
