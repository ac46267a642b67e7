import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { create as createTar } from "tar";
import { HttpError } from "./errors.js";
import type { ServerRuntime } from "./runtime.js";
import { fileSegment } from "./state/atomic-fs.js";
import type { CheckpointRecord } from "./state/entities.js";

/**
 * Checkpoint archives and signed download URLs (tinker-wire-spec.md §3.3). An archive is a tar
 * of the checkpoint's files at the root (`adapter_config.json`, `adapter_model.safetensors`,
 * `checkpoint_complete`, plus optimizer state for training checkpoints), built once per
 * checkpoint version under `<data-dir>/archives`. Download URLs carry an expiry and an HMAC, so
 * `/_download/…` needs no API key, like the real service's signed URLs.
 */

/** What a signed URL points at. */
export type DownloadTarget = { kind: "archive"; file: string } | { kind: "trace"; sessionId: string };

/** Signs `target` until `expiresAt` (ms) and returns the absolute URL. */
export function signDownloadUrl(runtime: ServerRuntime, target: DownloadTarget, expiresAt: number): string {
  const payload = Buffer.from(JSON.stringify({ t: target, e: expiresAt })).toString("base64url");
  const mac = createHmac("sha256", runtime.downloadSecret).update(payload).digest("base64url");
  return `${runtime.baseUrl}/_download/${payload}.${mac}`;
}

/**
 * Checks a download token.
 * @throws HttpError 403 for a bad signature, 410 for an expired URL.
 */
export function verifyDownloadToken(runtime: ServerRuntime, token: string): DownloadTarget {
  const [payload, mac] = token.split(".");
  if (!payload || !mac) throw new HttpError(403, "Malformed download URL.");
  const expected = Buffer.from(
    createHmac("sha256", runtime.downloadSecret).update(payload).digest("base64url"),
  );
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new HttpError(403, "Download URL signature is not valid.");
  }
  const { t, e } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
    t: DownloadTarget;
    e: number;
  };
  if (e <= runtime.clock.now()) throw new HttpError(410, "Download URL has expired; request a new one.");
  return t;
}

/**
 * Starts (or reuses) the tar build for a checkpoint and waits up to `waitMs` for it.
 * Resolves the tar path when ready, or undefined while it is still being built.
 */
export async function archiveFor(
  runtime: ServerRuntime,
  checkpoint: CheckpointRecord,
  waitMs: number,
): Promise<string | undefined> {
  const key = `${checkpoint.tinker_path}@${checkpoint.time}`;
  let build = runtime.archives.get(key);
  if (!build) {
    build = buildArchive(runtime, checkpoint);
    runtime.archives.set(key, build);
    build.catch(() => runtime.archives.delete(key));
  }
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = runtime.clock.setTimer(() => resolve(undefined), waitMs);
  });
  try {
    return await Promise.race([build, timeout]);
  } finally {
    timer?.cancel();
  }
}

async function buildArchive(runtime: ServerRuntime, checkpoint: CheckpointRecord): Promise<string> {
  const { store } = runtime.parts;
  const dir = join(store.dir, "archives", fileSegment(checkpoint.training_run_id));
  await mkdir(dir, { recursive: true });
  const final = join(dir, `${fileSegment(checkpoint.checkpoint_id)}-${checkpoint.time}.tar`);
  const temp = `${final}.tmp-${process.pid}`;
  try {
    await createTar({ cwd: store.checkpointDir(checkpoint), file: temp, portable: true }, checkpoint.files);
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return final;
}
