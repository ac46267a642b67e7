import { describe, expect, test } from "vitest";
import { TinkerError } from "../errors.js";
import { classifyFutureResponse } from "./futures.js";

describe("classifyFutureResponse (§6.3)", () => {
  test("the SDK's order: try_again wins over error, metadata over error", () => {
    expect(classifyFutureResponse({ type: "try_again", error: "x", queue_state: "active" }).kind).toBe(
      "try_again",
    );
    expect(classifyFutureResponse({ status: "complete_metadata", error: "x" }).kind).toBe(
      "complete_metadata",
    );
    expect(classifyFutureResponse({ error: null }).kind).toBe("failed");
  });

  test("lenient fields", () => {
    expect(classifyFutureResponse({ type: "try_again" })).toEqual({
      kind: "try_again",
      queue_state: "unknown",
      queue_state_reason: undefined,
    });
    expect(classifyFutureResponse({ error: "boom" })).toEqual({
      kind: "failed",
      error: "boom",
      category: "unknown",
    });
    expect(classifyFutureResponse({ status: "complete_metadata", response_payload_size: null })).toEqual({
      kind: "complete_metadata",
      response_payload_size: 0,
    });
  });

  test.each([null, [], "text", 3])("a non-object body %j is an error", (body) => {
    expect(() => classifyFutureResponse(body)).toThrow(TinkerError);
  });
});
