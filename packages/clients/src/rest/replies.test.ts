import { TinkerError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { identityJwt, parseTraceExportReply, whoamiFromJwt } from "./replies.js";

function jwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256" })}.${part(claims)}.sig`;
}

describe("trace export replies", () => {
  it("reads pending, ready and failed replies and rejects anything else", () => {
    expect(parseTraceExportReply({ status: "pending" })).toEqual({ status: "pending" });
    expect(parseTraceExportReply({ status: "ready", url: "https://u" })).toEqual({
      status: "ready",
      url: "https://u",
    });
    expect(parseTraceExportReply({ status: "failed", error: "disk full" })).toEqual({
      status: "failed",
      error: "disk full",
    });
    expect(parseTraceExportReply({ status: "failed" })).toEqual({ status: "failed", error: undefined });
    expect(() => parseTraceExportReply({ status: "ready" })).toThrow(/Unexpected trace export reply/);
    expect(() => parseTraceExportReply(null)).toThrow(/Unexpected/);
  });
});

describe("whoami identity", () => {
  it("uses the exchanged JWT when JWT auth is on", async () => {
    await expect(identityJwt(true, "tml-key", async () => "exchanged")).resolves.toBe("exchanged");
  });

  it("uses a Tinker-issued JWT credential only when its issuer is passport-*", async () => {
    const passport = jwt({ iss: "passport-prod", sub: "u" });
    await expect(identityJwt(false, passport, async () => "x")).resolves.toBe(passport);
    await expect(
      identityJwt(false, jwt({ iss: "other", sub: "u" }), async () => "x"),
    ).resolves.toBeUndefined();
    await expect(identityJwt(false, "eyJnot-a-jwt", async () => "x")).resolves.toBeUndefined();
    await expect(identityJwt(false, "tml-key", async () => "x")).resolves.toBeUndefined();
    await expect(identityJwt(false, undefined, async () => "x")).resolves.toBeUndefined();
  });

  it("builds the response from the claims as Python 0.38 does", () => {
    expect(whoamiFromJwt(jwt({ sub: "user:1", org_id: "o9", email: "a@b.c" }))).toEqual({
      user_urn: "user:1",
      org_urn: "tml:organization:o9",
      email: "a@b.c",
    });
    // A principal not backed by a user has an empty email; a missing one reads the same.
    expect(whoamiFromJwt(jwt({ sub: "svc", org_id: 42, email: "" }))).toEqual({
      user_urn: "svc",
      org_urn: "tml:organization:42",
      email: null,
    });
    expect(whoamiFromJwt(jwt({ sub: "svc", org_id: "o1" })).email).toBeNull();
  });

  it("rejects claims without the sub or org_id that 0.38 requires", () => {
    expect(() => whoamiFromJwt(jwt({ sub: "svc", email: "a@b.c" }))).toThrow(TinkerError);
    expect(() => whoamiFromJwt(jwt({ sub: "svc", org_id: null }))).toThrow(/org_id/);
    expect(() => whoamiFromJwt(jwt({ org_id: "o1" }))).toThrow(/'sub'/);
  });
});
