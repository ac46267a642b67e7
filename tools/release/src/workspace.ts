import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** A package of the pnpm workspace, as its package.json describes it. */
export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  /** Directory holding its package.json, absolute. */
  readonly dir: string;
  /** Private packages (demo, examples, tools) are never published. */
  readonly private: boolean;
  /** Executables it installs: name → path inside the package. */
  readonly bin: Readonly<Record<string, string>>;
}

/** The folders pnpm-workspace.yaml lists (each `group/*`, plus `examples`). */
const GROUPS = ["packages", "apps", "tools"] as const;

/** Every workspace package under `root`, sorted by name. */
export async function listWorkspacePackages(root: string): Promise<WorkspacePackage[]> {
  const dirs = [join(root, "examples")];
  for (const group of GROUPS) {
    for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(join(root, group, entry.name));
    }
  }
  const found: WorkspacePackage[] = [];
  for (const dir of dirs) {
    const text = await readFile(join(dir, "package.json"), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const manifest = JSON.parse(text) as Record<string, unknown>;
    found.push({
      name: String(manifest["name"]),
      version: String(manifest["version"]),
      dir,
      private: manifest["private"] === true,
      bin: (manifest["bin"] as Record<string, string> | undefined) ?? {},
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** The packages a release publishes: every workspace package not marked private. */
export async function publishedPackages(root: string): Promise<WorkspacePackage[]> {
  return (await listWorkspacePackages(root)).filter((p) => !p.private);
}
