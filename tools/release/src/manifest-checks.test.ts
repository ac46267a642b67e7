import { describe, expect, it } from "vitest";
import { manifestProblems, sourceMapProblems } from "./manifest-checks.js";

const good = {
  name: "@tinker-ts/x",
  version: "0.1.0",
  engines: { node: ">=20.18" },
  files: ["dist"],
  exports: {
    ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
    "./package.json": "./package.json",
  },
  dependencies: { "@tinker-ts/types": "0.1.0", zod: "4.6.7" },
};

describe("manifestProblems", () => {
  it("accepts a manifest as pnpm publish writes it", () => {
    expect(manifestProblems(good)).toEqual([]);
  });

  it("names every problem a registry user would hit", () => {
    expect(
      manifestProblems({
        private: true,
        version: "0.0.0",
        files: [],
        exports: { ".": { "@tinker-ts/source": "./src/index.ts", import: "./dist/index.js" } },
        dependencies: { "@tinker-ts/types": "workspace:*" },
        peerDependencies: { "@tinker-ts/http": "workspace:^" },
      }),
    ).toEqual([
      "is private",
      "has version 0.0.0 (run `pnpm version-packages`)",
      "declares no engines.node",
      "declares no files",
      'does not export "./package.json"',
      'exports the workspace-only "@tinker-ts/source" condition',
      'dependencies.@tinker-ts/types is still "workspace:*"',
      'peerDependencies.@tinker-ts/http is still "workspace:^"',
    ]);
    expect(manifestProblems({ ...good, exports: undefined })).toEqual(["declares no exports"]);
  });
});

describe("sourceMapProblems", () => {
  const map = (sources: string[], sourcesContent?: (string | null)[]) =>
    JSON.stringify({ version: 3, sources, sourcesContent, mappings: "" });

  it("accepts maps that embed every source and are shipped beside their code", () => {
    const files = new Map([
      ["dist/index.js", "export {};\n//# sourceMappingURL=index.js.map"],
      ["dist/index.js.map", map(["../src/index.ts"], ["export {};"])],
      ["dist/plain.js", "export {};\n"],
      ["package.json", "{}"],
    ]);
    expect(sourceMapProblems(files)).toEqual([]);
  });

  it("reports sources that are not embedded and maps that are not shipped", () => {
    const files = new Map([
      ["dist/a.js.map", map(["../src/a.ts", "../src/b.ts"], ["a", null])],
      ["dist/b.js.map", map(["../src/b.ts"])],
      ["dist/c.js", "x\n//# sourceMappingURL=c.js.map\n"],
      ["dist/d.js", "x\n//# sourceMappingURL=data:application/json;base64,e30="],
    ]);
    expect(sourceMapProblems(files)).toEqual([
      "dist/a.js.map does not embed 1 of its sources",
      "dist/b.js.map does not embed 1 of its sources",
      "dist/c.js names a source map that is not shipped (c.js.map)",
    ]);
  });
});
