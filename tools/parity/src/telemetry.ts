import { ABSENT, type FieldDiff } from "./diff.js";
import type { NormalizedRequest } from "./normalize.js";

/**
 * Telemetry batches (`POST /api/v1/telemetry`, tinker-wire-spec.md §11) are compared by shape:
 * how events are split into batches and when a flush happens depends on timing, so the batches
 * of one run are merged and reduced to the set of batch headers (platform, sdk_version, session
 * kind) and the set of event shapes (kind, name, severity, field names, event_data field names).
 * Values such as stack traces and function names are language-specific by nature.
 */

/** Placeholder that replaces a telemetry body in the request diff (its shape is diffed apart). */
export const TELEMETRY_BODY = "<telemetry batch: compared by shape>";

/** The merged shape of all telemetry a run sent. */
export interface TelemetryShape {
  /** Distinct batch headers, for example `platform=Linux sdk_version=0.38.0 session=session process_uuid=yes`. */
  batches: string[];
  /** Distinct event shapes, sorted. */
  events: string[];
}

function keys(value: unknown): string {
  return typeof value === "object" && value !== null ? Object.keys(value).sort().join(",") : "";
}

function sessionKind(id: unknown): string {
  if (typeof id !== "string") return "missing";
  return id.startsWith("sessionless-") ? "sessionless" : "session";
}

/** One event as a shape string. */
export function eventShape(event: Record<string, unknown>): string {
  const name = typeof event["event_name"] === "string" ? ` ${event["event_name"]}` : "";
  const data = "event_data" in event ? ` data{${keys(event["event_data"])}}` : "";
  return `${String(event["event"])}${name} ${String(event["severity"])} {${keys(event)}}${data}`;
}

/** Merges the telemetry bodies of one run into a {@link TelemetryShape}. */
export function telemetryShape(bodies: readonly unknown[]): TelemetryShape {
  const batches = new Set<string>();
  const events = new Set<string>();
  for (const body of bodies) {
    const batch = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    batches.add(
      `platform=${String(batch["platform"])} sdk_version=${String(batch["sdk_version"])} ` +
        `session=${sessionKind(batch["session_id"])} process_uuid=${batch["process_uuid"] ? "yes" : "no"}`,
    );
    const list = Array.isArray(batch["events"]) ? batch["events"] : [];
    for (const event of list) {
      if (typeof event === "object" && event !== null)
        events.add(eventShape(event as Record<string, unknown>));
    }
  }
  return { batches: [...batches].sort(), events: [...events].sort() };
}

/** Splits telemetry bodies off a request stream (their requests stay, with a placeholder body). */
export function splitTelemetry(requests: readonly NormalizedRequest[]): {
  requests: NormalizedRequest[];
  bodies: unknown[];
} {
  const bodies: unknown[] = [];
  const out = requests.map((request) => {
    if (request.path !== "/api/v1/telemetry" || request.bodyKind !== "json") return request;
    bodies.push(request.body);
    return { ...request, body: TELEMETRY_BODY };
  });
  return { requests: out, bodies };
}

/** Set differences of two telemetry shapes, as `telemetry.batch` / `telemetry.event` diffs. */
export function diffTelemetry(python: TelemetryShape, ts: TelemetryShape): FieldDiff[] {
  const setDiff = (fieldName: string, a: string[], b: string[]): FieldDiff[] => [
    ...a.filter((x) => !b.includes(x)).map((x) => ({ field: fieldName, python: x, ts: ABSENT })),
    ...b.filter((x) => !a.includes(x)).map((x) => ({ field: fieldName, python: ABSENT, ts: x })),
  ];
  return [
    ...setDiff("telemetry.batch", python.batches, ts.batches),
    ...setDiff("telemetry.event", python.events, ts.events),
  ];
}
