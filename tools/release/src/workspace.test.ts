import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listWorkspacePackages, publishedPackages } from "./workspace.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

describe("the workspace's packages", () => {
  it("publishes the libraries, the CLI and tinker-local, and keeps demo, examples and tools private", async () => {
    const packages = await publishedPackages(root);
    // Libraries live under packages/, the two programs under apps/; tools and examples never ship.
    expect(packages.every((p) => /\/(packages|apps)\/[^/]+$/.test(p.dir))).toBe(true);
    const published = packages.map((p) => p.name);
    expect(published).toEqual(
      expect.arrayContaining([
        "@tinker-ts/cli",
        "@tinker-ts/clients",
        "@tinker-ts/futures",
        "@tinker-ts/http",
        "@tinker-ts/local-server",
        "@tinker-ts/metrics-reduction",
        "@tinker-ts/telemetry",
        "@tinker-ts/tokenizer",
        "@tinker-ts/types",
      ]),
    );
    expect(published).not.toContain("@tinker-ts/demo");
    const all = await listWorkspacePackages(root);
    const privateOnes = all.filter((p) => p.private).map((p) => p.name);
    expect(privateOnes).toEqual(
      expect.arrayContaining(["@tinker-ts/demo", "@tinker-ts/examples", "@tinker-ts/release"]),
    );
  });

  it("installs the two executables from committed files, not from dist/", async () => {
    const bins = Object.fromEntries((await publishedPackages(root)).map((p) => [p.name, p.bin]));
    expect(bins["@tinker-ts/cli"]).toEqual({ tinker: "./bin/tinker.js" });
    expect(bins["@tinker-ts/local-server"]).toEqual({ "tinker-local": "./bin/tinker-local.js" });
  });
});
