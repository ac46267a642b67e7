import { FakeClock } from "@tinker-ts/test-server";
import { TinkerError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { ApiKeyAuth, CredentialCommandAuth, resolveAuthProvider, shellCommandRunner } from "./auth.js";
import { decodeJwtClaims, JWT_RETRY_DELAY_MS, jwtExpiryMs, jwtRefreshDelayMs, msUntilExpiry } from "./jwt.js";
import { makeJwt } from "./jwt.test-helpers.js";

const clock = new FakeClock({ startMs: 1_000_000_000_000 });
const nowSec = 1_000_000_000;

describe("JWT helpers", () => {
  it("decodes unpadded base64url claims", () => {
    const jwt = makeJwt({ sub: "user-1", exp: nowSec + 3600, iat: nowSec });
    expect(decodeJwtClaims(jwt)).toMatchObject({ sub: "user-1" });
    expect(jwtExpiryMs(jwt)).toBe((nowSec + 3600) * 1000);
    expect(msUntilExpiry(jwt, nowSec * 1000)).toBe(3_600_000);
  });

  it("treats unreadable tokens as expired", () => {
    expect(() => decodeJwtClaims("abc")).toThrow(/not a JWT/);
    expect(() => decodeJwtClaims("a.!!!.c")).toThrow(/Failed to parse/);
    expect(() => decodeJwtClaims(`a.${Buffer.from("[1]").toString("base64url")}.c`)).toThrow(/not an object/);
    expect(jwtExpiryMs(makeJwt({ sub: "x" }))).toBeUndefined();
    expect(jwtExpiryMs("garbage")).toBeUndefined();
    expect(msUntilExpiry("garbage", 0)).toBe(0);
    expect(jwtExpiryMs(makeJwt({ exp: "12" }))).toBe(12_000);
  });

  it("refreshes after half the lifetime ±10 % (0.38), else after 60 s", () => {
    const jwt = makeJwt({ iat: nowSec, exp: nowSec + 1000 });
    expect(jwtRefreshDelayMs(jwt, 0)).toBe(450_000);
    expect(jwtRefreshDelayMs(jwt, 0.5)).toBe(500_000);
    expect(jwtRefreshDelayMs(jwt, 1)).toBe(550_000);
    expect(jwtRefreshDelayMs(makeJwt({ exp: nowSec }), 0.5)).toBe(JWT_RETRY_DELAY_MS);
    expect(jwtRefreshDelayMs(makeJwt({ iat: nowSec, exp: nowSec }), 0.5)).toBe(JWT_RETRY_DELAY_MS);
    expect(jwtRefreshDelayMs("garbage", 0.5)).toBe(JWT_RETRY_DELAY_MS);
  });
});

describe("ApiKeyAuth", () => {
  it("returns the key and validates its prefix", async () => {
    expect(await new ApiKeyAuth("tml-abc", clock).getToken()).toBe("tml-abc");
    expect(() => new ApiKeyAuth("sk-abc", clock)).toThrow("The api_key must start with the 'tml-' prefix");
  });

  it("refuses an expired or unreadable JWT key", async () => {
    const live = makeJwt({ exp: nowSec + 10 });
    expect(await new ApiKeyAuth(live, clock).getToken()).toBe(live);
    await expect(new ApiKeyAuth(makeJwt({ exp: nowSec - 1 }), clock).getToken()).rejects.toThrow(
      /has expired/,
    );
    expect(() => new ApiKeyAuth("eyJnotajwt", clock)).toThrow(/exp claim cannot be read/);
  });
});

describe("CredentialCommandAuth", () => {
  it("runs the command through the shell on every call and strips the output", async () => {
    const auth = new CredentialCommandAuth("printf '  tml-from-cmd\\n'", clock);
    expect(await auth.getToken()).toBe("tml-from-cmd");
    let calls = 0;
    const counting = new CredentialCommandAuth("x", clock, async () => `tml-${++calls}`);
    await counting.getToken();
    expect(await counting.getToken()).toBe("tml-2");
  });

  it("reports an empty command, empty output, a failing command and an expired JWT", async () => {
    expect(() => new CredentialCommandAuth("", clock)).toThrow(/requires dynamic credentials/);
    await expect(new CredentialCommandAuth("printf ''", clock).getToken()).rejects.toThrow(
      /empty credential/,
    );
    await expect(new CredentialCommandAuth("exit 3", clock).getToken()).rejects.toThrow(
      /TINKER_CREDENTIAL_CMD failed/,
    );
    const expired = makeJwt({ exp: nowSec - 5 });
    await expect(new CredentialCommandAuth("x", clock, async () => expired).getToken()).rejects.toThrow(
      /expired JWT/,
    );
  });

  it("stops the command when the signal aborts", async () => {
    const controller = new AbortController();
    const pending = new CredentialCommandAuth("sleep 5", clock, shellCommandRunner).getToken(
      controller.signal,
    );
    controller.abort(new Error("aborted"));
    await expect(pending).rejects.toThrow("aborted");
  });
});

describe("resolveAuthProvider (0.38 resolve_auth_provider)", () => {
  const run = async () => "tml-cmd";
  it.each([
    ["a JWT key even when the command is enforced", makeJwt({ exp: nowSec + 100 }), "cmd", true, "key"],
    ["the command when enforced", "tml-k", "cmd", true, "cmd"],
    ["the key first", "tml-k", "cmd", false, "key"],
    ["the command when the key is malformed", "bad", "cmd", false, "cmd"],
    ["the command when there is no key", undefined, "cmd", false, "cmd"],
  ] as const)("uses %s", async (_label, key, cmd, enforce, expected) => {
    const token = await resolveAuthProvider(key, cmd, enforce, clock, run).getToken();
    expect(token).toBe(expected === "cmd" ? "tml-cmd" : key);
  });

  it("raises when nothing is configured or the only key is malformed", () => {
    expect(() => resolveAuthProvider(undefined, undefined, false, clock)).toThrow(TinkerError);
    expect(() => resolveAuthProvider(undefined, undefined, false, clock)).toThrow(/TINKER_API_KEY/);
    expect(() => resolveAuthProvider("bad", undefined, false, clock)).toThrow(/tml-/);
  });
});
