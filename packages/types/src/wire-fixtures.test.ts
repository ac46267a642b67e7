import { describe, expect, test } from "vitest";
import type * as z from "zod/mini";
import * as types from "./index.js";
import { type Fixture, loadFixtures, withoutNulls } from "./wire-fixtures.test-helpers.js";

/**
 * Golden wire tests (phase Q1): every fixture in fixtures/wire/json was produced by the official
 * Python SDK 0.38.0 (tools/fixtures/gen_wire_json.py). Requests must encode to the same bytes;
 * responses must parse to what the SDK's own models parse them to.
 */

const exported = types as unknown as Record<string, unknown>;

function schemaFor(model: string): z.ZodMiniType {
  const schema = exported[`${model}Schema`];
  if (schema === undefined) throw new Error(`no exported ${model}Schema`);
  return schema as z.ZodMiniType;
}

const requests = loadFixtures("requests");
const responses = loadFixtures("responses");
const futures = loadFixtures("futures");
const enums = loadFixtures("enums");

describe("request fixtures: our bytes equal the Python SDK's", () => {
  test("there is at least one fixture per request body the SDK sends", () => {
    const models = new Set(requests.map((f) => f.model));
    for (const name of Object.keys(types.requestBodySchemas)) expect(models).toContain(name);
  });

  test.each(requests.map((f) => [f.file, f] as const))("%s", (_file, fixture: Fixture) => {
    const schema = schemaFor(fixture.model);
    expect(types.encodeWireJson(schema, fixture.input)).toBe(fixture.bytes);
    // The Python bytes validate against our (server-side) schema, and re-encoding what the
    // schema parsed gives the same bytes: parse and encode agree on defaults and order.
    const parsed = schema.parse(JSON.parse(fixture.bytes!));
    expect(types.encodeWireJson(schema, parsed)).toBe(fixture.bytes);
  });

  test.each(
    requests.filter((f) => f.model in types.requestBodySchemas).map((f) => [f.file, f] as const),
  )("encodeRequestBody: %s", (_file, fixture) => {
    const name = fixture.model as types.RequestBodyName;
    expect(types.encodeRequestBody(name, fixture.input as never)).toBe(fixture.bytes);
  });
});

describe("request fixtures from in-memory values (typed arrays, bytes, Dates)", () => {
  test.each(
    requests.filter((f) => f.model === "SampleRequest").map((f) => [f.file, f] as const),
  )("%s", (_file, fixture) => {
    const input = fixture.input as Record<string, unknown>;
    const prompt = types.modelInputFromWire(types.ModelInputSchema.parse(input["prompt"]));
    const target = input["target_prompt_logprobs"];
    const inMemory = {
      ...input,
      prompt,
      ...(target === undefined
        ? {}
        : { target_prompt_logprobs: types.tensorDataFromWire(types.TensorDataSchema.parse(target)) }),
    };
    expect(
      types.encodeRequestBody("SampleRequest", inMemory as types.RequestBodyInput["SampleRequest"]),
    ).toBe(fixture.bytes);
  });

  test.each(
    requests.filter((f) => ["Datum", "TensorData"].includes(f.model)).map((f) => [f.file, f] as const),
  )("%s", (_file, fixture) => {
    const schema = schemaFor(fixture.model);
    const wire = schema.parse(fixture.input);
    const inMemory =
      fixture.model === "Datum"
        ? types.datumFromWire(wire as types.WireDatum)
        : types.tensorDataFromWire(wire as types.WireTensorData);
    const encoded = types.encodeWireJson(schema, inMemory);
    if (encoded === fixture.bytes) return;
    // The only allowed difference: a float32 tensor holds float32 values, so a Python float that
    // float32 cannot represent (-2.25e-07) comes out widened from float32, exactly as the SDK's
    // numpy-backed TensorData would send it. Same keys, same values after float32 rounding.
    const roundFloats = (v: unknown): unknown =>
      typeof v === "number" ? Math.fround(v) : Array.isArray(v) ? v.map(roundFloats) : v;
    const ours = JSON.parse(encoded) as { data: number[] };
    const theirs = JSON.parse(fixture.bytes!) as { data: number[] };
    expect(fixture.model).toBe("TensorData");
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(roundFloats(ours.data)).toEqual(roundFloats(theirs.data));
    expect(theirs.data.some((v) => Math.fround(v) !== v)).toBe(true);
  });

  test("telemetry timestamps given as Dates", () => {
    const fixture = requests.find((f) => f.file.endsWith("TelemetrySendRequest/all-events.json"))!;
    const input = fixture.input as { events: Array<{ timestamp: string }> };
    const events = input.events.map((event) =>
      // Dates carry milliseconds only; keep the one event with microseconds as a string.
      event.timestamp.endsWith(".000001Z") ? event : { ...event, timestamp: new Date(event.timestamp) },
    );
    const body = types.encodeRequestBody("TelemetrySendRequest", { ...input, events } as never);
    expect(body).toBe(fixture.bytes);
  });
});

describe("response fixtures: we parse what the Python SDK parses", () => {
  test.each(responses.map((f) => [f.file, f] as const))("%s", (_file, fixture) => {
    const body = JSON.parse(fixture.body!) as Record<string, unknown>;
    const parsed = schemaFor(fixture.model).parse(body) as Record<string, unknown>;
    if (fixture.model === "TryAgainResponse") {
      // The SDK reads queue_state_reason from the raw body (§6.3) rather than from its model; our
      // schema keeps it as a field.
      const { queue_state_reason, ...rest } = parsed;
      expect(queue_state_reason).toBe(body["queue_state_reason"]);
      expect(withoutNulls(rest)).toEqual(withoutNulls(fixture.parsed));
      return;
    }
    // Python's dump is exclude_none=True; our optional fields may hold null, so compare without.
    expect(withoutNulls(parsed)).toEqual(withoutNulls(fixture.parsed));
  });

  test("unknown response fields are dropped, as pydantic extra='ignore' does", () => {
    const fixture = responses.find((f) => f.file.endsWith("TrainingRun/minimal-unknown-field.json"))!;
    const parsed = types.TrainingRunSchema.parse(JSON.parse(fixture.body!));
    expect(parsed).not.toHaveProperty("some_future_field");
    expect(parsed.corrupted).toBe(false);
  });
});

describe("retrieve_future envelopes (§6.3)", () => {
  const kindOf: Record<string, string> = {
    try_again: "try_again",
    metadata_only: "complete_metadata",
    failed: "failed",
    success: "success",
  };

  test.each(futures.map((f) => [f.file, f] as const))("%s", (_file, fixture) => {
    const body = JSON.parse(fixture.body!) as Record<string, unknown>;
    const outcome = types.classifyFutureResponse(body);
    expect(outcome.kind).toBe(kindOf[fixture.outcome!]);
    if (outcome.kind === "try_again") {
      const known = ["active", "paused_capacity", "paused_rate_limit"].includes(
        body["queue_state"] as string,
      );
      expect(outcome.queue_state).toBe(known ? body["queue_state"] : "unknown");
      expect(outcome.queue_state_reason).toBe(body["queue_state_reason"]);
      if (known) expect(types.TryAgainResponseSchema.parse(body).queue_state).toBe(outcome.queue_state);
    } else if (outcome.kind === "complete_metadata") {
      expect(outcome.response_payload_size).toBe(body["response_payload_size"] ?? 0);
      expect(types.CompleteMetadataResponseSchema.safeParse(body).success).toBe(true);
    } else if (outcome.kind === "failed") {
      expect(outcome.error).toBe(body["error"]);
      const category = types.RequestErrorCategorySchema.safeParse(body["category"]);
      expect(outcome.category).toBe(category.success ? category.data : "unknown");
    } else {
      expect(outcome.result).toEqual(body);
    }
  });
});

describe("enumerations match the Python SDK's literal sets (§4.1)", () => {
  test.each(enums.map((f) => [f.model, f] as const))("%s", (name, fixture) => {
    const schema = exported[`${name}Schema`] as z.ZodMiniEnum;
    expect([...schema.options].sort()).toEqual([...fixture.values!].sort());
  });
});

describe("formatting vectors", () => {
  const vectorsOf = (model: string): [string, string][] => {
    const fixture = loadFixtures("formatting").find((f) => f.model === model);
    if (!fixture?.vectors) throw new Error(`no formatting vectors for ${model}`);
    return fixture.vectors;
  };

  test("Python float repr for 631 doubles", () => {
    const view = new DataView(new ArrayBuffer(8));
    for (const [hex, repr] of vectorsOf("float")) {
      view.setBigUint64(0, BigInt(`0x${hex}`));
      expect(types.formatPythonFloat(view.getFloat64(0))).toBe(repr);
    }
  });

  test("pydantic datetime normalization", () => {
    for (const [input, expected] of vectorsOf("datetime")) {
      expect(types.formatPythonDatetime(input)).toBe(expected);
    }
  });
});
