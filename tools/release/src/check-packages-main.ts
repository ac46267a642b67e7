import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { manifestProblems, sourceMapProblems } from "./manifest-checks.js";
import { packPackage, readPackedTextFiles, run } from "./pack.js";
import { publishedPackages } from "./workspace.js";

/**
 * `pnpm --filter @tinker-ts/release check-packages`: packs every published package as a registry
 * would receive it and checks it with publint (strict), @arethetypeswrong/cli (the `esm-only`
 * profile: these packages are ESM only, so CommonJS `require` and `node10` resolution are out of
 * scope) and our own manifest and source-map checks (docs/packaging.md). Needs `pnpm build` first.
 * Exits 1 when any package has a problem, after checking all of them.
 */
const root = fileURLToPath(new URL("../../..", import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

const work = await mkdtemp(join(tmpdir(), "tinker-ts-packages-"));
let failures = 0;
try {
  for (const pkg of await publishedPackages(root)) {
    const packed = await packPackage(pkg, work);
    const manifest = JSON.parse(await readFile(join(packed.root, "package.json"), "utf8"));
    const problems = [
      ...manifestProblems(manifest),
      ...sourceMapProblems(await readPackedTextFiles(packed.root)),
    ];
    for (const [tool, args] of [
      ["publint", ["run", packed.tarball, "--strict"]],
      ["attw", [packed.tarball, "--profile", "esm-only", "--no-emoji", "--no-color", "--format", "ascii"]],
    ] as const) {
      try {
        run(bin(tool), args, root);
      } catch (error) {
        problems.push(`${tool}: ${(error as Error).message}`);
      }
    }
    console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${pkg.name}@${manifest.version}`);
    for (const problem of problems) console.log(`     ${problem}`);
    if (problems.length > 0) failures += 1;
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
console.log(
  failures === 0
    ? "publint, attw and manifest checks: every package is clean"
    : `${failures} package(s) failed`,
);
process.exitCode = failures === 0 ? 0 : 1;
