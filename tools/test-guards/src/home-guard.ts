import { lstat, readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * The home guard (docs/testing.md#the-home-guard): tests run with HOME, the XDG directories and
 * HF_HOME pointed at a per-run sandbox, and the user's real Hugging Face cache, `~/.tinker`,
 * `~/.tinker-local` and tinker config are snapshotted before the run and compared after it. A
 * snapshot records every entry's type, size, inode and ctime: the kernel updates an inode's ctime
 * on every write, truncation, rename, chmod or link, and a directory's on every entry added or
 * removed, so no write under a guarded path can go unseen (reads change nothing that is compared).
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Absolute XDG base directory from `env`, or the default under `home` (the XDG rule). */
function xdg(env: Env, name: string, home: string, fallback: string): string {
  const value = env[name];
  return value !== undefined && isAbsolute(value) ? value : join(home, fallback);
}

/**
 * The user's real directories that tests must never touch, from the environment as the user set
 * it: the Hugging Face home and hub cache, `~/.tinker` (credentials), tinker-local's default data
 * directories and tinker's config directory.
 */
export function guardedPaths(env: Env = process.env, home: string = env["HOME"] ?? homedir()): string[] {
  const hfHome = env["HF_HOME"] ?? join(xdg(env, "XDG_CACHE_HOME", home, ".cache"), "huggingface");
  const paths = [
    hfHome,
    env["HF_HUB_CACHE"],
    join(home, ".tinker"),
    join(home, ".tinker-local"),
    join(xdg(env, "XDG_DATA_HOME", home, ".local/share"), "tinker-local"),
    join(xdg(env, "XDG_CONFIG_HOME", home, ".config"), "tinker"),
  ];
  return [...new Set(paths.filter((p): p is string => p !== undefined && p !== ""))];
}

/**
 * The environment tests run with: HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and XDG_DATA_HOME inside
 * `sandbox`, HF_HOME there too, and no HF_HUB_CACHE or TINKER_LOCAL_DATA_DIR pointing elsewhere.
 * Everything else (TINKER_API_KEY for live tests, PATH …) is kept.
 */
export function sandboxEnv(sandbox: string): Record<string, string | undefined> {
  return {
    HOME: join(sandbox, "home"),
    XDG_CACHE_HOME: join(sandbox, "home", ".cache"),
    XDG_CONFIG_HOME: join(sandbox, "home", ".config"),
    XDG_DATA_HOME: join(sandbox, "home", ".local", "share"),
    HF_HOME: join(sandbox, "home", ".cache", "huggingface"),
    HF_HUB_CACHE: undefined,
  };
}

/** Every entry under the guarded paths: path → "type size inode ctime", or "absent". */
export type Snapshot = Map<string, string>;

/** Most entries one snapshot walks; a tree past that is reported rather than half-checked. */
export const MAX_ENTRIES = 500_000;

/**
 * Records every entry under `paths` (symbolic links are not followed).
 * @throws Error when the trees hold more than `maxEntries` entries.
 */
export async function snapshot(paths: readonly string[], maxEntries = MAX_ENTRIES): Promise<Snapshot> {
  const entries: Snapshot = new Map();
  const visit = async (path: string): Promise<void> => {
    if (entries.size >= maxEntries) {
      throw new Error(`the home guard stops at ${maxEntries} entries under ${paths.join(", ")}`);
    }
    const stats = await lstat(path, { bigint: true }).catch(() => undefined);
    if (stats === undefined) {
      entries.set(path, "absent");
      return;
    }
    const type = stats.isDirectory() ? "dir" : stats.isSymbolicLink() ? "link" : "file";
    entries.set(path, `${type} ${stats.size} ${stats.ino} ${stats.ctimeNs}`);
    if (type === "dir") {
      for (const name of (await readdir(path).catch(() => [])).sort()) await visit(join(path, name));
    }
  };
  for (const path of paths) await visit(path);
  return entries;
}

/** The paths that were added, removed or changed between two snapshots, sorted. */
export function changedPaths(before: Snapshot, after: Snapshot): string[] {
  const changed = new Set<string>();
  for (const [path, state] of before) if (after.get(path) !== state) changed.add(path);
  for (const path of after.keys()) if (!before.has(path)) changed.add(path);
  return [...changed].sort();
}
