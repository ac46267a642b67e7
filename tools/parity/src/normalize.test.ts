import { datum, modelInputFromInts, tensorData } from "@tinker-ts/types";
import { encodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import { describe, expect, it } from "vitest";
import { recorded } from "./fixtures.test-helpers.js";
import {
  normalizeHeader,
  normalizeRecords,
  normalizeRequest,
  normalizeString,
  normalizeValue,
  parseRecords,
  protoTopLevelFields,
  toPlain,
} from "./normalize.js";

const uuid = "0c5d5bee-4f43-469b-a8b6-171fddcda6f6";

describe("normalizeString", () => {
  it("replaces uuids, keeping the id structure around them", () => {
    expect(normalizeString(`${uuid}:train:0`)).toBe("<uuid>:train:0");
    expect(normalizeString(`sessionless-${uuid.toUpperCase()}`)).toBe("sessionless-<uuid>");
  });

  it("replaces JWTs, timestamps, tinker-local URLs and download tokens", () => {
    expect(normalizeString("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")).toBe("<jwt>");
    expect(normalizeString("at 2026-11-22T03:28:43.426255Z and 2026-01-01 10:00:00+00:00")).toBe(
      "at <time> and <time>",
    );
    expect(normalizeString("http://127.0.0.1:41435/_download/eyJ0Ijp7fQ.T7PC-x_y")).toBe(
      "<tinker-local>/_download/<token>",
    );
  });

  it("leaves ordinary text alone", () => {
    expect(normalizeString("Qwen/Qwen3-8B")).toBe("Qwen/Qwen3-8B");
  });
});

describe("normalizeValue", () => {
  it("normalizes strings at any depth and keeps numbers and booleans", () => {
    expect(normalizeValue({ a: [uuid, 1.5, true, null], b: { c: uuid } })).toEqual({
      a: ["<uuid>", 1.5, true, null],
      b: { c: "<uuid>" },
    });
  });
});

describe("normalizeHeader", () => {
  it("keeps only the presence of idempotency keys and round-trip times", () => {
    expect(normalizeHeader("x-idempotency-key", `stainless-python-retry-${uuid}`)).toBe("<idempotency-key>");
    expect(normalizeHeader("x-idempotency-key", "")).toBe("");
    expect(normalizeHeader("x-tinker-create-promise-roundtrip-time", "0.0123")).toBe("<seconds>");
    expect(normalizeHeader("x-tinker-create-promise-roundtrip-time", "soon")).toBe("soon");
    expect(normalizeHeader("x-tinker-request-iteration", "2")).toBe("2");
  });
});

describe("toPlain", () => {
  it("turns typed arrays and bigints into plain numbers", () => {
    expect(toPlain({ a: new Float32Array([0.5]), b: new BigInt64Array([3n]), c: [7n] })).toEqual({
      a: [0.5],
      b: [3],
      c: [7],
    });
  });
});

function fwdbwdBytes(config?: Record<string, number>): Uint8Array {
  return encodeForwardBackwardRequest({
    model_id: `${uuid}:train:0`,
    seq_id: 2,
    data: [
      datum(modelInputFromInts([1, 2]), {
        target_tokens: tensorData([2, 3], { dtype: "int64" }),
        weights: tensorData([1, 0.5], { dtype: "float32" }),
      }),
    ],
    loss_fn: "cross_entropy",
    ...(config ? { loss_fn_config: config } : {}),
    forward_only: false,
  });
}

describe("protoTopLevelFields", () => {
  it("lists the field numbers of a message, so v1 and v2 loss configs stay distinguishable", () => {
    const plain = protoTopLevelFields(fwdbwdBytes());
    const configured = protoTopLevelFields(fwdbwdBytes({ clip_low_threshold: 0.8 }));
    expect(plain).toEqual([...plain].sort((a, b) => a - b));
    expect(configured).toEqual(expect.arrayContaining(plain));
    expect(configured.length).toBeGreaterThan(plain.length);
  });

  it("rejects truncated input", () => {
    expect(() => protoTopLevelFields(fwdbwdBytes().slice(0, 5))).toThrow(/truncated/);
    expect(() => protoTopLevelFields(new Uint8Array([0x80]))).toThrow(/truncated/);
    expect(() => protoTopLevelFields(new Uint8Array([0x0b]))).toThrow(/wire type 3/);
  });

  it("skips fixed-width fields", () => {
    expect(protoTopLevelFields(new Uint8Array([0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4]))).toEqual([
      1, 2,
    ]);
  });
});

describe("normalizeRequest", () => {
  it("drops harness traffic", () => {
    expect(normalizeRequest(recorded({ path: "/_admin/faults" }), 0)).toBeUndefined();
  });

  it("parses JSON bodies, so float spelling and key order do not matter", () => {
    const a = normalizeRequest(recorded({ body: `{"lr":1.0,"eps":1e-05,"id":"${uuid}"}` }), 0);
    const b = normalizeRequest(recorded({ body: `{"id":"${uuid}","eps":0.00001,"lr":1}` }), 0);
    expect(a?.body).toEqual({ lr: 1, eps: 0.00001, id: "<uuid>" });
    expect(a?.body).toEqual(b?.body);
    expect(a?.bodyKind).toBe("json");
  });

  it("drops transport headers and normalizes the rest", () => {
    const request = normalizeRequest(
      recorded({
        path: `/api/v1/sessions/${uuid}/finish`,
        headers: {
          Host: "127.0.0.1:1",
          "content-length": "2",
          "x-idempotency-key": "k",
          "content-type": "application/json",
        },
      }),
      3,
    );
    expect(request).toMatchObject({
      index: 3,
      path: "/api/v1/sessions/<uuid>/finish",
      headers: { "x-idempotency-key": "<idempotency-key>", "content-type": "application/json" },
    });
    expect(request?.headers).not.toHaveProperty("host");
  });

  it("decodes protobuf forward_backward bodies", () => {
    const body = Buffer.from(fwdbwdBytes({ clip_low_threshold: 0.8 })).toString("base64");
    const request = normalizeRequest(
      recorded({
        path: "/api/v1/forward_backward",
        headers: { "content-type": "application/x-protobuf" },
        body_encoding: "base64",
        body,
      }),
      0,
    );
    expect(request?.bodyKind).toBe("protobuf");
    expect(request?.body).toMatchObject({
      model_id: "<uuid>:train:0",
      seq_id: 2,
      loss_fn: "cross_entropy",
      loss_fn_config: { clip_low_threshold: expect.closeTo(0.8, 6) },
      data: [{ loss_fn_inputs: { target_tokens: { data: [2, 3] } } }],
    });
  });

  it("reports undecodable protobuf and other binary bodies without failing", () => {
    const proto = normalizeRequest(
      recorded({
        path: "/api/v1/forward_backward",
        headers: { "content-type": "application/x-protobuf" },
        body_encoding: "base64",
        body: Buffer.from([0x0b]).toString("base64"),
      }),
      0,
    );
    expect(proto?.bodyKind).toBe("binary");
    expect(String(proto?.body)).toMatch(/undecodable protobuf/);
    const binary = normalizeRequest(
      recorded({ headers: { "content-type": "application/zstd" }, body_encoding: "base64", body: "AAEC" }),
      0,
    );
    expect(binary?.body).toBe("<3 bytes>");
  });

  it("keeps text and broken JSON as normalized text, and empty bodies as none", () => {
    expect(normalizeRequest(recorded({ body: `{not json ${uuid}` }), 0)).toMatchObject({
      bodyKind: "text",
      body: "{not json <uuid>",
    });
    expect(
      normalizeRequest(recorded({ headers: { "content-type": "text/plain" }, body: "hi" }), 0)?.bodyKind,
    ).toBe("text");
    expect(normalizeRequest(recorded({ body_encoding: "none", body: "" }), 0)).toMatchObject({
      bodyKind: "none",
      body: undefined,
    });
  });
});

describe("parseRecords / normalizeRecords", () => {
  it("reads JSON lines, skipping blank lines, and keeps file positions as indexes", () => {
    const lines = [recorded({ path: "/_admin/pause" }), recorded()]
      .map((r) => JSON.stringify(r))
      .join("\n\n");
    const records = parseRecords(`${lines}\n`);
    expect(records).toHaveLength(2);
    expect(normalizeRecords(records).map((r) => r.index)).toEqual([1]);
  });

  it("names the line that is not JSON", () => {
    expect(() => parseRecords(`${JSON.stringify(recorded())}\n{oops`)).toThrow(/line 2/);
  });
});
