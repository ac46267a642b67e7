import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * The test selectors (docs/testing.md#selectors): which test files are contract tests and which
 * are live tests, across the workspace.
 */

/** A test file, by its package directory and its path inside it. */
export interface SelectedTest {
  /** Package directory relative to the repository root, e.g. `packages/types`. */
  readonly packageDir: string;
  /** Test file relative to the package directory, e.g. `src/wire-fixtures.test.ts`. */
  readonly file: string;
}

/**
 * Whether a test file is a contract test: one that checks our code against the golden wire
 * fixtures the Python SDK produced (`fixtures/wire`), naming that folder or loading them through
 * the types package's fixture loaders (`wire-fixtures.test-helpers.ts` for JSON bodies,
 * `proto/fixtures.test-helpers.ts` for protobuf vectors).
 */
export function isContractTest(test: SelectedTest, source: string): boolean {
  if (/fixtures\/wire|wire-fixtures\.test-helpers/.test(source)) return true;
  return (
    test.packageDir === "packages/types" &&
    test.file.startsWith("src/proto/") &&
    /\.\/fixtures\.test-helpers\.js/.test(source) &&
    /\bloadFixtures?\(/.test(source)
  );
}

/** Whether a file is a live test: `live.test.ts` or `*.live.test.ts`. */
export function isLiveTest(file: string): boolean {
  return /(^|[/.])live\.test\.ts$/.test(file);
}

/** Every `*.test.ts` file under the workspace packages' `src/` and `test/` folders. */
export async function workspaceTestFiles(root: string): Promise<Array<SelectedTest & { source: string }>> {
  const packageDirs = ["examples"];
  for (const group of ["packages", "apps", "tools"]) {
    for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
      if (entry.isDirectory()) packageDirs.push(`${group}/${entry.name}`);
    }
  }
  const found: Array<SelectedTest & { source: string }> = [];
  for (const packageDir of packageDirs) {
    for (const folder of ["src", "test"]) {
      const dir = join(root, packageDir, folder);
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.endsWith(".test.ts")) continue;
        const path = join(entry.parentPath, entry.name);
        found.push({
          packageDir,
          file: relative(join(root, packageDir), path),
          source: await readFile(path, "utf8"),
        });
      }
    }
  }
  return found.sort((a, b) => `${a.packageDir}/${a.file}`.localeCompare(`${b.packageDir}/${b.file}`));
}

/** The test files a selector picks: `contract` or `live`. */
export async function selectTests(root: string, kind: "contract" | "live"): Promise<SelectedTest[]> {
  return (await workspaceTestFiles(root))
    .filter((t) => (kind === "live" ? isLiveTest(t.file) : isContractTest(t, t.source)))
    .map(({ packageDir, file }) => ({ packageDir, file }));
}
