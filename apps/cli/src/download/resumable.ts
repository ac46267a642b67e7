import { createHash } from "node:crypto";
import { closeSync, createReadStream, openSync, writeFileSync, writeSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import { get as httpGetRaw, type IncomingMessage } from "node:http";
import { get as httpsGetRaw } from "node:https";
import { pipeline } from "node:stream/promises";
import { CliError } from "../errors.js";

/**
 * A resumable HTTP download into `<destination>.part`:
 *
 * - When a `.part` file is left from an interrupted run of the same download, the request asks
 *   only for the missing bytes (`Range: bytes=N-`, with `If-Range` when the first response had an
 *   ETag or Last-Modified). A `206` is appended; a `200` means the server started over, so the
 *   file is rewritten; a `416` whose total equals what we have means the file was complete.
 * - Without a validator, a resumed part is only kept when the server reports the same total size.
 * - When the server gives a checksum of the whole file — `x-goog-hash: md5=…` (GCS signed URLs),
 *   `Repr-Digest`/`Digest` with sha-256 or md5, or `Content-MD5` on a full response — the finished
 *   file is hashed and compared.
 *
 * What is known about the part (size validator, total, checksum, which download it belongs to)
 * sits in `<destination>.part.json`.
 */

/** Which hash a checksum uses, and the expected digest (base64). */
export interface Checksum {
  algorithm: "md5" | "sha256";
  base64: string;
}

interface PartMeta {
  /** What is being downloaded (the tinker path): a part of something else is discarded. */
  key: string;
  /** ETag or Last-Modified of the first response, for `If-Range`. */
  validator?: string | undefined;
  /** Total size, bytes, when known. */
  total?: number | undefined;
  checksum?: Checksum | undefined;
}

/** Options of {@link downloadResumable}. */
export interface DownloadOptions {
  url: string;
  /** Final file path; data goes to `<destination>.part` until complete. */
  destination: string;
  /** Identity of the content (a part with another key is not resumed). */
  key: string;
  signal?: AbortSignal | undefined;
  /** Called as bytes arrive: bytes on disk so far, and the total when known (else 0). */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Outcome of {@link downloadResumable}. */
export interface DownloadResult {
  /** The complete file (`<destination>.part`; the caller renames or consumes it). */
  path: string;
  /** Its size, bytes. */
  bytes: number;
  /** Bytes that were already on disk from an earlier run. */
  resumedFrom: number;
  /** The checksum that was verified, if the server gave one. */
  verified: Checksum | undefined;
}

/** The server's checksum of the whole file, if it sent one we can check. */
export function checksumFromHeaders(
  header: (name: string) => string | null,
  fullResponse: boolean,
): Checksum | undefined {
  const goog = header("x-goog-hash");
  const googMd5 = goog
    ?.split(",")
    .map((part) => part.trim())
    .find((part) => part.startsWith("md5="));
  if (googMd5) return { algorithm: "md5", base64: googMd5.slice(4) };
  // RFC 9530 `Repr-Digest: sha-256=:<base64>:`, and RFC 3230 `Digest: SHA-256=<base64>`.
  for (const name of ["repr-digest", "digest"]) {
    for (const part of (header(name) ?? "").split(",")) {
      const m = /^\s*(sha-256|md5)\s*=\s*:?([A-Za-z0-9+/=]+):?\s*$/i.exec(part);
      if (m) return { algorithm: m[1]!.toLowerCase() === "md5" ? "md5" : "sha256", base64: m[2]! };
    }
  }
  // Content-MD5 describes the body of this response: the whole file only for a full response.
  const contentMd5 = header("content-md5");
  if (contentMd5 && fullResponse) return { algorithm: "md5", base64: contentMd5.trim() };
  return undefined;
}

/** Redirects followed before giving up. */
const MAX_REDIRECTS = 5;

/**
 * GET over node:http(s), following redirects (a signed URL may point at a storage service). The
 * response is returned unread. node:http rather than fetch: a fetch body that fails discards the
 * bytes it had queued, and every received byte is worth keeping for a resume.
 */
function httpGet(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
  redirects = 0,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      reject(new Error(`unsupported URL scheme ${target.protocol}`));
      return;
    }
    const get = target.protocol === "https:" ? httpsGetRaw : httpGetRaw;
    const request = get(target, { headers, ...(signal ? { signal } : {}) }, (response) => {
      const location = response.headers.location;
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304 && location !== undefined) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
          return;
        }
        resolve(httpGet(new URL(location, target).href, headers, signal, redirects + 1));
        return;
      }
      resolve(response);
    });
    request.on("error", reject);
  });
}

async function readMeta(path: string): Promise<PartMeta | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as PartMeta;
  } catch {
    return undefined;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function hashFile(
  path: string,
  algorithm: Checksum["algorithm"],
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash, signal ? { signal } : {});
  return hash.digest("base64");
}

function downloadError(message: string, cause?: unknown): CliError {
  return new CliError(`Failed to download checkpoint: ${message}`, {
    details:
      "Run the command again: the download resumes where it stopped. If the signed URL expired, a new one is requested.",
    cause,
  });
}

/** `Content-Range: bytes <start>-<end>/<total>`, or an asterisk for the range (416) or total. */
function parseContentRange(value: string | null): { start?: number; total?: number } {
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (!m) return {};
  return {
    ...(m[1] === undefined ? {} : { start: Number(m[1]) }),
    ...(m[2] === "*" || m[2] === undefined ? {} : { total: Number(m[2]) }),
  };
}

/**
 * Downloads `url` to `<destination>.part`, resuming a previous part when possible, and verifies
 * the server's checksum when there is one.
 *
 * @throws CliError on an HTTP error status, a short body, or a checksum mismatch (the part is then
 *   deleted); the abort reason when `signal` fires (the part is kept for the next run).
 */
export async function downloadResumable(options: DownloadOptions): Promise<DownloadResult> {
  const part = `${options.destination}.part`;
  const metaPath = `${part}.json`;
  let meta = await readMeta(metaPath);
  let have = meta?.key === options.key ? await sizeOf(part) : 0;
  if (have === 0) meta = undefined;

  const headers: Record<string, string> = {};
  if (have > 0) {
    headers["range"] = `bytes=${have}-`;
    if (meta?.validator) headers["if-range"] = meta.validator;
  }
  let response: IncomingMessage;
  try {
    response = await httpGet(options.url, headers, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    throw downloadError((error as Error).message, error);
  }
  const header = (name: string): string | null => {
    const value = response.headers[name];
    return typeof value === "string" ? value : null;
  };

  let append = false;
  let total: number | undefined;
  if (response.statusCode === 206) {
    if (have === 0) {
      response.resume();
      throw downloadError("the server sent part of the file when all of it was asked for");
    }
    const range = parseContentRange(header("content-range"));
    total = range.total;
    const sameFile = meta?.validator !== undefined || (total !== undefined && total === meta?.total);
    if (range.start !== have || !sameFile) {
      // Not the continuation we asked for: start over with a plain request.
      response.resume();
      await rm(metaPath, { force: true });
      await rm(part, { force: true });
      return downloadResumable(options);
    }
    append = true;
  } else if (response.statusCode === 416 && have > 0) {
    response.resume();
    const { total: reported } = parseContentRange(header("content-range"));
    if (reported === have && reported === meta?.total) {
      return finish(part, metaPath, have, have, meta?.checksum, options.signal);
    }
    await rm(metaPath, { force: true });
    await rm(part, { force: true });
    return downloadResumable(options);
  } else if (response.statusCode === 200) {
    const length = header("content-length");
    total = length === null ? undefined : Number(length);
    have = 0;
  } else {
    response.resume();
    throw downloadError(`HTTP ${response.statusCode} ${response.statusMessage ?? ""}`.trim());
  }

  if (!append) {
    meta = {
      key: options.key,
      validator: header("etag") ?? header("last-modified") ?? undefined,
      total,
      checksum: checksumFromHeaders(header, true),
    };
  } else if (meta) {
    meta.checksum ??= checksumFromHeaders(header, false);
  }
  // Synchronous, so that the response's events cannot fire before the listeners below exist.
  writeFileSync(metaPath, JSON.stringify(meta));

  const resumedFrom = have;
  let done = have;
  const expected = total ?? 0;
  options.onProgress?.(done, expected);
  // Each chunk is written synchronously as it arrives, so a cut connection or Ctrl-C leaves a
  // part that holds exactly what was received, ready to resume.
  const fd = openSync(part, append ? "a" : "w");
  try {
    await new Promise<void>((resolve, reject) => {
      response.on("data", (chunk: Buffer) => {
        writeSync(fd, chunk);
        done += chunk.length;
        options.onProgress?.(done, expected);
      });
      response.on("end", resolve);
      response.on("error", reject);
      response.on("aborted", () => reject(new Error("the connection was closed early")));
      response.on("close", () => resolve());
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    throw downloadError((error as Error).message, error);
  } finally {
    closeSync(fd);
  }
  if (total !== undefined && done !== total) {
    throw downloadError(`the connection closed after ${done} of ${total} bytes`);
  }
  return finish(part, metaPath, done, resumedFrom, meta?.checksum, options.signal);
}

async function finish(
  part: string,
  metaPath: string,
  bytes: number,
  resumedFrom: number,
  checksum: Checksum | undefined,
  signal: AbortSignal | undefined,
): Promise<DownloadResult> {
  if (checksum) {
    const actual = await hashFile(part, checksum.algorithm, signal);
    if (actual !== checksum.base64) {
      await rm(part, { force: true });
      await rm(metaPath, { force: true });
      throw new CliError(`Checksum mismatch: the downloaded archive is corrupted (${checksum.algorithm})`, {
        details: "The partial file was deleted; run the command again to download it afresh.",
      });
    }
  }
  return { path: part, bytes, resumedFrom, verified: checksum };
}

/** Removes the part file and its metadata (after a successful extraction). */
export async function removePart(destination: string): Promise<void> {
  await rm(`${destination}.part`, { force: true });
  await rm(`${destination}.part.json`, { force: true });
}
