import { describe, expect, it } from "vitest";
import { isLive, LIVE_AREAS, liveSkipReason, selectedLiveAreas } from "./live.js";

describe("TINKER_LIVE selects the live areas", () => {
  it("selects none by default", () => {
    for (const value of [undefined, "", " ", "0"]) expect(selectedLiveAreas(value)).toEqual(new Set());
  });

  it("selects every area with 1 or all, and a list of areas by name", () => {
    const all = new Set(Object.keys(LIVE_AREAS));
    expect(selectedLiveAreas("1")).toEqual(all);
    expect(selectedLiveAreas("all")).toEqual(all);
    expect(selectedLiveAreas("clients,cli")).toEqual(new Set(["clients", "cli"]));
    expect(selectedLiveAreas(" hub , rest,")).toEqual(new Set(["hub", "rest"]));
  });

  it("refuses an unknown area, naming the known ones", () => {
    expect(() => selectedLiveAreas("clients,gpu")).toThrow(
      'TINKER_LIVE names an unknown area "gpu"; use 1 or all, or some of: clients, cli, rest, hub',
    );
  });

  it("runs an area only when selected and, for Tinker areas, with an API key", () => {
    expect(liveSkipReason("clients", {})).toBe(
      'live tests of "clients" run with TINKER_LIVE=clients (or 1, or all)',
    );
    expect(liveSkipReason("clients", { TINKER_LIVE: "cli" })).toContain("TINKER_LIVE=clients");
    expect(liveSkipReason("clients", { TINKER_LIVE: "clients" })).toBe(
      'live tests of "clients" need TINKER_API_KEY',
    );
    expect(isLive("clients", { TINKER_LIVE: "clients", TINKER_API_KEY: "tml-x" })).toBe(true);
    expect(isLive("hub", { TINKER_LIVE: "hub" })).toBe(true);
    expect(isLive("hub", { TINKER_LIVE: "clients" })).toBe(false);
  });

  it("leaves every live area off in this run (they are reported as skipped)", () => {
    if (process.env["TINKER_LIVE"]) return;
    for (const area of Object.keys(LIVE_AREAS) as (keyof typeof LIVE_AREAS)[])
      expect(isLive(area)).toBe(false);
  });
});
