/**
 * How a future turns its final `retrieve_future` reply into a typed result (tinker-wire-spec.md
 * §6.3). Futures know nothing about specific result types; the caller says which wire form the
 * result takes and how to decode it:
 *
 * - `protobuf`: `SampleResponse` and `ForwardBackwardOutput`. Polls send
 *   `Accept: application/x-protobuf`, and a JSON success is rejected (0.25+ servers always answer
 *   these as protobuf). `decode` gets the raw body bytes (already `Content-Encoding`-decoded),
 *   e.g. `decodeSampleResponse` from `@tinker-ts/types/proto`.
 * - `json`: every other result. `parse` gets the parsed JSON object and validates it, e.g. a zod
 *   schema's `parse`. A protobuf reply is a decoding error.
 *
 * `name` is the result type's name (`SampleResponse`), used in error messages and telemetry.
 */
export type ResultDecoder<T> =
  | { readonly format: "protobuf"; readonly name: string; readonly decode: (bytes: Uint8Array) => T }
  | {
      readonly format: "json";
      readonly name: string;
      readonly parse: (value: Readonly<Record<string, unknown>>) => T;
    };

/**
 * A {@link ResultDecoder} for a protobuf result type.
 *
 * ```ts
 * import { decodeSampleResponse } from "@tinker-ts/types/proto";
 * const decoder = protobufResult("SampleResponse", decodeSampleResponse);
 * ```
 */
export function protobufResult<T>(name: string, decode: (bytes: Uint8Array) => T): ResultDecoder<T> {
  return { format: "protobuf", name, decode };
}

/**
 * A {@link ResultDecoder} for a JSON result type; `parse` should throw when the value does not
 * match (a zod schema's `parse` does).
 *
 * ```ts
 * const decoder = jsonResult("OptimStepResponse", OptimStepResponseSchema.parse);
 * ```
 */
export function jsonResult<T>(
  name: string,
  parse: (value: Readonly<Record<string, unknown>>) => T,
): ResultDecoder<T> {
  return { format: "json", name, parse };
}
