import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

/**
 * The huggingface_hub cache layout, so that files downloaded by Python tools are reused here and
 * the other way round:
 *
 * ```
 * <cacheDir>/models--org--name/
 *   blobs/<etag>                       file contents, named by the Hub ETag (sha256 for LFS files)
 *   refs/<revision>                    the commit hash a branch or tag pointed to when last seen
 *   snapshots/<commit>/<filename>      relative symlink to ../../blobs/<etag>
 *   .no_exist/<commit>/<filename>      empty marker: the file does not exist at that commit
 * ```
 */

/** A full 40-hex commit hash (huggingface_hub's `REGEX_COMMIT_HASH`). */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** `models--org--name`: the repository's folder name in the cache. */
export function repoFolderName(repoId: string): string {
  return ["models", ...repoId.split("/")].join("--");
}

/** Paths of one repository inside a Hub cache. */
export class RepoCache {
  readonly root: string;

  constructor(cacheDir: string, repoId: string) {
    this.root = join(cacheDir, repoFolderName(repoId));
  }

  snapshotPath(commit: string, filename: string): string {
    return join(this.root, "snapshots", commit, ...filename.split("/"));
  }

  noExistPath(commit: string, filename: string): string {
    return join(this.root, ".no_exist", commit, ...filename.split("/"));
  }

  blobPath(etag: string): string {
    return join(this.root, "blobs", etag);
  }

  /** The commit a revision stands for: itself if it is a commit hash, else what `refs/` records. */
  async resolveRevision(revision: string): Promise<string | undefined> {
    if (isCommitHash(revision)) return revision;
    try {
      return (await readFile(join(this.root, "refs", ...revision.split("/")), "utf8")).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Records which commit a branch or tag points to (huggingface_hub writes it without a newline). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = join(this.root, "refs", ...revision.split("/"));
    if ((await readFileOrUndefined(path)) === commit) return;
    await mkdir(dirname(path), { recursive: true });
    await writeAtomically(path, commit);
  }

  /** Marks a file as absent at a commit, so later loads of that commit skip the request. */
  async markMissing(commit: string, filename: string): Promise<void> {
    const path = this.noExistPath(commit, filename);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "");
  }

  /**
   * Links `snapshots/<commit>/<filename>` to an existing blob. The link is made under a temporary
   * name and renamed into place, so a reader never sees a half-made entry. Where symlinks are not
   * allowed (Windows without developer mode) the blob is copied, as huggingface_hub does.
   */
  async linkSnapshot(commit: string, filename: string, etag: string): Promise<string> {
    const pointer = this.snapshotPath(commit, filename);
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    const temp = `${pointer}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await symlink(relative(dirname(pointer), blob), temp);
    } catch {
      await copyFile(blob, temp);
    }
    await rename(temp, pointer);
    return pointer;
  }
}

/** Writes a file through a temporary sibling and a rename, so readers see all of it or nothing. */
export async function writeAtomically(path: string, contents: string | Uint8Array): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, contents);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readFileOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}
