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

  it("builds the response from the claims", () => {
    expect(whoamiFromJwt(jwt({ sub: "user:1", org_id: "o9", email: "a@b.c" }))).toEqual({
      user_urn: "user:1",
      org_urn: "tml:organization:o9",
      email: "a@b.c",
    });
    expect(whoamiFromJwt(jwt({ sub: "svc", email: "" }))).toEqual({
      user_urn: "svc",
      org_urn: "",
      email: null,
    });
  });
});
