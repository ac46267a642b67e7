import type { RecordedRequest } from "@tinker-ts/local-server";
import type { NormalizedRequest } from "./normalize.js";

/** A recorded request with sensible defaults, for tests. */
export function recorded(overrides: Partial<RecordedRequest> = {}): RecordedRequest {
  return {
    time: "2026-01-01T00:00:00.000Z",
    method: "POST",
    path: "/api/v1/create_session",
    query: {},
    headers: { "content-type": "application/json", "x-api-key": "tml-test" },
    body_encoding: "utf8",
    body: "{}",
    status: 200,
    ...overrides,
  };
}

/** A normalized request with sensible defaults, for tests. */
export function normalized(overrides: Partial<NormalizedRequest> = {}): NormalizedRequest {
  return {
    index: 0,
    method: "POST",
    path: "/api/v1/create_session",
    query: {},
    status: 200,
    headers: { "content-type": "application/json" },
    bodyKind: "json",
    body: {},
    ...overrides,
  };
}
