import { describe, expect, it } from "vitest";
import { Authenticator, organizationId } from "./auth.js";
import { ManualClock } from "./clock.js";
import { HttpError } from "./errors.js";

const KEY = "tml-auth-test-key";

function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

function statusOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof HttpError ? error.status : undefined;
  }
  return undefined;
}

describe("Authenticator", () => {
  it("mints JWTs with the claims Python SDK 0.38 reads: sub, org_id, email and a numeric exp", () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const auth = new Authenticator({ jwtEnabled: true, jwtTtlSeconds: 600 }, clock);
    const principal = auth.authenticate(KEY);
    const claims = claimsOf(auth.mintJwt(principal));
    const now = Date.UTC(2026, 0, 1) / 1000;
    expect(claims).toEqual({
      iss: "tinker-local",
      sub: principal.owner,
      org_id: organizationId(principal.owner),
      email: principal.email,
      iat: now,
      exp: now + 600,
    });
    // What 0.38's whoami builds from them.
    expect(`tml:organization:${String(claims["org_id"])}`).toMatch(/^tml:organization:org-[0-9a-f]{12}$/);
  });

  it("gives each owner one organization, the same on every server and in every token", () => {
    const clock = new ManualClock();
    const first = new Authenticator({ jwtEnabled: true }, clock);
    const second = new Authenticator({ jwtEnabled: true, jwtSecret: "another-secret" }, clock);
    const owner = first.authenticate(KEY);
    const other = first.authenticate("tml-someone-else");
    expect(claimsOf(first.mintJwt(owner))["org_id"]).toBe(claimsOf(second.mintJwt(owner))["org_id"]);
    expect(organizationId(owner.owner)).toBe(organizationId(owner.owner));
    expect(organizationId(owner.owner)).not.toBe(organizationId(other.owner));
  });

  it("accepts the JWTs it minted as the same principal until they expire", () => {
    const clock = new ManualClock();
    const auth = new Authenticator({ jwtEnabled: true, jwtTtlSeconds: 60 }, clock);
    const principal = auth.authenticate(KEY);
    const jwt = auth.mintJwt(principal);
    expect(auth.authenticate(jwt)).toEqual({ owner: principal.owner, email: principal.email, via: "jwt" });
    expect(statusOf(() => auth.authenticate(jwt, false))).toBe(401);
    clock.advance(60_000);
    expect(statusOf(() => auth.authenticate(jwt))).toBe(401);
  });

  it("rejects JWTs signed by another server or altered, and credentials that are not keys", () => {
    const clock = new ManualClock();
    const auth = new Authenticator({ jwtEnabled: true, apiKeys: [KEY] }, clock);
    const foreign = new Authenticator({ jwtEnabled: true, jwtSecret: "other" }, clock);
    const principal = auth.authenticate(KEY);
    const [header, , signature] = auth.mintJwt(principal).split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "admin", exp: 9e9 })).toString("base64url");
    expect(statusOf(() => auth.authenticate(foreign.mintJwt(principal)))).toBe(401);
    expect(statusOf(() => auth.authenticate(`${header}.${forged}.${signature}`))).toBe(401);
    expect(statusOf(() => auth.authenticate("eyJonly-one-part"))).toBe(401);
    expect(statusOf(() => auth.authenticate(undefined))).toBe(401);
    expect(statusOf(() => auth.authenticate("sk-not-tinker"))).toBe(401);
    expect(statusOf(() => auth.authenticate("tml-unknown-key"))).toBe(401);
  });
});
