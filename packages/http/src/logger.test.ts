import { describe, expect, it } from "vitest";
import { type LogFields, type Logger, leveledLogger, parseLogLevel } from "./logger.js";
import { maskSecret, redactHeaders, redactText } from "./secret.js";

function recorder() {
  const lines: [string, string, LogFields | undefined][] = [];
  const sink: Logger = {
    debug: (m, f) => lines.push(["debug", m, f]),
    info: (m, f) => lines.push(["info", m, f]),
    warn: (m, f) => lines.push(["warn", m, f]),
    error: (m, f) => lines.push(["error", m, f]),
  };
  return { lines, sink };
}

describe("leveledLogger", () => {
  it("drops lines below the level", () => {
    const { lines, sink } = recorder();
    const log = leveledLogger(sink, "warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines.map(([l]) => l)).toEqual(["warn", "error"]);
    const off = recorder();
    leveledLogger(off.sink, "off").error("x");
    expect(off.lines).toEqual([]);
  });

  it("masks keys and JWTs in messages and string fields", () => {
    const { lines, sink } = recorder();
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
    leveledLogger(sink, "debug").info(`using tml-abc_DEF-123 and ${jwt}`, { key: "tml-zzz", n: 3 });
    expect(lines[0]).toEqual(["info", "using tml-**** and eyJ****", { key: "tml-****", n: 3 }]);
  });

  it("parses levels", () => {
    expect(["debug", "INFO", "warning", "error", "off", "nope"].map(parseLogLevel)).toEqual([
      "debug",
      "info",
      "warn",
      "error",
      "off",
      undefined,
    ]);
  });
});

describe("secret helpers", () => {
  it("masks by kind", () => {
    expect([maskSecret("tml-abc"), maskSecret("eyJabc"), maskSecret("other")]).toEqual([
      "tml-****",
      "eyJ****",
      "****",
    ]);
    expect(redactText("no secrets here")).toBe("no secrets here");
    expect(
      redactHeaders({ "X-API-Key": "tml-abc", "CF-Access-Client-Secret": "s3cr3t", Accept: "a" }),
    ).toEqual({
      "X-API-Key": "tml-****",
      "CF-Access-Client-Secret": "****",
      Accept: "a",
    });
  });
});
