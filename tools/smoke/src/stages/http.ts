import {
  APIConnectionError,
  APIStatusError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  TinkerHttp,
  UnprocessableEntityError,
} from "@tinker-ts/http";
import { FakeClock, type ScriptedResponse, startTestServer } from "@tinker-ts/test-server";
import { check, type Stage } from "../stage.js";

/** Statuses the base client retries (tinker-wire-spec.md §7.1): each answered once, then 200. */
const RETRIED: ReadonlyArray<[string, ScriptedResponse]> = [
  ["408", { status: 408, json: { detail: "timeout" } }],
  ["409", { status: 409, json: { detail: "conflict" } }],
  ["429", { status: 429, json: { detail: "slow down" } }],
  ["429 + Retry-After", { status: 429, headers: { "Retry-After": "3" }, json: { detail: "slow down" } }],
  ["500", { status: 500, json: { detail: "boom" } }],
  ["502", { status: 502, body: "bad gateway" }],
  ["503", { status: 503, json: { detail: "unavailable" } }],
  ["504", { status: 504, json: { detail: "gateway timeout" } }],
  ["connection reset", { action: "reset" }],
  [
    "400 + x-should-retry: true",
    { status: 400, headers: { "x-should-retry": "true" }, json: { detail: "again" } },
  ],
];

/** Statuses it must not retry, and the error class each becomes. */
const NOT_RETRIED: ReadonlyArray<[number, (error: unknown) => boolean]> = [
  [400, (e) => BadRequestError.isInstance(e)],
  [401, (e) => AuthenticationError.isInstance(e)],
  [403, (e) => PermissionDeniedError.isInstance(e)],
  [404, (e) => NotFoundError.isInstance(e)],
  [422, (e) => UnprocessableEntityError.isInstance(e)],
];

/** The base client's retry matrix against a real loopback server, sleeping on a fake clock. */
export const httpStage: Stage = {
  name: "http",
  description:
    "retry matrix (408/409/429/5xx/reset retried; 400/401/403/404/422 not) against a loopback server",
  async run() {
    const server = await startTestServer();
    const clock = new FakeClock();
    const http = new TinkerHttp({
      apiKey: "tml-smoke",
      baseUrl: server.url,
      env: {},
      credentialsFile: false,
      clock,
      maxRetries: 2,
      logLevel: "off",
    });
    try {
      for (const [label, first] of RETRIED) {
        server.reset();
        server.enqueue("GET", "/api/v1/probe", first, { json: { ok: true } });
        const sleepsBefore = clock.sleeps.length;
        const response = await http.request({ method: "GET", path: "/api/v1/probe" });
        check(response.status === 200, `${label}: final status ${response.status}, expected 200`);
        check(response.retriesTaken === 1, `${label}: ${response.retriesTaken} retries, expected 1`);
        check(server.requestsTo("/api/v1/probe").length === 2, `${label}: expected exactly two attempts`);
        check(clock.sleeps.length === sleepsBefore + 1, `${label}: expected one backoff sleep`);
        if (label.includes("Retry-After"))
          check(clock.sleeps.at(-1) === 3000, `${label}: slept ${clock.sleeps.at(-1)} ms, not 3000`);
      }
      for (const [status, isExpected] of NOT_RETRIED) {
        server.reset();
        server.enqueue("GET", "/api/v1/probe", { status, json: { detail: `status ${status}` } });
        const error = await http.request({ method: "GET", path: "/api/v1/probe" }).then(
          () => undefined,
          (e: unknown) => e,
        );
        check(
          isExpected(error) && APIStatusError.isInstance(error),
          `${status}: wrong error ${String(error)}`,
        );
        check(server.requestsTo("/api/v1/probe").length === 1, `${status}: retried, expected one attempt`);
      }
      server.reset();
      server.enqueue("GET", "/api/v1/probe", { action: "reset" }, { action: "reset" }, { action: "reset" });
      const exhausted = await http.request({ method: "GET", path: "/api/v1/probe" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      check(
        APIConnectionError.isInstance(exhausted),
        `three resets: expected APIConnectionError, got ${String(exhausted)}`,
      );
      check(
        server.requestsTo("/api/v1/probe").length === 3,
        "three resets: expected 1 + maxRetries (2) attempts",
      );
      return `${RETRIED.length} retried cases, ${NOT_RETRIED.length} non-retried statuses, retry budget exhausted → APIConnectionError`;
    } finally {
      await http.close();
      await server.close();
    }
  },
};
