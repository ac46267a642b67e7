import type { ForwardBackwardOutput } from "@tinker-ts/types";
import { type CombineMetricsOptions, combineMetrics } from "./combine-metrics.js";

/**
 * Combines the results of the chunks of one chunked `forward` / `forward_backward` call into one
 * result, as the Python SDK's `combine_fwd_bwd_output_results` does (tinker-wire-spec.md §8.2):
 * `loss_fn_output_type` from the first chunk, `loss_fn_outputs` concatenated in chunk order (the
 * records themselves are not copied), and metrics combined by {@link combineMetrics}.
 *
 * @param outputs chunk results in data order (chunk 1 first), as the chunks' futures resolve.
 * @returns the combined result; for no chunks, `{ loss_fn_output_type: "", loss_fn_outputs: [], metrics: {} }`.
 * @throws MetricsReductionError as {@link combineMetrics} does.
 */
export function combineForwardBackwardOutputs(
  outputs: readonly ForwardBackwardOutput[],
  options: CombineMetricsOptions = {},
): ForwardBackwardOutput {
  return {
    loss_fn_output_type: outputs[0]?.loss_fn_output_type ?? "",
    loss_fn_outputs: outputs.flatMap((output) => output.loss_fn_outputs),
    metrics: combineMetrics(outputs, options),
  };
}
