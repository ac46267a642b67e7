import { describe, expect, it } from "vitest";
import { getProcessUuid, isTelemetryEnabled, pythonPlatformSystem } from "./environment.js";

describe("isTelemetryEnabled (TINKER_TELEMETRY, tinker-wire-spec.md §12b)", () => {
  it("is on when the variable is unset", () => {
    expect(isTelemetryEnabled({})).toBe(true);
  });

  it.each(["1", "true", "TRUE", "Yes", "on", "ON"])("is on for %s", (value) => {
    expect(isTelemetryEnabled({ TINKER_TELEMETRY: value })).toBe(true);
  });

  it.each(["0", "false", "no", "off", "", " 1", "enabled"])("is off for %j", (value) => {
    expect(isTelemetryEnabled({ TINKER_TELEMETRY: value })).toBe(false);
  });
});

describe("pythonPlatformSystem", () => {
  it.each([
    ["linux", "Linux"],
    ["darwin", "Darwin"],
    ["win32", "Windows"],
    ["freebsd", "FreeBSD"],
    ["haiku", "haiku"],
  ])("maps %s to %s", (platform, expected) => {
    expect(pythonPlatformSystem(platform)).toBe(expected);
  });

  it("describes this process by default", () => {
    expect(pythonPlatformSystem()).toBe(pythonPlatformSystem(process.platform));
  });
});

describe("getProcessUuid", () => {
  it("is one uuid4 for the whole process", () => {
    const id = getProcessUuid();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(getProcessUuid()).toBe(id);
  });
});
