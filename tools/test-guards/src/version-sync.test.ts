import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WIRE_SDK_VERSION } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";

/**
 * One Python SDK version everywhere (docs/testing.md#version-sync): the `sdk_version` we send
 * (`WIRE_SDK_VERSION`), the SDK that recorded the golden wire fixtures, the SDK the parity
 * harness installs, and the version the READMEs claim. Moving to a new SDK means moving all four.
 */
const root = fileURLToPath(new URL("../../..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

function jsonFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => join(e.parentPath, e.name));
}

describe("the Python SDK version is the same everywhere", () => {
  it("is a release number", () => {
    expect(WIRE_SDK_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("recorded every JSON wire fixture", () => {
    const files = jsonFiles("fixtures/wire/json");
    expect(files.length).toBeGreaterThan(100);
    const versions = new Set(files.map((f) => JSON.parse(readFileSync(f, "utf8")).python_sdk));
    expect([...versions]).toEqual([WIRE_SDK_VERSION]);
  });

  it("generated every protobuf vector it claims to have generated", () => {
    const sources = jsonFiles("fixtures/wire/proto").map((f) =>
      String(JSON.parse(readFileSync(f, "utf8")).source),
    );
    const claimed = sources.flatMap((s) => [...s.matchAll(/\btinker (\d+\.\d+\.\d+)/g)].map((m) => m[1]));
    expect(claimed.length).toBeGreaterThan(5);
    expect(new Set(claimed)).toEqual(new Set([WIRE_SDK_VERSION]));
  });

  it("is the SDK the parity harness installs", () => {
    const pins = [...read("tools/parity/python/requirements.txt").matchAll(/^tinker==(\S+)$/gm)].map(
      (m) => m[1],
    );
    expect(pins).toEqual([WIRE_SDK_VERSION]);
  });

  it("is the version the READMEs name", () => {
    const claims = ["README.md", "packages/types/README.md", "tools/parity/README.md"].flatMap((path) =>
      [
        ...read(path).matchAll(
          /Python SDK \(?(\d+\.\d+\.\d+)|tinker==(\d+\.\d+\.\d+)|currently \*\*(\d+\.\d+\.\d+)\*\*/g,
        ),
      ].map((m) => ({ path, version: m[1] ?? m[2] ?? m[3] })),
    );
    expect(claims.length).toBeGreaterThanOrEqual(5);
    expect(claims.filter((c) => c.version !== WIRE_SDK_VERSION)).toEqual([]);
  });
});
