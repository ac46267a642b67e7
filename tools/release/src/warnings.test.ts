import { describe, expect, it } from "vitest";
import { warningLines } from "../../ci/warnings.mjs";

describe("warningLines (the fresh install and build must print none)", () => {
  it("finds the warnings pnpm, npm and the bundlers print", () => {
    const output = [
      "Progress: resolved 264, reused 264, downloaded 0, added 264, done",
      " WARN  Failed to create bin at /repo/apps/demo/node_modules/.bin/tinker. ENOENT",
      "│   Ignored build scripts: @bufbuild/buf@1.75.0, protobufjs@7.6.6.             │",
      'npm warn Unknown project config "auto-install-peers".',
      '▲ [WARNING] Import "x" will always be undefined [import-is-undefined]',
      " WARN  deprecated inflight@1.0.6",
      "@tinker-ts/cli:build: ESM dist/error-map-RJW3MRO5.js 4.83 KB",
      "Done in 2.4s using pnpm v10.34.9",
    ].join("\n");
    expect(warningLines(output)).toEqual([
      "WARN  Failed to create bin at /repo/apps/demo/node_modules/.bin/tinker. ENOENT",
      "│   Ignored build scripts: @bufbuild/buf@1.75.0, protobufjs@7.6.6.             │",
      'npm warn Unknown project config "auto-install-peers".',
      '▲ [WARNING] Import "x" will always be undefined [import-is-undefined]',
      "WARN  deprecated inflight@1.0.6",
    ]);
  });

  it("passes a clean install and build", () => {
    expect(
      warningLines("Lockfile is up to date\r\nDone in 3.5s\n Tasks:    9 successful, 9 total\n"),
    ).toEqual([]);
  });
});
