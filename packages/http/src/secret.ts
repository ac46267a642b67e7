import { inspect } from "node:util";

/**
 * Masks a credential for display: its well-known prefix (`tml-`, `eyJ`) followed by `****`, so a
 * reader can tell which kind of key is configured without seeing any of it.
 */
export function maskSecret(value: string): string {
  const prefix = value.startsWith("tml-") ? "tml-" : value.startsWith("eyJ") ? "eyJ" : "";
  return `${prefix}****`;
}

/**
 * A secret string (API key, JWT, Cloudflare secret) that never shows itself: `String()`,
 * `JSON.stringify` and `util.inspect` all print the masked form. Read it with {@link Secret.reveal}
 * only where it goes on the wire.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself. Only the auth header builder should call this. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return maskSecret(this.#value);
  }

  toJSON(): string {
    return maskSecret(this.#value);
  }

  [inspect.custom](): string {
    return `Secret(${maskSecret(this.#value)})`;
  }
}

// A Tinker API key or a JWT (three base64url segments); both are credentials.
const secretPatterns = [/tml-[A-Za-z0-9_-]+/g, /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g];

/** Header names whose values are credentials and must never be logged. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "x-api-key",
  "cf-access-client-secret",
  "authorization",
]);

/**
 * Replaces anything that looks like a Tinker API key or a JWT in `text` with its masked form.
 * Used on log lines and error messages, which may quote server bodies or headers.
 */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of secretPatterns) out = out.replace(pattern, (match) => maskSecret(match));
  return out;
}

/** A copy of `headers` with credential-carrying headers masked (names compared case-insensitively). */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? maskSecret(value) : redactText(value);
  }
  return out;
}
