import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { x as extract } from "tar";
import type { WorkspacePackage } from "./workspace.js";

/** A package packed as `pnpm publish` would upload it, and unpacked. */
export interface PackedPackage {
  readonly name: string;
  /** The `.tgz`. */
  readonly tarball: string;
  /** Where it was unpacked (the tarball's `package/` folder). */
  readonly root: string;
}

/**
 * Runs a command to completion with its output captured.
 * @throws Error naming the command and quoting its output when it exits non-zero.
 */
export function run(command: string, args: readonly string[], cwd: string, env = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`,
    );
  }
  return output;
}

/**
 * Packs `pkg` with `pnpm pack` into `dest/<name>/`, which applies `publishConfig` and turns
 * `workspace:` ranges into versions exactly as `pnpm publish` does, and unpacks it beside.
 * @throws Error when packing fails.
 */
export async function packPackage(pkg: WorkspacePackage, dest: string): Promise<PackedPackage> {
  const dir = join(dest, pkg.name.replace("/", "+"));
  await mkdir(dir, { recursive: true });
  run("pnpm", ["pack", "--pack-destination", dir], pkg.dir);
  const tarball = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${pkg.name}`);
  await extract({ file: join(dir, tarball), cwd: dir });
  return { name: pkg.name, tarball: join(dir, tarball), root: join(dir, "package") };
}

/** The text files of an unpacked package (JavaScript, maps, JSON), by path relative to its root. */
export async function readPackedTextFiles(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(js|map|json)$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path), await readFile(path, "utf8"));
  }
  return files;
}
