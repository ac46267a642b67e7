import type { ForwardBackwardOutput, SampleResponse } from "@tinker-ts/types";
import { encodeForwardBackwardOutput, encodeSampleResponse } from "@tinker-ts/types/proto";
import type { FutureResult } from "../futures.js";
import { forwardBackwardOutputToJson, sampleResponseToJson } from "../wire/convert.js";

/**
 * Future results in the encodings a poll may ask for (tinker-wire-spec.md §5.2, §16): JSON for
 * every type, protobuf for ForwardBackwardOutput and SampleResponse. Encodings are computed on
 * first use and cached, since a result may be polled more than once (metadata, then payload).
 */

/** A JSON-only result. */
export function jsonResult(body: Record<string, unknown>): FutureResult {
  return { json: () => body };
}

function cached<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

/** A ForwardBackwardOutput result (proto for current SDKs, legacy JSON otherwise). */
export function forwardBackwardResult(output: ForwardBackwardOutput): FutureResult {
  return {
    json: cached(() => forwardBackwardOutputToJson(output)),
    proto: cached(() => encodeForwardBackwardOutput(output)),
  };
}

/** A SampleResponse result (proto for current SDKs, legacy JSON otherwise). */
export function sampleResult(response: SampleResponse): FutureResult {
  return {
    json: cached(() => sampleResponseToJson(response)),
    proto: cached(() => encodeSampleResponse(response)),
  };
}
