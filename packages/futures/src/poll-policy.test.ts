import { describe, expect, it } from "vitest";
import { classifyPollStatus, connectionBackoffMs, type PollErrorKind } from "./poll-policy.js";

describe("classifyPollStatus (tinker-wire-spec.md §6.4)", () => {
  const table: [number, PollErrorKind][] = [
    [408, "retry"],
    [500, "retry"],
    [502, "retry"],
    [503, "retry"],
    [599, "retry"],
    [429, "retry_with_backoff"],
    [400, "retry_if_budget"],
    [410, "retryable_exception"],
    [401, "fatal"],
    [402, "fatal"],
    [403, "fatal"],
    [404, "fatal"],
    [409, "fatal"],
    [422, "fatal"],
    [302, "fatal"],
    [600, "fatal"],
  ];
  it.each(table)("status %i → %s", (status, kind) => {
    expect(classifyPollStatus(status)).toBe(kind);
  });
});

describe("connectionBackoffMs", () => {
  it("doubles from 1 s and caps at 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(connectionBackoffMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });
});
