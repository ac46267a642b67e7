import {
  type ForwardBackwardOutput,
  promptLogprobsList,
  type SampleResponse,
  sampledLogprobsList,
  sampledTokensList,
  tensorDataToWire,
  topkPromptLogprobsList,
} from "@tinker-ts/types";

/**
 * JSON forms of the two results that are protobuf for current SDKs, for polls that do not accept
 * protobuf (SDKs ≤ 0.24.x, tinker-wire-spec.md §16).
 */

/** The legacy JSON `ForwardBackwardOutput`: `{loss_fn_output_type, loss_fn_outputs, metrics}`. */
export function forwardBackwardOutputToJson(output: ForwardBackwardOutput): Record<string, unknown> {
  return {
    loss_fn_output_type: output.loss_fn_output_type,
    loss_fn_outputs: output.loss_fn_outputs.map((record) =>
      Object.fromEntries(
        Object.entries(record).map(([name, tensor]) => [
          name,
          tensorDataToWire({ ...tensor, shape: tensor.shape ?? [tensor.data.length] }),
        ]),
      ),
    ),
    metrics: output.metrics,
  };
}

/** The legacy JSON `SampleResponse`: NaN prompt logprobs as null, sentinel top-k rows as null. */
export function sampleResponseToJson(response: SampleResponse): Record<string, unknown> {
  const promptLogprobs = promptLogprobsList(response);
  const topk = topkPromptLogprobsList(response);
  return {
    sequences: response.sequences.map((sequence) => {
      const logprobs = sampledLogprobsList(sequence);
      return {
        stop_reason: sequence.stop_reason,
        tokens: sampledTokensList(sequence),
        ...(logprobs === undefined ? {} : { logprobs }),
      };
    }),
    type: "sample",
    ...(promptLogprobs === undefined ? {} : { prompt_logprobs: promptLogprobs }),
    ...(topk === undefined ? {} : { topk_prompt_logprobs: topk }),
    prompt_cache_hit_tokens: response.prompt_cache_hit_tokens,
  };
}
