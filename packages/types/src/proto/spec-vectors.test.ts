import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import {
  forwardBackwardOutput,
  fromHex,
  loadFixture,
  request,
  sampleResponse,
  toHex,
} from "./fixtures.test-helpers.js";
import { decodeForwardBackwardOutput, encodeForwardBackwardOutput } from "./forward-backward-output.js";
import { decodeForwardBackwardRequest, encodeForwardBackwardRequest } from "./forward-backward-request.js";
import { DType, ForwardBackwardRequestSchema } from "./gen/tinker_public_pb.js";
import { decodeSampleResponse, encodeSampleResponse } from "./sample-response.js";

// The five golden vectors of tinker-wire-spec.md §5.5 (written by the Python protobuf runtime).

describe("§5.5 ForwardBackwardRequest, one datum", () => {
  const fixture = loadFixture("spec-5.5-fbr-single-datum.json");

  it("encodes to the exact bytes, map entries in key order (weights first)", () => {
    expect(Object.keys(fixture.value.data[0].loss_fn_inputs)).toEqual(["weights", "target_tokens"]);
    expect(toHex(encodeForwardBackwardRequest(request(fixture.value)))).toBe(fixture.hex);
  });

  it("decodes to the request", () => {
    expect(decodeForwardBackwardRequest(fromHex(fixture.hex))).toEqual(request(fixture.value));
  });
});

describe("§5.5 ForwardBackwardRequest, ppo with loss_fn_config", () => {
  const fixture = loadFixture("spec-5.5-fbr-ppo-config.json");

  it("encodes to the exact bytes in the 0.25.0 legacy form", () => {
    const bytes = encodeForwardBackwardRequest(request(fixture.value), { legacyLossFnConfig: true });
    expect(toHex(bytes)).toBe(fixture.hex);
  });

  it("appends loss_fn_config_v2 (field 7) in the default 0.38.0 form, the rest unchanged", () => {
    const bytes = encodeForwardBackwardRequest(request(fixture.value));
    const hex = toHex(bytes);
    expect(hex.startsWith(fixture.hex)).toBe(true);
    // Field 7, length-delimited: one map entry {key, value: LossConfigValue{number: 0.8}}.
    expect(hex.slice(fixture.hex.length)).toBe(
      "3a1f0a12636c69705f6c6f775f7468726573686f6c641209099a9999999999e93f",
    );
    const message = fromBinary(ForwardBackwardRequestSchema, bytes);
    expect(message.lossFnConfigV2["clip_low_threshold"]?.value).toEqual({ case: "number", value: 0.8 });
  });

  it("decodes to the request", () => {
    expect(decodeForwardBackwardRequest(fromHex(fixture.hex))).toEqual(request(fixture.value));
  });
});

describe("§5.5 ForwardBackwardRequest, empty oneof members", () => {
  const fixture = loadFixture("spec-5.5-fbr-empty-members.json");

  it("parses to an empty text chunk and an empty dense tensor without dtype", () => {
    const message = fromBinary(ForwardBackwardRequestSchema, fromHex(fixture.hex));
    const datum = message.data[0]!;
    expect(datum.modelInput[0]?.chunk.case).toBe("encodedText");
    expect(datum.modelInput[0]?.chunk).toEqual({
      case: "encodedText",
      value: expect.objectContaining({ tokens: new Uint8Array(0) }),
    });
    const w = datum.lossFnInputs["w"]!;
    expect(w.encoding).toEqual({ case: "dense", value: new Uint8Array(0) });
    expect(w.dtype).toBe(DType.DTYPE_UNSPECIFIED);
  });

  it("is rejected by the decoder for its missing dtype, as the Python SDK rejects it", () => {
    expect(() => decodeForwardBackwardRequest(fromHex(fixture.hex))).toThrow(
      expect.objectContaining({ name: "InvalidInputError", path: "data[0].loss_fn_inputs.w.dtype" }),
    );
  });

  it("differs from the SDK's float32 form only by the dtype field", () => {
    const sdkForm = loadFixture("fbr-empty-members.json");
    const ours = toHex(encodeForwardBackwardRequest(request(sdkForm.value)));
    expect(ours).toBe(sdkForm.hex);
    // Datum 0d → 0f, entry 07 → 09, tensor 02 → 04 and 1801 (dtype FLOAT32) appended.
    expect(ours).toBe("1a0f0a020a0012090a017712040a001801");
    expect(fixture.hex).toBe("1a0d0a020a0012070a017712020a00");
  });
});

describe("§5.5 SampleResponse", () => {
  const fixture = loadFixture("spec-5.5-sample-response.json");

  it("decodes to the stated values", () => {
    const decoded = decodeSampleResponse(fromHex(fixture.hex));
    expect(decoded).toEqual(sampleResponse(fixture.value));
    expect(decoded.sequences[0]?.stop_reason).toBe("length");
    expect(Array.from(decoded.sequences[0]!.tokens)).toEqual([5, 6]);
    expect(Array.from(decoded.sequences[0]?.logprobs ?? [])).toEqual([-0.5, -1]);
    expect(Array.from(decoded.prompt_logprobs!)).toEqual([Number.NaN, -2]);
    expect(decoded.prompt_cache_hit_tokens).toBe(1);
    expect(decoded.topk_prompt_logprobs).toBeUndefined();
  });

  it("encodes back to the exact bytes", () => {
    expect(toHex(encodeSampleResponse(sampleResponse(fixture.value)))).toBe(fixture.hex);
  });
});

describe("§5.5 ForwardBackwardOutput", () => {
  const fixture = loadFixture("spec-5.5-fbo-torch-loss-return.json");

  it("decodes to the stated values", () => {
    const decoded = decodeForwardBackwardOutput(fromHex(fixture.hex));
    expect(decoded).toEqual(forwardBackwardOutput(fixture.value));
    expect(decoded.loss_fn_output_type).toBe("TorchLossReturn");
    expect(decoded.metrics).toEqual({ "loss:sum": 1.5 });
    expect(decoded.loss_fn_outputs.map((datum) => datum["logprobs"]?.shape)).toEqual([[2], [1]]);
  });

  it("encodes back to the exact bytes", () => {
    expect(toHex(encodeForwardBackwardOutput(forwardBackwardOutput(fixture.value)))).toBe(fixture.hex);
  });
});

it("wraps malformed bytes in InvalidInputError", () => {
  const truncated = fromHex(loadFixture("spec-5.5-fbr-single-datum.json").hex).subarray(0, 20);
  expect(() => decodeForwardBackwardRequest(truncated)).toThrow(InvalidInputError);
  expect(() => decodeForwardBackwardRequest("0a00" as unknown as Uint8Array)).toThrow(/Uint8Array/);
});
