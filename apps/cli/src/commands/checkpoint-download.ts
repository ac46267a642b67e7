import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type CommandContext, note, progress } from "../context.js";
import { downloadResumable, removePart } from "../download/resumable.js";
import { extractArchive, UnsafeArchiveError } from "../download/safe-tar.js";
import { CliError } from "../errors.js";
import { formatSize } from "../output/format.js";
import { type CommandOutput, propertyTable, tableOutput } from "../output/output.js";
import { parseCheckpointArg } from "./checkpoint.js";

/**
 * `tinker checkpoint download PATH [-o DIR] [--force]` (tinker-wire-spec.md §13, §3.3): asks for
 * the archive's signed URL, downloads the tar resumably into `<DIR>/.<name>.tar.part`, and
 * extracts it safely into `<DIR>/<name>`, where `<name>` is the path without `tinker://` and with
 * `/` replaced by `_`. The target appears complete or not at all.
 */

/** JSON of `checkpoint download` (`schema/checkpoint-download.json`). */
export interface DownloadJson {
  checkpoint_path: string;
  destination: string;
  /** Size of the archive, bytes. */
  file_size_bytes: number;
  /** Number of files extracted. */
  files: number;
  /** Hash of the server's checksum that was verified, or null when the server gave none. */
  checksum_verified: "md5" | "sha256" | null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Where a checkpoint is extracted: `<outputDir>/<run>_<segment>_<name>`. */
export function downloadTarget(outputDir: string, tinkerPath: string): string {
  return join(outputDir, tinkerPath.slice("tinker://".length).replaceAll("/", "_"));
}

/** `tinker checkpoint download`; see the module comment. */
export async function downloadCommand(
  ctx: CommandContext,
  path: string,
  flags: { output?: string | undefined; force?: boolean | undefined },
): Promise<CommandOutput> {
  parseCheckpointArg(path);
  const outputDir = resolve(ctx.io.cwd, flags.output ?? ".");
  const target = downloadTarget(outputDir, path);
  if (!flags.force && (await exists(target))) {
    throw new CliError(`Target directory already exists: ${target}`, {
      details: "Use --force to overwrite or choose a different output directory.",
    });
  }
  await mkdir(outputDir, { recursive: true });
  const rest = await ctx.clients.rest();
  const { url } = await rest.getCheckpointArchiveUrlFromTinkerPath(path);

  const archive = join(outputDir, `.${target.slice(outputDir.length + 1)}.tar`);
  note(ctx, `Downloading ${path} ...`);
  const bar = progress(ctx, { label: "Downloading", total: 0, unit: "bytes" });
  let downloaded: Awaited<ReturnType<typeof downloadResumable>>;
  try {
    downloaded = await downloadResumable({
      url,
      destination: archive,
      key: path,
      signal: ctx.signal,
      onProgress: (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      },
    });
  } finally {
    bar.stop();
  }
  if (downloaded.resumedFrom > 0) note(ctx, `Resumed from ${formatSize(downloaded.resumedFrom)}.`);

  let summary: Awaited<ReturnType<typeof extractArchive>>;
  try {
    summary = await extractArchive(downloaded.path, target, { force: flags.force === true });
  } catch (error) {
    // A hostile archive is not worth resuming.
    if (UnsafeArchiveError.isInstance(error)) await removePart(archive);
    throw error;
  }
  await removePart(archive);

  const json: DownloadJson = {
    checkpoint_path: path,
    destination: target,
    file_size_bytes: downloaded.bytes,
    files: summary.files,
    checksum_verified: downloaded.verified?.algorithm ?? null,
  };
  return tableOutput(
    propertyTable(`Checkpoint Download: ${path}`, [
      ["Checkpoint Path", path],
      ["Total Size", formatSize(downloaded.bytes)],
      ["Files", String(summary.files)],
      ["Downloaded to", target],
    ]),
    json,
  );
}
