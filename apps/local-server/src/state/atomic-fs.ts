import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Crash-safe file writes: write to a temporary file beside the target, fsync it, rename it over
 * the target, then fsync the directory so the rename itself is durable. A reader (or a server
 * restarted after SIGKILL) sees either the old file or the new one, never a torn write.
 */

/** Fsyncs a directory so that entries created or renamed in it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `path` and fsyncs it (no rename; the caller makes it visible). */
export async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Atomically replaces `path` with `data` (temp file, fsync, rename, fsync dir). */
export async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.tmp-${randomUUID()}`);
  try {
    await writeDurable(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

/** Atomically writes `value` as pretty JSON. */
export function atomicWriteJson(path: string, value: unknown): Promise<void> {
  return atomicWrite(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Atomically publishes a directory of files at `target`: the files are written and fsynced in
 * a temporary sibling directory which is then renamed into place. An existing `target` is
 * replaced (moved aside first, then removed).
 */
export async function atomicWriteDir(
  target: string,
  files: Record<string, Uint8Array | string>,
): Promise<void> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.tmp-${randomUUID()}`);
  await mkdir(temp);
  try {
    for (const [name, data] of Object.entries(files)) await writeDurable(join(temp, name), data);
    await fsyncDir(temp);
    const trash = join(parent, `.trash-${randomUUID()}`);
    const replaced = await rename(target, trash).then(
      () => true,
      () => false,
    );
    await rename(temp, target);
    await fsyncDir(parent);
    if (replaced) await rm(trash, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Encodes an id (which may hold `:` or `/`) as one safe file-name segment. */
export function fileSegment(id: string): string {
  return encodeURIComponent(id).replace(/\./g, "%2E");
}

/** Reverses {@link fileSegment}. */
export function fromFileSegment(segment: string): string {
  return decodeURIComponent(segment);
}
