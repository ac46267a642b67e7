import { FakeClock, settle } from "@tinker-ts/test-server";
import { describe, expect, it } from "vitest";
import { AuthenticationError } from "./errors.js";
import { makeJwt } from "./jwt.test-helpers.js";
import { JwtAuth } from "./jwt-auth.js";
import type { Logger } from "./logger.js";

const START_SEC = 1_700_000_000;
const LIFETIME_SEC = 3600;

function setup(options: { fail?: () => unknown } = {}) {
  const clock = new FakeClock({ mode: "manual", startMs: START_SEC * 1000 });
  const warnings: string[] = [];
  const logger: Logger = { debug: () => {}, info: () => {}, warn: (m) => warnings.push(m), error: () => {} };
  let exchanges = 0;
  let failWith: (() => unknown) | undefined = options.fail;
  const auth = new JwtAuth({
    clock,
    logger,
    random: () => 0.5,
    exchange: async () => {
      exchanges++;
      if (failWith) throw failWith();
      const iat = Math.floor(clock.now() / 1000);
      return makeJwt({ iat, exp: iat + LIFETIME_SEC, n: exchanges });
    },
  });
  return {
    clock,
    auth,
    warnings,
    exchanges: () => exchanges,
    failWith: (f: (() => unknown) | undefined) => {
      failWith = f;
    },
  };
}

describe("JwtAuth refresh timing (§2.2, 0.38)", () => {
  it("exchanges once for concurrent callers and caches the token", async () => {
    const { auth, exchanges } = setup();
    const [a, b] = await Promise.all([auth.getToken(), auth.getToken()]);
    expect(a).toBe(b);
    expect(await auth.getToken()).toBe(a);
    expect(exchanges()).toBe(1);
    auth.close();
  });

  it("refreshes in the background after half the lifetime, then again after the next half", async () => {
    const { auth, clock, exchanges } = setup();
    const first = await auth.getToken();
    await clock.advance(1_799_000);
    expect(exchanges()).toBe(1);
    await clock.advance(1_000);
    expect(exchanges()).toBe(2);
    const second = await auth.getToken();
    expect(second).not.toBe(first);
    await clock.advance(1_800_000);
    expect(exchanges()).toBe(3);
    auth.close();
    await clock.advance(10 * 3_600_000);
    expect(exchanges()).toBe(3);
  });

  it("retries a failed background refresh every 60 s and keeps serving the cached token", async () => {
    const h = setup();
    const token = await h.auth.getToken();
    h.failWith(() => new Error("network down"));
    await h.clock.advance(1_800_000);
    expect(h.exchanges()).toBe(2);
    expect(h.warnings.at(-1)).toContain("JWT refresh failed, retrying in 60s");
    await h.clock.advance(60_000);
    expect(h.exchanges()).toBe(3);
    expect(await h.auth.getToken()).toBe(token);
    h.failWith(undefined);
    await h.clock.advance(60_000);
    expect(h.exchanges()).toBe(4);
    expect(await h.auth.getToken()).not.toBe(token);
    h.auth.close();
  });

  it("refreshes on demand at ≤ 60 s left and returns the stale token when that fails", async () => {
    const h = setup();
    const token = await h.auth.getToken();
    h.auth.close(); // no background loop: only the on-demand path runs
    await h.clock.advance((LIFETIME_SEC - 61) * 1000);
    expect(await h.auth.getToken()).toBe(token);
    expect(h.exchanges()).toBe(1);
    await h.clock.advance(1_000);
    h.failWith(() => new Error("503"));
    expect(await h.auth.getToken()).toBe(token);
    expect(h.exchanges()).toBe(2);
    expect(h.warnings.at(-1)).toBe("On-demand JWT refresh failed: Error: 503");
    // Once the token has expired there is nothing to fall back to.
    await h.clock.advance(60_000);
    await expect(h.auth.getToken()).rejects.toThrow("503");
  });

  it("raises an AuthenticationError from the exchange at once", async () => {
    const rejected = new AuthenticationError("Error code: 401", {
      request: { method: "POST", url: "u" },
      status: 401,
      headers: {},
    });
    const h = setup({ fail: () => rejected });
    await expect(h.auth.getToken()).rejects.toBe(rejected);
  });

  it("stops background refresh when the credential is rejected close to expiry", async () => {
    const h = setup();
    await h.auth.getToken();
    const rejected = new AuthenticationError("Error code: 401", {
      request: { method: "POST", url: "u" },
      status: 401,
      headers: {},
    });
    h.failWith(() => new Error("flaky"));
    // Fail until the token has under 2 minutes left, then get rejected.
    await h.clock.advance(1_800_000 + 28 * 60_000);
    const before = h.exchanges();
    h.failWith(() => rejected);
    await h.clock.advance(60_000);
    expect(h.exchanges()).toBe(before + 1);
    expect(h.warnings.at(-1)).toContain("stopping background refresh");
    await h.clock.advance(10 * 60_000);
    expect(h.exchanges()).toBe(before + 1);
    // The on-demand path takes over, and its success starts a new loop.
    h.failWith(undefined);
    await h.clock.advance(60_000);
    await h.auth.getToken();
    expect(h.clock.pending).toBe(1);
    h.auth.close();
  });

  it("replaces a rejected token once for concurrent rejections", async () => {
    const h = setup();
    const token = await h.auth.getToken();
    const [a, b] = await Promise.all([h.auth.replaceToken(token), h.auth.replaceToken(token)]);
    expect(a).toBe(b);
    expect(a).not.toBe(token);
    expect(h.exchanges()).toBe(2);
    expect(await h.auth.replaceToken(token)).toBe(a);
    expect(h.exchanges()).toBe(2);
    h.auth.close();
  });

  it("uses a seed token without exchanging and lets a caller's abort stop only its own wait", async () => {
    const clock = new FakeClock({ mode: "manual", startMs: START_SEC * 1000 });
    const seed = makeJwt({ iat: START_SEC, exp: START_SEC + 600 });
    let release: (v: string) => void = () => {};
    const auth = new JwtAuth({
      clock,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      seed,
      exchange: () =>
        new Promise<string>((resolve) => {
          release = resolve;
        }),
    });
    expect(auth.currentToken).toBe(seed);
    expect(await auth.getToken()).toBe(seed);
    await clock.advance(560_000);
    const controller = new AbortController();
    const aborted = auth.getToken(controller.signal);
    const waiting = auth.getToken();
    controller.abort(new Error("caller gave up"));
    await expect(aborted).rejects.toThrow("caller gave up");
    const fresh = makeJwt({ iat: START_SEC + 560, exp: START_SEC + 2000 });
    release(fresh);
    expect(await waiting).toBe(fresh);
    await settle();
    auth.close();
  });
});
