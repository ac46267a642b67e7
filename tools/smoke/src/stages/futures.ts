import { jsonResult, PollingFuture, PromiseExpiredError } from "@tinker-ts/futures";
import { TinkerHttp } from "@tinker-ts/http";
import { FakeClock, startTestServer } from "@tinker-ts/test-server";
import { check, type Stage } from "../stage.js";

/** `retrieve_future` polling (§6): try_again, transport retries, a result, and an expired promise. */
export const futuresStage: Stage = {
  name: "futures",
  description: "retrieve_future polling: try_again, 5xx, 429 backoff, success; 410 → PromiseExpiredError",
  async run() {
    const server = await startTestServer();
    const clock = new FakeClock();
    const http = new TinkerHttp({
      apiKey: "tml-smoke",
      baseUrl: server.url,
      env: {},
      credentialsFile: false,
      clock,
      logLevel: "off",
    });
    try {
      server.enqueue(
        "POST",
        "/api/v1/retrieve_future",
        { json: { type: "try_again", request_id: "req-1", queue_state: "active" } },
        { status: 503, json: { detail: "busy" } },
        { status: 429, json: { detail: "slow down" } },
        { json: { metrics: { "loss:sum": 1.5 } } },
      );
      const future = new PollingFuture({
        http,
        submission: { request_id: "req-1" },
        requestType: "OptimStep",
        result: jsonResult("OptimStepResponse", (value) => value as { metrics: Record<string, number> }),
      });
      const result = await future;
      check(result.metrics["loss:sum"] === 1.5, `unexpected result ${JSON.stringify(result)}`);
      const polls = server.requestsTo("/api/v1/retrieve_future");
      check(polls.length === 4, `${polls.length} polls, expected 4`);
      check(
        polls.every((p) => (p.json() as { request_id: string }).request_id === "req-1"),
        "a poll carried the wrong request_id",
      );
      check(clock.sleeps.length === 1, `expected one sleep (after the 429), got ${clock.sleeps.length}`);

      server.enqueue("POST", "/api/v1/retrieve_future", { status: 410, json: { detail: "expired" } });
      const expired = new PollingFuture({
        http,
        submission: "req-2",
        requestType: "Sample",
        result: jsonResult("SampleResponse", (value) => value),
      });
      const error = await Promise.resolve(expired).then(
        () => undefined,
        (e: unknown) => e,
      );
      check(PromiseExpiredError.isInstance(error), `410: expected PromiseExpiredError, got ${String(error)}`);
      return "try_again → 503 → 429 (one backoff) → result in 4 polls; 410 → PromiseExpiredError";
    } finally {
      await http.close();
      await server.close();
    }
  },
};
