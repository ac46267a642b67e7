/**
 * `@tinker-ts/types/proto`: the protobuf codec of the Tinker wire (tinker-wire-spec.md §5),
 * compatible with Python SDK 0.38.0. It is a separate entry point so that code needing only the
 * JSON types does not bundle it.
 *
 * - Requests: {@link encodeForwardBackwardRequest} (client; {@link prepareForwardBackwardRequest}
 *   to check now and write later) / {@link decodeForwardBackwardRequest} (server) for
 *   `POST /api/v1/forward_backward`.
 * - Results: {@link decodeForwardBackwardOutput} / {@link decodeSampleResponse} (client) and
 *   {@link encodeForwardBackwardOutput} / {@link encodeSampleResponse} (server).
 *
 * Numeric arrays travel as raw little-endian bytes; encoders view typed arrays without copying
 * element by element, and decoders return typed arrays that view the input buffer when aligned.
 */

export { decodeForwardBackwardOutput, encodeForwardBackwardOutput } from "./forward-backward-output.js";
export {
  decodeForwardBackwardRequest,
  type EncodeForwardBackwardRequestOptions,
  encodeForwardBackwardRequest,
  type ForwardBackwardProtoRequest,
  type PreparedForwardBackwardRequest,
  prepareForwardBackwardRequest,
} from "./forward-backward-request.js";
export { decodeSampleResponse, encodeSampleResponse } from "./sample-response.js";

/**
 * Media type of protobuf bodies: the `Content-Type` of forward_backward requests and of protobuf
 * results, and the `Accept` of result polls (tinker-wire-spec.md §5.2).
 */
export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";
