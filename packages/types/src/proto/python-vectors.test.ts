import { equals, fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  promptLogprobsList,
  sampledLogprobsList,
  sampledTokensList,
  sampledTopkLogprobsList,
  topkPromptLogprobsList,
} from "../results.js";
import {
  forwardBackwardOutput,
  fromHex,
  loadFixtures,
  numbers,
  request,
  sampleResponse,
  toHex,
} from "./fixtures.test-helpers.js";
import { decodeForwardBackwardOutput, encodeForwardBackwardOutput } from "./forward-backward-output.js";
import { decodeForwardBackwardRequest, encodeForwardBackwardRequest } from "./forward-backward-request.js";
import { ForwardBackwardRequestSchema } from "./gen/tinker_public_pb.js";
import { decodeSampleResponse, encodeSampleResponse } from "./sample-response.js";

// Vectors written by the Python SDK 0.38.0 (tools/fixtures/gen_proto_vectors.py).
const fixtures = loadFixtures().filter((fixture) => fixture.source.startsWith("tinker 0.38.0"));

/** JSON `null`s (Python's None) as `undefined`, NaN restored, for comparing with the TS views. */
function pythonRows(rows: Array<Array<[number, number | "NaN"]> | null> | null) {
  return rows === null
    ? undefined
    : rows.map((row) => (row === null ? null : row.map(([id, lp]) => [id, numbers([lp])[0]])));
}

it("covers every kind of generated vector", () => {
  expect(fixtures.map((fixture) => fixture.file)).toEqual([
    "fbo-int32-bf16.json",
    "fbo-no-num-datums.json",
    "fbo-no-records.json",
    "fbo-ragged.json",
    "fbo-stripped.json",
    "fbr-empty-members.json",
    "fbr-image-dmel.json",
    "fbr-loss-fn-config-v2.json",
    "fbr-multi-datum-sparse.json",
    "fbr-single-datum.json",
    "sample-topk-empty.json",
    "sample-topk.json",
  ]);
});

describe.each(
  fixtures.filter((fixture) => fixture.message === "ForwardBackwardRequest"),
)("$file", (fixture) => {
  it("decodes to the request the SDK encoded", () => {
    expect(decodeForwardBackwardRequest(fromHex(fixture.hex))).toEqual(request(fixture.value));
  });

  it("encodes, with map keys sorted, to the SDK's deterministic bytes exactly", () => {
    const ours = encodeForwardBackwardRequest(request(fixture.value, true));
    expect(toHex(ours)).toBe(fixture.hex_sorted_maps);
  });

  it("encodes, in the value's key order, to a message equal to the SDK's", () => {
    const ours = fromBinary(
      ForwardBackwardRequestSchema,
      encodeForwardBackwardRequest(request(fixture.value)),
    );
    const python = fromBinary(ForwardBackwardRequestSchema, fromHex(fixture.hex));
    expect(equals(ForwardBackwardRequestSchema, ours, python)).toBe(true);
  });
});

describe.each(
  fixtures.filter((fixture) => fixture.message === "ForwardBackwardOutput"),
)("$file", (fixture) => {
  it("decodes to what the SDK's response_conv decodes", () => {
    expect(decodeForwardBackwardOutput(fromHex(fixture.hex))).toEqual(forwardBackwardOutput(fixture.value));
  });

  it("re-encodes to bytes that decode to the same output", () => {
    const expected = forwardBackwardOutput(fixture.value);
    expect(decodeForwardBackwardOutput(encodeForwardBackwardOutput(expected))).toEqual(expected);
  });
});

describe.each(fixtures.filter((fixture) => fixture.message === "SampleResponse"))("$file", (fixture) => {
  it("decodes to what the SDK's response_conv decodes", () => {
    expect(decodeSampleResponse(fromHex(fixture.hex))).toEqual(sampleResponse(fixture.value));
  });

  it("re-encodes to bytes that decode to the same response", () => {
    const expected = sampleResponse(fixture.value);
    expect(decodeSampleResponse(encodeSampleResponse(expected))).toEqual(expected);
  });

  it("gives the same list views as the SDK's properties", () => {
    const views = fixture.python_views!;
    const decoded = decodeSampleResponse(fromHex(fixture.hex));
    expect(promptLogprobsList(decoded)).toEqual(
      views.prompt_logprobs?.map((value) => (value === null ? null : numbers([value])[0])),
    );
    expect(topkPromptLogprobsList(decoded)).toEqual(pythonRows(views.topk_prompt_logprobs));
    decoded.sequences.forEach((sequence, i) => {
      const view = views.sequences[i]!;
      expect(sampledTokensList(sequence)).toEqual(view.tokens);
      expect(sampledLogprobsList(sequence)).toEqual(
        view.logprobs === null ? undefined : numbers(view.logprobs),
      );
      expect(sampledTopkLogprobsList(sequence)).toEqual(pythonRows(view.topk_logprobs));
    });
  });
});
