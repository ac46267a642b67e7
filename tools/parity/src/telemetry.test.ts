import { describe, expect, it } from "vitest";
import { ABSENT } from "./diff.js";
import { normalized } from "./fixtures.test-helpers.js";
import { diffTelemetry, eventShape, splitTelemetry, TELEMETRY_BODY, telemetryShape } from "./telemetry.js";

const start = {
  event: "SESSION_START",
  event_id: "<uuid>",
  event_session_index: 0,
  severity: "INFO",
  timestamp: "<time>",
};
const userError = {
  event: "GENERIC_EVENT",
  event_name: "user_error",
  event_id: "<uuid>",
  event_session_index: 1,
  severity: "WARNING",
  timestamp: "<time>",
  event_data: { status_code: 404, error_type: "NotFoundError", message: "m" },
};

describe("eventShape", () => {
  it("keeps kind, name, severity and field names, not values", () => {
    expect(eventShape(userError)).toBe(
      "GENERIC_EVENT user_error WARNING {event,event_data,event_id,event_name,event_session_index,severity,timestamp} data{error_type,message,status_code}",
    );
    expect(eventShape({ ...userError, event_data: { ...userError.event_data, message: "other" } })).toBe(
      eventShape(userError),
    );
    expect(eventShape(start)).toBe(
      "SESSION_START INFO {event,event_id,event_session_index,severity,timestamp}",
    );
  });
});

describe("telemetryShape", () => {
  it("merges batches however the events were split between flushes", () => {
    const header = { platform: "Linux", sdk_version: "0.38.0", session_id: "<uuid>", process_uuid: "<uuid>" };
    const oneFlush = telemetryShape([{ ...header, events: [start, userError] }]);
    const twoFlushes = telemetryShape([
      { ...header, events: [start] },
      { ...header, events: [userError, userError] },
    ]);
    expect(twoFlushes).toEqual(oneFlush);
    expect(oneFlush.batches).toEqual(["platform=Linux sdk_version=0.38.0 session=session process_uuid=yes"]);
  });

  it("tells session-less batches and malformed bodies apart", () => {
    const shape = telemetryShape([{ session_id: "sessionless-<uuid>", events: "nope" }, null]);
    expect(shape.batches).toEqual([
      "platform=undefined sdk_version=undefined session=missing process_uuid=no",
      "platform=undefined sdk_version=undefined session=sessionless process_uuid=no",
    ]);
    expect(shape.events).toEqual([]);
  });
});

describe("splitTelemetry", () => {
  it("takes telemetry bodies out and leaves a placeholder", () => {
    const telemetry = normalized({ path: "/api/v1/telemetry", body: { events: [] } });
    const other = normalized();
    const { requests, bodies } = splitTelemetry([telemetry, other]);
    expect(bodies).toEqual([{ events: [] }]);
    expect(requests[0]?.body).toBe(TELEMETRY_BODY);
    expect(requests[1]).toBe(other);
  });
});

describe("diffTelemetry", () => {
  it("lists batch headers and event shapes seen by one side only", () => {
    const diffs = diffTelemetry(
      { batches: ["a"], events: ["e1", "e2"] },
      { batches: ["a"], events: ["e2", "e3"] },
    );
    expect(diffs).toEqual([
      { field: "telemetry.event", python: "e1", ts: ABSENT },
      { field: "telemetry.event", python: ABSENT, ts: "e3" },
    ]);
  });
});
