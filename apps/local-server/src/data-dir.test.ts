import { describe, expect, it } from "vitest";
import { chooseDataDir, defaultDataDir, describeDataDir } from "./data-dir.js";

describe("tinker-local's data directory", () => {
  it("is $XDG_DATA_HOME/tinker-local when that is absolute, else ~/.tinker-local", () => {
    expect(defaultDataDir({ XDG_DATA_HOME: "/data" }, "/home/u")).toBe("/data/tinker-local");
    expect(defaultDataDir({}, "/home/u")).toBe("/home/u/.tinker-local");
    // The XDG rule: a relative or empty value is ignored.
    expect(defaultDataDir({ XDG_DATA_HOME: "rel" }, "/home/u")).toBe("/home/u/.tinker-local");
    expect(defaultDataDir({ XDG_DATA_HOME: "" }, "/home/u")).toBe("/home/u/.tinker-local");
  });

  it("follows --data-dir, then --ephemeral, then the default, and refuses both flags", () => {
    expect(chooseDataDir({ dataDir: "/d" }, {}, "/h")).toEqual({ kind: "given", dir: "/d" });
    expect(chooseDataDir({ ephemeral: true }, {}, "/h")).toEqual({ kind: "ephemeral" });
    expect(chooseDataDir({}, {}, "/h")).toEqual({ kind: "default", dir: "/h/.tinker-local" });
    expect(() => chooseDataDir({ dataDir: "/d", ephemeral: true })).toThrow(/contradict/);
  });

  it("describes whether the state is kept", () => {
    expect(describeDataDir({ kind: "given", dir: "/d" }, "/d")).toBe("data dir: /d (kept across restarts)");
    expect(describeDataDir({ kind: "default", dir: "/h" }, "/h")).toContain(
      "--ephemeral for a temporary one",
    );
    expect(describeDataDir({ kind: "ephemeral" }, "/tmp/x")).toBe(
      "data dir: /tmp/x (temporary: removed when the server stops)",
    );
  });
});
