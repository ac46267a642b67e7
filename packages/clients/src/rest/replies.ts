import { decodeJwtClaims } from "@tinker-ts/http";
import { TinkerError, type WhoamiResponse } from "@tinker-ts/types";

/** The private poll reply of trace export (§3.2): `{status: pending|ready|failed, url?, error?}`. */
export type TraceExportReply =
  | { readonly status: "pending" }
  | { readonly status: "ready"; readonly url: string }
  | { readonly status: "failed"; readonly error: string | undefined };

/**
 * Reads a trace export poll reply.
 * @throws Error for any other shape (a `ready` without a URL included).
 */
export function parseTraceExportReply(value: unknown): TraceExportReply {
  const reply = (value ?? {}) as { status?: unknown; url?: unknown; error?: unknown };
  if (reply.status === "pending") return { status: "pending" };
  if (reply.status === "ready" && typeof reply.url === "string") return { status: "ready", url: reply.url };
  if (reply.status === "failed") {
    return { status: "failed", error: typeof reply.error === "string" ? reply.error : undefined };
  }
  throw new Error(`Unexpected trace export reply ${JSON.stringify(value)}.`);
}

/**
 * The JWT carrying the caller's identity (Python 0.38 `get_identity_jwt`): with JWT auth on, the
 * exchanged JWT (`exchanged()`); otherwise the credential itself when it is a Tinker-issued JWT
 * (`iss` starting with `passport-`); else none.
 */
export async function identityJwt(
  jwtAuthEnabled: boolean,
  apiKey: string | undefined,
  exchanged: () => Promise<string | undefined>,
): Promise<string | undefined> {
  if (jwtAuthEnabled) return exchanged();
  if (!apiKey?.startsWith("eyJ")) return undefined;
  try {
    return String(decodeJwtClaims(apiKey)["iss"] ?? "").startsWith("passport-") ? apiKey : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `whoami` from JWT claims, mapped as Python SDK 0.38's `_whoami_response_from_jwt` does:
 * `user_urn` = `sub`, `org_urn` = `tml:organization:<org_id>`, `email` = `email`, or null when
 * missing or empty (principals not backed by a user have an empty email).
 *
 * @throws TinkerError when the claims cannot be decoded, or lack the string `sub` or the `org_id`
 *   that 0.38 requires (it fails with a KeyError there).
 */
export function whoamiFromJwt(jwt: string): WhoamiResponse {
  const claims = decodeJwtClaims(jwt);
  const sub = claims["sub"];
  const orgId = claims["org_id"];
  const email = claims["email"];
  if (typeof sub !== "string") {
    throw new TinkerError("The JWT has no 'sub' claim, so whoami cannot name the user.");
  }
  if (typeof orgId !== "string" && typeof orgId !== "number") {
    throw new TinkerError("The JWT has no 'org_id' claim, so whoami cannot name the organization.");
  }
  return {
    user_urn: sub,
    org_urn: `tml:organization:${orgId}`,
    email: typeof email === "string" && email !== "" ? email : null,
  };
}
