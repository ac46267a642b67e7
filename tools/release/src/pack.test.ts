import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packPackage, readPackedTextFiles, run } from "./pack.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinker-ts-pack-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("packing as pnpm publish does", () => {
  it("applies publishConfig and ships only the declared files", async () => {
    const pkgDir = join(dir, "pkg");
    await mkdir(join(pkgDir, "dist"), { recursive: true });
    await writeFile(
      join(pkgDir, "package.json"),
      JSON.stringify({
        name: "@tinker-ts/pack-fixture",
        version: "1.2.3",
        type: "module",
        files: ["dist"],
        exports: { ".": { "@tinker-ts/source": "./src/index.ts", import: "./dist/index.js" } },
        publishConfig: { exports: { ".": { import: "./dist/index.js" } } },
      }),
    );
    await writeFile(join(pkgDir, "dist", "index.js"), "export const x = 1;\n");
    await writeFile(join(pkgDir, "notes.txt"), "not shipped");
    const packed = await packPackage(
      { name: "@tinker-ts/pack-fixture", version: "1.2.3", dir: pkgDir, private: false, bin: {} },
      join(dir, "out"),
    );
    expect(packed.tarball.endsWith("tinker-ts-pack-fixture-1.2.3.tgz")).toBe(true);
    const manifest = JSON.parse(await readFile(join(packed.root, "package.json"), "utf8"));
    expect(manifest.exports).toEqual({ ".": { import: "./dist/index.js" } });
    expect([...(await readPackedTextFiles(packed.root)).keys()].sort()).toEqual([
      "dist/index.js",
      "package.json",
    ]);
  });

  it("fails with the command's output when it fails", () => {
    expect(() => run(process.execPath, ["-e", "console.error('boom'); process.exit(3)"], dir)).toThrow(
      /exit 3\):\nboom/,
    );
  });
});
