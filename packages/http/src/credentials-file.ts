import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where `tinker auth login` (Python SDK ≥ 0.38) stores API keys: `~/.tinker/credentials.json`. */
export function defaultCredentialsPath(): string {
  return join(homedir(), ".tinker", "credentials.json");
}

/**
 * Reads the default API key from a credentials file written by `tinker auth login`
 * (`{"version":1,"default":"<id>","keys":{"<id>":{"key":"tml-…",…}}}`). Returns `undefined` when
 * the file does not exist or names no default key.
 *
 * @throws Error when the file exists but is not valid JSON of that shape.
 */
export function readStoredApiKey(path: string): string | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${path} is not a JSON object`);
  const { default: defaultId, keys } = parsed as { default?: unknown; keys?: unknown };
  if (typeof defaultId !== "string" || typeof keys !== "object" || keys === null) return undefined;
  const record = (keys as Record<string, unknown>)[defaultId];
  if (typeof record !== "object" || record === null) return undefined;
  const key = (record as { key?: unknown }).key;
  return typeof key === "string" && key !== "" ? key : undefined;
}
