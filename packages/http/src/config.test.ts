import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { InvalidInputError, WIRE_SDK_VERSION } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { DEFAULT_BASE_URL, resolveHttpConfig } from "./config.js";
import { readStoredApiKey } from "./credentials-file.js";

const KEY = "tml-abcdefghijklmnopqrstuvwxyz";
const noFile = { credentialsFile: false as const };

function tempCredentials(contents: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tinker-http-"));
  const path = join(dir, "credentials.json");
  writeFileSync(path, contents);
  return path;
}

function invalid(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    if (InvalidInputError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected an InvalidInputError");
}

describe("resolveHttpConfig (§12b)", () => {
  it("applies defaults", () => {
    const config = resolveHttpConfig({ ...noFile }, {});
    expect(config).toMatchObject({
      apiKey: undefined,
      baseUrl: DEFAULT_BASE_URL,
      projectId: undefined,
      tags: [],
      credentialCmd: undefined,
      logLevel: "warn",
      timeoutMs: 60_000,
      connectTimeoutMs: 5_000,
      maxRetries: 10,
      http2: false,
      sdkVersion: WIRE_SDK_VERSION,
    });
  });

  it("reads the environment, with empty values counting as unset", () => {
    const config = resolveHttpConfig(noFile, {
      TINKER_API_KEY: KEY,
      TINKER_BASE_URL: "http://localhost:8765/prefix/",
      TINKER_PROJECT_ID: "proj",
      TINKER_TAGS: "a,b,a",
      TINKER_LOG: "debug",
      TINKER_CREDENTIAL_CMD: "",
      CLOUDFLARE_ACCESS_CLIENT_ID: "cf-id",
      CLOUDFLARE_ACCESS_CLIENT_SECRET: "cf-secret-value",
    });
    expect(config.apiKey?.reveal()).toBe(KEY);
    expect(config.apiKeySource).toBe("env");
    expect(config.baseUrl).toBe("http://localhost:8765/prefix");
    expect(config.projectId).toBe("proj");
    expect(config.tags).toEqual(["a", "b"]);
    expect(config.logLevel).toBe("debug");
    expect(config.credentialCmd).toBeUndefined();
    expect(config.cloudflareClientId).toBe("cf-id");
    expect(config.cloudflareClientSecret?.reveal()).toBe("cf-secret-value");
    expect(resolveHttpConfig(noFile, { TINKER_BASE_URL: "", TINKER_TAGS: "" })).toMatchObject({
      baseUrl: DEFAULT_BASE_URL,
      tags: [""],
    });
  });

  it("prefers options over the environment", () => {
    const config = resolveHttpConfig(
      {
        apiKey: "eyJhbGciOiJIUzI1NiJ9.e30.x",
        baseUrl: "https://h",
        projectId: "p2",
        tags: ["t"],
        logLevel: "error",
        ...noFile,
      },
      { TINKER_API_KEY: KEY, TINKER_BASE_URL: "https://other", TINKER_PROJECT_ID: "p1", TINKER_LOG: "debug" },
    );
    expect(config.apiKey?.reveal()).toBe("eyJhbGciOiJIUzI1NiJ9.e30.x");
    expect(config.apiKeySource).toBe("option");
    expect(config).toMatchObject({ baseUrl: "https://h", projectId: "p2", tags: ["t"], logLevel: "error" });
  });

  it("ignores an unknown TINKER_LOG like the Python SDK and accepts warning", () => {
    expect(resolveHttpConfig(noFile, { TINKER_LOG: "loud" }).logLevel).toBe("warn");
    expect(resolveHttpConfig(noFile, { TINKER_LOG: "WARNING" }).logLevel).toBe("warn");
    expect(resolveHttpConfig(noFile, { TINKER_LOG: "info" }).logLevel).toBe("info");
  });

  it("rejects a key without the tml-/eyJ prefix unless a credential command takes over", () => {
    const error = invalid(() => resolveHttpConfig(noFile, { TINKER_API_KEY: "sk-123" }));
    expect(error.path).toBe("TINKER_API_KEY");
    expect(error.message).toContain("must start with the 'tml-' prefix");
    expect(error.message).not.toContain("sk-123");
    expect(invalid(() => resolveHttpConfig({ apiKey: "bad", ...noFile }, {})).path).toBe("apiKey");
    const withCmd = resolveHttpConfig(noFile, { TINKER_API_KEY: "sk-123", TINKER_CREDENTIAL_CMD: "echo x" });
    expect(withCmd.credentialCmd).toBe("echo x");
  });

  it.each([
    [{ baseUrl: "not a url" }, "baseUrl"],
    [{ baseUrl: "ftp://h" }, "baseUrl"],
    [{ baseUrl: "https://h/?q=1" }, "baseUrl"],
    [{ timeoutMs: 0 }, "timeoutMs"],
    [{ timeoutMs: 1.5 }, "timeoutMs"],
    [{ connectTimeoutMs: -1 }, "connectTimeoutMs"],
    [{ maxRetries: -1 }, "maxRetries"],
    [{ logLevel: "verbose" as "debug" }, "logLevel"],
  ])("rejects %j", (options, path) => {
    expect(invalid(() => resolveHttpConfig({ ...options, ...noFile }, {})).path).toBe(path);
  });

  it.each([
    ["https://tinker.example:443", "https://tinker.example"],
    ["http://tinker.example:80/", "http://tinker.example"],
    ["HTTPS://Tinker.Example/Prefix/", "https://tinker.example/Prefix"],
    ["http://127.0.0.1:8765", "http://127.0.0.1:8765"],
    ["https://tinker.example:80", "https://tinker.example:80"],
  ])("normalizes the base URL %s to %s", (raw, normalized) => {
    expect(resolveHttpConfig({ ...noFile, baseUrl: raw }, {}).baseUrl).toBe(normalized);
    expect(resolveHttpConfig(noFile, { TINKER_BASE_URL: raw }).baseUrl).toBe(normalized);
  });

  it("names TINKER_BASE_URL when the environment value is bad", () => {
    expect(invalid(() => resolveHttpConfig(noFile, { TINKER_BASE_URL: "::" })).path).toBe("TINKER_BASE_URL");
  });

  it("masks secrets in every string form", () => {
    const config = resolveHttpConfig(noFile, {
      TINKER_API_KEY: KEY,
      CLOUDFLARE_ACCESS_CLIENT_SECRET: "cf-secret-value",
    });
    for (const text of [
      String(config),
      JSON.stringify(config),
      inspect(config),
      inspect({ nested: config }, { depth: 5 }),
      `${config.apiKey}`,
    ]) {
      expect(text).not.toContain(KEY.slice(4));
      expect(text).not.toContain("cf-secret-value");
    }
    expect(JSON.parse(JSON.stringify(config)).apiKey).toBe("tml-****");
    expect(inspect(config.apiKey)).toBe("Secret(tml-****)");
  });
});

describe("stored credentials (0.38 `tinker auth login`)", () => {
  const file = (defaultId: string | null, keys: Record<string, unknown>) =>
    tempCredentials(JSON.stringify({ version: 1, default: defaultId, keys }));

  it("uses the default stored key when neither option nor env gives one", () => {
    const path = file("work", { work: { type: "manual", key: KEY, name: "work" } });
    const config = resolveHttpConfig({ credentialsFile: path }, {});
    expect(config.apiKey?.reveal()).toBe(KEY);
    expect(config.apiKeySource).toBe("credentials-file");
  });

  it("is not consulted when TINKER_CREDENTIAL_CMD is set or a key is given", () => {
    const path = file("work", { work: { key: KEY } });
    expect(
      resolveHttpConfig({ credentialsFile: path }, { TINKER_CREDENTIAL_CMD: "echo" }).apiKey,
    ).toBeUndefined();
    expect(resolveHttpConfig({ credentialsFile: path, apiKey: "tml-other" }, {}).apiKey?.reveal()).toBe(
      "tml-other",
    );
  });

  it("reads nothing from a missing file or one without a default", () => {
    expect(readStoredApiKey(join(tmpdir(), "does-not-exist-tinker", "credentials.json"))).toBeUndefined();
    expect(readStoredApiKey(file(null, { a: { key: KEY } }))).toBeUndefined();
    expect(readStoredApiKey(file("b", { a: { key: KEY } }))).toBeUndefined();
    expect(readStoredApiKey(file("a", { a: { key: "" } }))).toBeUndefined();
  });

  it("reports a corrupt file clearly", () => {
    const path = tempCredentials("{not json");
    const error = invalid(() => resolveHttpConfig({ credentialsFile: path }, {}));
    expect(error.path).toBe("credentialsFile");
    expect(error.message).toContain(path);
    expect(() => readStoredApiKey(tempCredentials("[1]"))).not.toThrow();
    expect(() => readStoredApiKey(tempCredentials("3"))).toThrow(/not a JSON object/);
  });
});
