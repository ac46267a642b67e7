import { describe, expect, test } from "vitest";
import type * as z from "zod/mini";
import * as types from "./index.js";
import { loadFixtures } from "./wire-fixtures.test-helpers.js";

/**
 * Issue acceptance: `@tinker-ts/types` exports a schema for every type named in
 * tinker-wire-spec.md §4.1–§4.5 (and the §6 future envelopes), and each schema parses the golden
 * fixtures of that type. The list is copied from the spec tables on purpose: a type added to the
 * spec must be added here, with a schema and a fixture.
 */
const SPEC_TYPES: Record<string, string[]> = {
  "§4.1": [
    "StopReason",
    "LossFnType",
    "TensorDtype",
    "RequestErrorCategory",
    "QueueState",
    "EventType",
    "Severity",
    "CheckpointType",
    "ImageFormat",
    "AccessScope",
    "ClientConnectionPoolType",
  ],
  "§4.2": [
    "EncodedTextChunk",
    "ImageAssetPointerChunk",
    "ImageChunk",
    "DmelChunk",
    "ModelInputChunk",
    "ModelInput",
  ],
  "§4.3": [
    "TensorData",
    "Datum",
    "ForwardBackwardInput",
    "ForwardBackwardRequest",
    "ForwardRequest",
    "ForwardBackwardOutput",
  ],
  "§4.4": [
    "ClientConfigRequest",
    "CreateSessionRequest",
    "SessionHeartbeatRequest",
    "CreateSamplingSessionRequest",
    "LoraConfig",
    "CreateModelRequest",
    "GetInfoRequest",
    "UnloadModelRequest",
    "AdamParams",
    "OptimStepRequest",
    "SaveWeightsRequest",
    "SaveWeightsForSamplerRequest",
    "LoadWeightsRequest",
    "SamplingParams",
    "SampleRequest",
    "FutureRetrieveRequest",
    "TelemetrySendRequest",
    "GetBillingUsageRequest",
  ],
  "§4.5": [
    "UntypedAPIFuture",
    "ClientConfigResponse",
    "ClientDynamicConfigResponse",
    "AuthTokenResponse",
    "CreateSessionResponse",
    "SessionHeartbeatResponse",
    "CreateSamplingSessionResponse",
    "GetServerCapabilitiesResponse",
    "HealthResponse",
    "TelemetryResponse",
    "CreateModelResponse",
    "GetInfoResponse",
    "UnloadModelResponse",
    "OptimStepResponse",
    "SaveWeightsResponse",
    "SaveWeightsForSamplerResponseInternal",
    "SaveWeightsForSamplerResponse",
    "LoadWeightsResponse",
    "TryAgainResponse",
    "RequestFailedResponse",
    "SampleResponse",
    "SampledSequence",
    "Cursor",
    "Checkpoint",
    "CheckpointsListResponse",
    "CheckpointArchiveUrlResponse",
    "TrainingRun",
    "TrainingRunsResponse",
    "WeightsInfoResponse",
    "GetSessionResponse",
    "ListSessionsResponse",
    "GetSamplerResponse",
    "AuditLogResponse",
    "WhoamiResponse",
    "BillingUsageResponse",
    "BillingUsageEvent",
    "event_info",
  ],
  // §11 event shapes inside TelemetrySendRequest, and the §6 envelopes.
  "§11": [
    "SessionStartEvent",
    "SessionEndEvent",
    "UnhandledExceptionEvent",
    "GenericEvent",
    "TelemetryEvent",
  ],
  "§6": ["CompleteMetadataResponse"],
};

/** Spec names whose exported schema is named differently. */
const SCHEMA_NAME: Record<string, string> = { event_info: "BillingEventInfo" };

/** Types whose fixtures live under other names (unions and the event_info variants). */
const FIXTURE_MODELS: Record<string, string[]> = {
  ModelInputChunk: ["EncodedTextChunk", "ImageAssetPointerChunk", "ImageChunk", "DmelChunk"],
  event_info: [
    "TrainingBillingEvent",
    "SamplingPrefillBillingEvent",
    "SamplingSampleBillingEvent",
    "CheckpointBillingEvent",
    "StorageBillingEvent",
  ],
  SessionStartEvent: ["TelemetrySendRequest"],
  SessionEndEvent: ["TelemetrySendRequest"],
  UnhandledExceptionEvent: ["TelemetrySendRequest"],
  GenericEvent: ["TelemetrySendRequest"],
  TelemetryEvent: ["TelemetrySendRequest"],
  CompleteMetadataResponse: ["RetrieveFutureEnvelope"],
};

const all = [
  ...loadFixtures("requests"),
  ...loadFixtures("responses"),
  ...loadFixtures("enums"),
  ...loadFixtures("futures"),
];
const exported = types as unknown as Record<string, unknown>;

/** The values a fixture holds for `name`: enum values, request bodies, response bodies, or events. */
function samplesFor(name: string): unknown[] {
  const models = FIXTURE_MODELS[name] ?? [name];
  const samples: unknown[] = [];
  for (const fixture of all.filter((f) => models.includes(f.model))) {
    if (fixture.values) samples.push(...fixture.values);
    else if (fixture.model === "TelemetrySendRequest" && name !== "TelemetrySendRequest") {
      const events = (JSON.parse(fixture.bytes!) as { events: Array<{ event: string }> }).events;
      const kind = {
        SessionStartEvent: "SESSION_START",
        SessionEndEvent: "SESSION_END",
        UnhandledExceptionEvent: "UNHANDLED_EXCEPTION",
        GenericEvent: "GENERIC_EVENT",
      }[name];
      samples.push(...events.filter((e) => kind === undefined || e.event === kind));
    } else if (fixture.model === "RetrieveFutureEnvelope") {
      if (fixture.outcome === "metadata_only") samples.push(JSON.parse(fixture.body!));
    } else samples.push(JSON.parse(fixture.bytes ?? fixture.body!));
  }
  return samples;
}

describe("every type named in tinker-wire-spec.md §4.1–§4.5 has a schema that parses its fixtures", () => {
  const rows = Object.entries(SPEC_TYPES).flatMap(([section, names]) =>
    names.map((name) => [section, name] as const),
  );

  test.each(rows)("%s %s", (_section, name) => {
    const schema = exported[`${SCHEMA_NAME[name] ?? name}Schema`] as z.ZodMiniType | undefined;
    expect(schema, `export ${SCHEMA_NAME[name] ?? name}Schema`).toBeDefined();
    const samples = samplesFor(name);
    expect(samples.length, `fixtures for ${name}`).toBeGreaterThan(0);
    for (const sample of samples) {
      const result = schema!.safeParse(sample);
      expect(result.success, `${name} parses ${JSON.stringify(sample).slice(0, 120)}`).toBe(true);
    }
  });
});
