import { expect, it } from "vitest";
import * as proto from "./index.js";

it("exposes the codec and the protobuf media type, nothing internal", () => {
  expect(Object.keys(proto).sort()).toEqual([
    "PROTOBUF_CONTENT_TYPE",
    "decodeForwardBackwardOutput",
    "decodeForwardBackwardRequest",
    "decodeSampleResponse",
    "encodeForwardBackwardOutput",
    "encodeForwardBackwardRequest",
    "encodeSampleResponse",
    "prepareForwardBackwardRequest",
  ]);
  expect(proto.PROTOBUF_CONTENT_TYPE).toBe("application/x-protobuf");
});
