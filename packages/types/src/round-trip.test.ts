import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { base64ToBytes, bytesToBase64 } from "./json/base64.js";
import { encodeWireJson } from "./json/encode.js";
import { formatPythonDatetime } from "./json/python-datetime.js";
import { formatPythonFloat } from "./json/python-float.js";
import { modelInputFromWire } from "./model-input.js";
import { encodeRequestBody } from "./request-body.js";
import { ModelInputSchema } from "./schemas/model-input.js";
import { SampleRequestSchema, SaveWeightsRequestSchema } from "./schemas/requests.js";
import { TrainingRunSchema } from "./schemas/responses.js";
import { TensorDataSchema } from "./schemas/tensors.js";
import { tensorData, tensorDataFromWire, tensorDataToWire } from "./tensor-data.js";

/** Property tests: random valid values survive our JSON encoding and parsing unchanged. */

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const text = fc.string({ unit: "grapheme", maxLength: 12 });
// zod drops a `__proto__` key when it parses a record (its guard against prototype pollution), so
// such a metadata key cannot survive a parse; fast-check generates it on purpose now and then.
const metadataKey = text.filter((key) => key !== "__proto__");
const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const iso = fc
  .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2999-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => formatPythonDatetime(d)!);

describe("formatting primitives", () => {
  test("Python float repr parses back to the same double and uses Python's layout", () => {
    fc.assert(
      fc.property(finite, (x) => {
        const out = formatPythonFloat(x);
        expect(Object.is(Number(out), x)).toBe(true);
        // Either fixed notation with a '.', or scientific with a signed 2+ digit exponent.
        expect(out).toMatch(/^-?(\d+\.\d+|\d(\.\d+)?e[+-]\d{2,3})$/);
      }),
      { numRuns: 2000 },
    );
  });

  test("base64 round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
      }),
    );
  });

  test("Date → pydantic text → Date is lossless", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date("9999-12-31") }), (d) => {
        expect(new Date(formatPythonDatetime(d)!).getTime()).toBe(d.getTime());
      }),
    );
  });
});

const samplingParams = fc.record(
  {
    max_tokens: fc.nat(),
    seed: fc.nat(),
    stop: fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 3 })),
    temperature: finite,
    top_k: fc.integer({ min: -1, max: 100 }),
    top_p: finite,
  },
  { requiredKeys: [] },
);

const chunk = fc.oneof(
  fc.record({ type: fc.constant("encoded_text" as const), tokens: fc.array(int, { maxLength: 20 }) }),
  fc.record(
    {
      type: fc.constant("image" as const),
      data: fc.uint8Array({ maxLength: 12 }).map(bytesToBase64),
      format: fc.constantFrom("png" as const, "jpeg" as const),
      expected_tokens: fc.nat(),
    },
    { requiredKeys: ["type", "data", "format"] },
  ),
  fc.record({
    type: fc.constant("image_asset_pointer" as const),
    format: fc.constant("png" as const),
    location: text,
  }),
);

const sampleRequest = fc.record(
  {
    num_samples: fc.integer({ min: 1, max: 8 }),
    prompt: fc.record({ chunks: fc.array(chunk, { maxLength: 4 }) }),
    sampling_params: samplingParams,
    sampling_session_id: text,
    seq_id: fc.nat(),
    prompt_logprobs: fc.boolean(),
    topk_prompt_logprobs: fc.nat({ max: 20 }),
    target_prompt_logprobs: fc
      .array(fc.integer({ min: -1, max: 1000 }), { minLength: 1, maxLength: 6 })
      .map((data) => ({ data, dtype: "int64" as const, shape: [data.length, 1] })),
  },
  { requiredKeys: ["prompt", "sampling_params"] },
);

describe("request round trip: encode → JSON.parse → schema → encode", () => {
  test("SampleRequest, also from the in-memory prompt", () => {
    fc.assert(
      fc.property(sampleRequest, (value) => {
        const body = encodeRequestBody("SampleRequest", value);
        const parsed = SampleRequestSchema.parse(JSON.parse(body));
        expect(encodeWireJson(SampleRequestSchema, parsed)).toBe(body);
        // Every float survives the Python repr exactly.
        for (const key of ["temperature", "top_p"] as const) {
          const given = value.sampling_params[key];
          if (given !== undefined) expect(Object.is(parsed.sampling_params[key], given)).toBe(true);
        }
        const inMemory = { ...value, prompt: modelInputFromWire(ModelInputSchema.parse(value.prompt)) };
        expect(encodeRequestBody("SampleRequest", inMemory)).toBe(body);
      }),
      { numRuns: 300 },
    );
  });

  test("SaveWeightsRequest with unicode names and metadata", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            model_id: text,
            path: text,
            seq_id: fc.nat(),
            ttl_seconds: fc.nat(),
            overwrite: fc.boolean(),
            user_metadata: fc.dictionary(metadataKey, text, { maxKeys: 3 }),
          },
          { requiredKeys: ["model_id"] },
        ),
        (value) => {
          const body = encodeRequestBody("SaveWeightsRequest", value);
          const parsed = SaveWeightsRequestSchema.parse(JSON.parse(body));
          expect(parsed).toEqual({ overwrite: false, type: "save_weights", ...value });
          expect(encodeWireJson(SaveWeightsRequestSchema, parsed)).toBe(body);
        },
      ),
    );
  });

  test("TensorData in-memory ↔ wire", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { maxLength: 30 }),
        (values) => {
          const tensor = tensorData(Float32Array.from(values));
          // Through our encoder (which keeps -0.0, unlike JSON.stringify) and the wire schema.
          const body = encodeWireJson(TensorDataSchema, tensorDataToWire(tensor));
          expect(body).toBe(encodeWireJson(TensorDataSchema, tensor));
          expect(tensorDataFromWire(TensorDataSchema.parse(JSON.parse(body)))).toEqual(tensor);
        },
      ),
    );
  });
});

describe("response round trip: encode → parse gives the value back (defaults filled)", () => {
  const checkpoint = fc.record(
    {
      checkpoint_id: text,
      checkpoint_type: fc.constantFrom("training" as const, "sampler" as const, "external" as const),
      time: iso,
      tinker_path: text,
      size_bytes: fc.nat(),
      public: fc.boolean(),
      expires_at: iso,
    },
    { requiredKeys: ["checkpoint_id", "checkpoint_type", "time", "tinker_path", "public"] },
  );
  const run = fc.record(
    {
      training_run_id: text,
      base_model: text,
      model_owner: text,
      is_lora: fc.boolean(),
      corrupted: fc.boolean(),
      lora_rank: fc.nat(),
      last_request_time: iso,
      last_checkpoint: checkpoint,
      user_metadata: fc.dictionary(metadataKey, text, { maxKeys: 2 }),
    },
    {
      requiredKeys: [
        "training_run_id",
        "base_model",
        "model_owner",
        "is_lora",
        "corrupted",
        "last_request_time",
      ],
    },
  );

  test("TrainingRun", () => {
    fc.assert(
      fc.property(run, (value) => {
        expect(TrainingRunSchema.parse(JSON.parse(encodeWireJson(TrainingRunSchema, value)))).toEqual(value);
      }),
    );
  });
});
