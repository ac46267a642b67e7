/**
 * JWT helpers: the SDK decodes claims of tokens the Tinker server minted, without verifying the
 * signature (tinker-wire-spec.md §2.2; 0.38 `lib/_jwt_auth.py`).
 */

/** Decodes the payload (middle segment, base64url, padding optional) of a JWT. */
export function decodeJwtClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1];
  if (payload === undefined) throw new Error("Failed to parse JWT claims: not a JWT");
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch (error) {
    throw new Error(`Failed to parse JWT claims: ${String(error)}`);
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new Error("Failed to parse JWT claims: payload is not an object");
  }
  return claims as Record<string, unknown>;
}

function numericClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The `exp` claim as Unix time in ms, or `undefined` when the token has no parsable `exp`. */
export function jwtExpiryMs(jwt: string): number | undefined {
  try {
    const exp = numericClaim(decodeJwtClaims(jwt), "exp");
    return exp === undefined ? undefined : exp * 1000;
  } catch {
    return undefined;
  }
}

/** Milliseconds until the JWT expires; 0 when `exp` cannot be read (treated as expired). */
export function msUntilExpiry(jwt: string, nowMs: number): number {
  const exp = jwtExpiryMs(jwt);
  return exp === undefined ? 0 : exp - nowMs;
}

/** Wait after a failed refresh, and when a token's lifetime cannot be read: 60 s. */
export const JWT_RETRY_DELAY_MS = 60_000;
/** `getToken()` refreshes on demand when at most this much lifetime is left: 60 s. */
export const JWT_ON_DEMAND_REFRESH_MS = 60_000;

/**
 * Delay after receiving `jwt` before the background refresh: half its lifetime (`exp − iat`)
 * with ±10 % jitter, i.e. `lifetime · (0.45 + 0.1 · random)`; {@link JWT_RETRY_DELAY_MS} when the
 * claims are missing or the lifetime is not positive. This is the 0.38 rule; 0.25 refreshed at
 * `exp − 300 s`. Both claims come from the server, so local clock skew cannot shorten it.
 *
 * @param random a number in [0, 1)
 */
export function jwtRefreshDelayMs(jwt: string, random: number): number {
  try {
    const claims = decodeJwtClaims(jwt);
    const exp = numericClaim(claims, "exp");
    const iat = numericClaim(claims, "iat");
    if (exp === undefined || iat === undefined || exp - iat <= 0) return JWT_RETRY_DELAY_MS;
    return (exp - iat) * 1000 * (0.45 + 0.1 * random);
  } catch {
    return JWT_RETRY_DELAY_MS;
  }
}
