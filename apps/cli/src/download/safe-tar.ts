import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { extract, list, type ReadEntry } from "tar";
import { CliError } from "../errors.js";

/**
 * Safe extraction of checkpoint archives (tinker-wire-spec.md §13 `checkpoint download`: "symlinks,
 * hardlinks and paths outside the target are refused"). An archive comes from a signed URL and may
 * belong to someone else's public checkpoint, so it is treated as hostile:
 *
 * 1. A first pass reads every header and refuses the whole archive — before anything is written —
 *    on an absolute path, a `..` segment, a link, a device or FIFO, or a declared size beyond the
 *    limits (a plain tar cannot hold more content than its own length).
 * 2. A second pass extracts only regular files and directories, without owners or special mode
 *    bits, into a fresh temporary directory beside the target.
 * 3. The temporary directory is renamed into place; on any failure it is removed, so the target is
 *    either complete or absent.
 */

/** Limits on what an archive may declare. */
export interface ExtractLimits {
  /** Largest single file, bytes. */
  maxEntryBytes: number;
  /** Largest sum of file sizes, bytes (for a plain tar, also at most the archive's own size). */
  maxTotalBytes: number;
  /** Most entries. */
  maxEntries: number;
}

/** Defaults: far above any LoRA checkpoint, far below a disk-filling bomb. */
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxEntryBytes: 64 * 1024 ** 3,
  maxTotalBytes: 256 * 1024 ** 3,
  maxEntries: 100_000,
};

/** The archive holds something that must not be extracted; nothing was written. */
export class UnsafeArchiveError extends CliError {
  constructor(reason: string) {
    super(`Refusing to extract the checkpoint archive: ${reason}`, {
      details: "The archive may be corrupted or malicious; nothing was extracted.",
    });
  }
}

/** What the first pass found. */
export interface ArchiveSummary {
  /** Regular files. */
  files: number;
  /** Sum of the files' sizes, bytes. */
  bytes: number;
}

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

const REFUSED_TYPES: Readonly<Record<string, string>> = {
  SymbolicLink: "symbolic link",
  Link: "hard link",
  CharacterDevice: "character device",
  BlockDevice: "block device",
  FIFO: "FIFO",
};

/** Why `path` may not be written under the target, or undefined when it is a plain relative path. */
export function unsafePathReason(path: string): string | undefined {
  if (path === "" || path.includes("\0")) return "an empty or NUL-containing path";
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) return "an absolute path";
  if (path.split(/[\\/]+/).includes("..")) return "a path with '..'";
  return undefined;
}

/** Why `entry` is refused, or undefined when it may be extracted. */
function entryViolation(entry: ReadEntry, maxEntryBytes: number): string | undefined {
  const what = REFUSED_TYPES[entry.type];
  if (what !== undefined) return `${what} ${JSON.stringify(entry.path)}`;
  if (!FILE_TYPES.has(entry.type) && entry.type !== "Directory") {
    return `unsupported entry type ${entry.type} (${JSON.stringify(entry.path)})`;
  }
  const pathReason = unsafePathReason(entry.path);
  if (pathReason !== undefined) return `${pathReason}: ${JSON.stringify(entry.path)}`;
  if (entry.size > maxEntryBytes) {
    return `${JSON.stringify(entry.path)} declares ${entry.size} bytes, over the ${maxEntryBytes}-byte limit`;
  }
  return undefined;
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * First pass: reads every header of `file` and checks it against the rules above and `limits`.
 *
 * @throws UnsafeArchiveError on the first violation, or when the archive is malformed or truncated.
 */
export async function inspectArchive(
  file: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<ArchiveSummary> {
  // Without compression, the files' content is part of the archive, so their sizes cannot add
  // up to more than the archive itself: a larger declaration is a lie.
  const maxTotal = (await isGzip(file))
    ? limits.maxTotalBytes
    : Math.min(limits.maxTotalBytes, (await stat(file)).size);
  let violation: string | undefined;
  let entries = 0;
  let files = 0;
  let bytes = 0;
  try {
    await list({
      file,
      strict: true,
      onReadEntry: (entry) => {
        entry.resume();
        if (violation !== undefined) return;
        entries += 1;
        violation = entryViolation(entry, limits.maxEntryBytes);
        if (violation === undefined && entries > limits.maxEntries) {
          violation = `more than ${limits.maxEntries} entries`;
        }
        if (violation === undefined && FILE_TYPES.has(entry.type)) {
          files += 1;
          bytes += entry.size;
          if (bytes > maxTotal) {
            violation = `its files declare ${bytes} bytes or more, over the ${maxTotal}-byte limit`;
          }
        }
      },
    });
  } catch (error) {
    // A declared size beyond the end of the data surfaces as a truncation error: report the
    // violation seen first, if any.
    if (violation !== undefined) throw new UnsafeArchiveError(violation);
    throw new UnsafeArchiveError(`it is not a valid tar archive (${(error as Error).message})`);
  }
  if (violation !== undefined) throw new UnsafeArchiveError(violation);
  return { files, bytes };
}

/** Options of {@link extractArchive}. */
export interface ExtractOptions {
  /** Replace an existing target directory. */
  force?: boolean;
  limits?: ExtractLimits;
}

/**
 * Extracts the tar `file` into the directory `target` (which must not exist unless `force`),
 * through a temporary directory beside it that is renamed into place.
 *
 * @returns the number of files and their total size in bytes.
 * @throws UnsafeArchiveError when the archive breaks a rule (nothing is written); CliError when
 *   the target exists without `force`; file-system errors as they are (the temporary directory
 *   is removed first).
 */
export async function extractArchive(
  file: string,
  target: string,
  options: ExtractOptions = {},
): Promise<ArchiveSummary> {
  const summary = await inspectArchive(file, options.limits);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const temp = await mkdtemp(join(parent, `.${basename(target)}.extract-`));
  try {
    await extract({
      file,
      cwd: temp,
      strict: true,
      preserveOwner: false,
      filter: (_path, entry) => {
        const read = entry as ReadEntry;
        if (!FILE_TYPES.has(read.type) && read.type !== "Directory") return false;
        // No setuid/setgid/sticky bits from an archive.
        if (read.mode !== undefined) read.mode &= 0o777;
        return true;
      },
    });
    await moveIntoPlace(temp, target, options.force === true);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return summary;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Renames `temp` to `target`; an existing target (with `force`) is set aside first and removed after. */
async function moveIntoPlace(temp: string, target: string, force: boolean): Promise<void> {
  if (!(await exists(target))) {
    await rename(temp, target);
    return;
  }
  if (!force) {
    throw new CliError(`Target directory already exists: ${target}`, {
      details: "Use --force to overwrite or choose a different output directory.",
    });
  }
  const old = `${target}.old-${randomBytes(4).toString("hex")}`;
  await rename(target, old);
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(old, target);
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}
