import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "./clock.js";
import { HttpError } from "./errors.js";

/**
 * Credentials (tinker-wire-spec.md §2.2, §18.1): the SDK sends its API key, or a JWT obtained
 * from `POST /api/v1/auth/token`, in `X-API-Key`. Keys start with `tml-`. When the server is
 * given no key list it accepts any `tml-` key (handy offline); with a list, only those. JWTs are
 * HS256, signed with a per-server secret, and carry the claims Python SDK 0.38 reads: `sub`,
 * `org_id` and `email` (its `whoami`) and a numeric `exp` (its refresh schedule).
 */

/** Who made a request. `owner` scopes training runs, checkpoints and sessions. */
export interface Principal {
  owner: string;
  email: string;
  via: "api_key" | "jwt";
}

/** Authentication settings. */
export interface AuthOptions {
  /** Accepted API keys; undefined accepts any key starting with `tml-`. */
  apiKeys?: readonly string[];
  /** JWT mode: `/client/config` reports `pjwt_auth_enabled` and `/auth/token` mints tokens. */
  jwtEnabled?: boolean;
  /** Lifetime of minted JWTs, seconds (default 3600). */
  jwtTtlSeconds?: number;
  /** HMAC secret for JWTs; random per server when omitted (tokens die with the server). */
  jwtSecret?: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/**
 * The organization of an owner, as minted into JWTs (`org_id`). tinker-local has no organizations
 * of its own, so each owner is alone in one, named by a hash of the owner id: `org-<12 hex>`,
 * the same for every token of that owner and every server.
 */
export function organizationId(owner: string): string {
  return `org-${createHash("sha256").update(`org:${owner}`).digest("hex").slice(0, 12)}`;
}

/** Checks credentials and mints JWTs. */
export class Authenticator {
  readonly jwtEnabled: boolean;
  #keys: ReadonlySet<string> | undefined;
  #secret: Buffer;
  #ttlSeconds: number;
  #clock: Clock;
  /** Principal per accepted key (owner ids are a hash of the key; hashing every request is waste). */
  #keyPrincipals = new Map<string, Principal>();

  constructor(options: AuthOptions, clock: Clock) {
    this.#keys = options.apiKeys ? new Set(options.apiKeys) : undefined;
    this.jwtEnabled = options.jwtEnabled ?? false;
    this.#secret = options.jwtSecret ? Buffer.from(options.jwtSecret) : randomBytes(32);
    this.#ttlSeconds = options.jwtTtlSeconds ?? 3600;
    this.#clock = clock;
  }

  /**
   * Resolves the `X-API-Key` header to a principal.
   * @param allowJwt whether a JWT is acceptable here (not for `/auth/token`, which needs a key).
   * @throws HttpError 401 when the credential is missing, malformed, unknown or expired.
   */
  authenticate(credential: string | undefined, allowJwt = true): Principal {
    if (!credential) {
      throw new HttpError(401, "Missing credential: send your API key (tml-…) in the X-API-Key header.");
    }
    if (credential.startsWith("eyJ")) {
      if (!allowJwt) throw new HttpError(401, "This endpoint needs an API key, not a JWT.");
      return this.#verifyJwt(credential);
    }
    if (!credential.startsWith("tml-")) {
      throw new HttpError(401, "Invalid API key: keys start with 'tml-'.");
    }
    if (this.#keys && !this.#keys.has(credential)) {
      throw new HttpError(401, "Invalid API key: this key is not known to the server.");
    }
    let principal = this.#keyPrincipals.get(credential);
    if (!principal) {
      const owner = `user-${createHash("sha256").update(credential).digest("hex").slice(0, 12)}`;
      principal = { owner, email: `${owner}@tinker.local`, via: "api_key" };
      this.#keyPrincipals.set(credential, principal);
    }
    return principal;
  }

  /**
   * Mints a JWT for `principal` with `iss`, `sub`, `org_id`, `email`, `iat` and numeric `exp`
   * (seconds). Python SDK 0.38's `whoami` requires `org_id` (a KeyError without it) and reports
   * it as `tml:organization:<org_id>`; see {@link organizationId}.
   */
  mintJwt(principal: Principal): string {
    const nowSeconds = Math.floor(this.#clock.now() / 1000);
    const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const payload = b64url(
      JSON.stringify({
        iss: "tinker-local",
        sub: principal.owner,
        org_id: organizationId(principal.owner),
        email: principal.email,
        iat: nowSeconds,
        exp: nowSeconds + this.#ttlSeconds,
      }),
    );
    return `${header}.${payload}.${this.#sign(`${header}.${payload}`)}`;
  }

  #sign(input: string): string {
    return createHmac("sha256", this.#secret).update(input).digest("base64url");
  }

  #verifyJwt(token: string): Principal {
    const [header, payload, signature] = token.split(".");
    if (!header || !payload || !signature || token.split(".").length !== 3) {
      throw new HttpError(401, "Malformed JWT.");
    }
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new HttpError(
        401,
        "JWT signature is not valid for this server; fetch a new one from /auth/token.",
      );
    }
    let claims: { sub?: unknown; email?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw new HttpError(401, "Malformed JWT payload.");
    }
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= this.#clock.now()) {
      throw new HttpError(401, "JWT has expired; fetch a new one from /auth/token.");
    }
    const owner = typeof claims.sub === "string" ? claims.sub : "unknown";
    return { owner, email: typeof claims.email === "string" ? claims.email : "", via: "jwt" };
  }
}
