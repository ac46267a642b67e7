import { TinkerError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { ClientClosedError, TraceExportFailedError, WhoamiUnavailableError } from "./errors.js";

describe("client errors", () => {
  it("are TinkerErrors with messages that say what happened", () => {
    const trace = new TraceExportFailedError("sess-1", "disk full");
    expect(trace.message).toBe("Trace export failed for session sess-1: disk full");
    expect(trace.sessionId).toBe("sess-1");
    expect(new TraceExportFailedError("s", undefined).message).toContain("no detail given");
    expect(TinkerError.isInstance(new ClientClosedError())).toBe(true);
    expect(new WhoamiUnavailableError().message).toMatch(/requires JWT auth/);
  });
});
