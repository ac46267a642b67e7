import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import {
  describeCause,
  TokenizerAccessError,
  TokenizerDownloadError,
  type TokenizerFileRef,
  TokenizerNotFoundError,
  TokenizerOfflineError,
} from "../errors.js";
import { exists, isCommitHash, RepoCache } from "./cache.js";
import type { HubSettings } from "./settings.js";

/** The outcome of looking a file up: its local path, or the fact that the repository lacks it. */
export type HubFileResult =
  | { found: true; path: string; commit: string | undefined }
  | { found: false; commit: string | undefined };

/** One file of a Hub repository at a revision. */
export interface HubFileRequest {
  repoId: string;
  /** Branch, tag or commit hash. */
  revision: string;
  /** Path inside the repository, `/`-separated. */
  filename: string;
}

/** Context of a lookup: settings, an optional `fetch` (tests pass none: they use real servers). */
export interface HubContext {
  settings: HubSettings;
  signal?: AbortSignal | undefined;
  fetch?: typeof fetch | undefined;
}

/** huggingface_hub's metadata request timeout (`etag_timeout`), in ms. */
const METADATA_TIMEOUT_MS = 10_000;
/** Relative redirects (renamed repositories) followed on the metadata request. */
const MAX_RELATIVE_REDIRECTS = 5;

/** Lookups in flight, so that concurrent loads of one file share a single request and download. */
const inflight = new Map<string, Promise<HubFileResult>>();

/**
 * Returns the local path of a Hub file, downloading it into the huggingface_hub cache layout if
 * needed (see {@link RepoCache}), or `{ found: false }` when the repository has no such file (a
 * `.no_exist` marker then remembers that for the commit). It behaves like huggingface_hub's
 * `hf_hub_download`:
 *
 * - a commit-hash revision already in the cache is answered without any request;
 * - otherwise a `HEAD <endpoint>/<repo>/resolve/<revision>/<file>` gives the commit (`X-Repo-Commit`),
 *   the blob name (`X-Linked-Etag` or `ETag`), the size and, for LFS files, a redirect to the CDN;
 * - when the Hub cannot be reached (network error, 429, 5xx) the cached copy of the revision is used;
 * - offline (`HF_HUB_OFFLINE`), only the cache is read.
 *
 * Downloads stream into `blobs/<etag>.<random>.incomplete`, are checked against the announced size
 * (and against the sha256 for LFS blobs), and are renamed into place only when complete, so an
 * interrupted download never leaves a corrupt cache entry. Concurrent calls for the same file share
 * one request.
 *
 * @throws TokenizerNotFoundError unknown repository or revision.
 * @throws TokenizerAccessError 401/403: gated or private repository.
 * @throws TokenizerOfflineError offline and not cached.
 * @throws TokenizerDownloadError unreachable Hub with nothing cached, unexpected status, truncated file.
 */
export function hubFile(request: HubFileRequest, context: HubContext): Promise<HubFileResult> {
  const { settings } = context;
  const key = [settings.cacheDir, settings.endpoint, request.repoId, request.revision, request.filename].join(
    "\u0000",
  );
  const pending = inflight.get(key);
  if (pending) return pending;
  const lookup = lookUp(request, context).finally(() => inflight.delete(key));
  inflight.set(key, lookup);
  return lookup;
}

async function lookUp(request: HubFileRequest, context: HubContext): Promise<HubFileResult> {
  const { repoId, revision, filename } = request;
  const { settings } = context;
  const cache = new RepoCache(settings.cacheDir, repoId);
  const ref: TokenizerFileRef = { repoId, revision, filename };

  if (isCommitHash(revision)) {
    const cached = await fromCache(cache, revision, filename);
    if (cached) return cached;
  }
  if (settings.offline) {
    const cached = await fromCache(cache, revision, filename);
    if (cached) return cached;
    throw new TokenizerOfflineError(
      `${filename} of ${repoId} at revision ${revision} is not in the Hugging Face cache at ${cache.root}, ` +
        "and HF_HUB_OFFLINE is set. Load it once with network access (or with a Python tool that uses " +
        "the same HF_HOME), or unset HF_HUB_OFFLINE.",
      ref,
    );
  }

  const url = `${settings.endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${filename}`;
  let meta: FileMetadata;
  try {
    meta = await fetchMetadata(url, context);
  } catch (error) {
    if (error instanceof HubStatusError) {
      if (error.entryMissing) {
        const commit = error.headers.get("x-repo-commit") ?? undefined;
        if (commit) {
          await cache.markMissing(commit, filename);
          await cache.writeRef(revision, commit);
        }
        return { found: false, commit };
      }
      if (!error.transient) throw statusError(error, { ...ref, url });
    } else if (context.signal?.aborted) {
      throw error;
    }
    // The Hub is unreachable or failing: fall back to what the cache knows, as huggingface_hub does.
    const cached = await fromCache(cache, revision, filename);
    if (cached) return cached;
    if (error instanceof HubStatusError) throw statusError(error, { ...ref, url });
    throw new TokenizerDownloadError(
      `Could not reach the Hugging Face Hub at ${settings.endpoint} to get ${filename} of ${repoId} ` +
        `(${describeCause(error)}), and it is not cached. Check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 ` +
        "to use only the cache.",
      { ...ref, url, cause: error },
    );
  }

  await cache.writeRef(revision, meta.commit);
  const pointer = cache.snapshotPath(meta.commit, filename);
  if (await exists(pointer)) return { found: true, path: pointer, commit: meta.commit };
  const blob = cache.blobPath(meta.etag);
  if (!(await exists(blob))) {
    await downloadBlob(meta, blob, context, { ...ref, url: meta.location });
  }
  return {
    found: true,
    path: await cache.linkSnapshot(meta.commit, filename, meta.etag),
    commit: meta.commit,
  };
}

async function fromCache(
  cache: RepoCache,
  revision: string,
  filename: string,
): Promise<HubFileResult | undefined> {
  const commit = await cache.resolveRevision(revision);
  if (commit === undefined) return undefined;
  const pointer = cache.snapshotPath(commit, filename);
  if (await exists(pointer)) return { found: true, path: pointer, commit };
  if (await exists(cache.noExistPath(commit, filename))) return { found: false, commit };
  return undefined;
}

interface FileMetadata {
  commit: string;
  etag: string;
  /** Where to GET the contents: the resolve URL, or the CDN URL it redirects to. */
  location: string;
  /** Expected size in bytes, when announced. */
  size: number | undefined;
}

/** A non-success answer from the Hub, classified the way huggingface_hub's `hf_raise_for_status` does. */
class HubStatusError extends Error {
  readonly status: number;
  readonly headers: Headers;
  readonly errorCode: string | undefined;

  constructor(status: number, headers: Headers) {
    super(`HTTP ${status}`);
    this.status = status;
    this.headers = headers;
    this.errorCode = headers.get("x-error-code") ?? undefined;
  }

  /** The repository exists but the file does not (a plain 404 with a commit header counts too). */
  get entryMissing(): boolean {
    if (this.errorCode === "EntryNotFound") return true;
    return this.status === 404 && this.errorCode === undefined && this.headers.has("x-repo-commit");
  }

  /** Worth falling back to the cache for: rate limiting and server errors. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

function statusError(error: HubStatusError, ref: TokenizerFileRef): Error {
  const where = `${ref.repoId} (revision ${ref.revision})`;
  const withStatus = { ...ref, status: error.status };
  if (error.errorCode === "RevisionNotFound") {
    return new TokenizerNotFoundError(
      `The Hugging Face repository ${ref.repoId} has no revision ${ref.revision}.`,
      {
        ...withStatus,
        kind: "revision",
      },
    );
  }
  if (error.errorCode === "GatedRepo") {
    return new TokenizerAccessError(
      `The Hugging Face repository ${where} is gated (HTTP ${error.status}). Request access on its Hub page, ` +
        "then set HF_TOKEN to a token of the account that was granted access.",
      withStatus,
    );
  }
  if (error.status === 401 || error.status === 403) {
    return new TokenizerAccessError(
      `The Hugging Face Hub refused access to ${where} (HTTP ${error.status}): the repository is private, ` +
        "gated, or does not exist. If you have access, set HF_TOKEN to a valid token.",
      withStatus,
    );
  }
  if (error.status === 404) {
    return new TokenizerNotFoundError(
      `The Hugging Face repository ${ref.repoId} does not exist (HTTP 404). Check the model name; ` +
        "if the repository is private, set HF_TOKEN.",
      { ...withStatus, kind: "repository" },
    );
  }
  return new TokenizerDownloadError(
    `The Hugging Face Hub answered HTTP ${error.status} for ${ref.filename} of ${where}.`,
    withStatus,
  );
}

function authHeaders(context: HubContext): Record<string, string> {
  const headers: Record<string, string> = {
    // Sizes must be the real ones, and a decompressed body must match the announced length.
    "accept-encoding": "identity",
    "user-agent": "tinker-ts-tokenizer",
  };
  if (context.settings.token) headers["authorization"] = `Bearer ${context.settings.token}`;
  return headers;
}

/** The HEAD request of `hf_hub_download`: follows relative redirects only, reads the metadata headers. */
async function fetchMetadata(url: string, context: HubContext): Promise<FileMetadata> {
  const doFetch = context.fetch ?? fetch;
  const timeout = AbortSignal.timeout(METADATA_TIMEOUT_MS);
  const signal = context.signal ? AbortSignal.any([context.signal, timeout]) : timeout;
  let current = url;
  for (let hop = 0; ; hop++) {
    const response = await doFetch(current, {
      method: "HEAD",
      headers: authHeaders(context),
      redirect: "manual",
      signal,
    });
    const location = response.headers.get("location");
    const isRedirect = response.status >= 300 && response.status < 400;
    if (isRedirect && location && !/^[a-z][a-z0-9+.-]*:/i.test(location) && hop < MAX_RELATIVE_REDIRECTS) {
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok && !isRedirect) throw new HubStatusError(response.status, response.headers);
    const commit = response.headers.get("x-repo-commit");
    const rawEtag = response.headers.get("x-linked-etag") ?? response.headers.get("etag");
    if (!commit || !rawEtag) {
      throw new TokenizerDownloadError(
        `The answer from ${current} lacks the ${commit ? "ETag" : "X-Repo-Commit"} header, so it does not come ` +
          "from a Hugging Face Hub endpoint. If HF_ENDPOINT is set, check that it points to a Hub-compatible server.",
        { url: current, status: response.status },
      );
    }
    const sizeHeader =
      response.headers.get("x-linked-size") ?? (isRedirect ? null : response.headers.get("content-length"));
    return {
      commit,
      etag: normalizeEtag(rawEtag),
      location: isRedirect && location ? new URL(location, current).toString() : current,
      size: sizeHeader === null ? undefined : Number(sizeHeader),
    };
  }
}

/** huggingface_hub's `_normalize_etag`: drop a weak `W/` prefix and the quotes. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"+|"+$/g, "");
}

async function downloadBlob(meta: FileMetadata, blob: string, context: HubContext, ref: TokenizerFileRef) {
  const doFetch = context.fetch ?? fetch;
  const headers = authHeaders(context);
  // A signed CDN URL must not receive the Hub token.
  if (new URL(meta.location).host !== new URL(context.settings.endpoint).host)
    delete headers["authorization"];
  let response: Response;
  try {
    response = await doFetch(meta.location, { headers, redirect: "follow", signal: context.signal ?? null });
  } catch (error) {
    if (context.signal?.aborted) throw error;
    throw new TokenizerDownloadError(
      `Downloading ${ref.filename} of ${ref.repoId} failed: ${describeCause(error)}`,
      {
        ...ref,
        cause: error,
      },
    );
  }
  if (!response.ok || !response.body) {
    throw new TokenizerDownloadError(
      `Downloading ${ref.filename} of ${ref.repoId} failed with HTTP ${response.status}.`,
      { ...ref, status: response.status },
    );
  }
  await mkdir(dirname(blob), { recursive: true });
  const temp = `${blob}.${randomBytes(4).toString("hex")}.incomplete`;
  const hash = createHash("sha256");
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as unknown as NodeWebReadableStream<Uint8Array>),
      meter,
      createWriteStream(temp),
    );
    if (meta.size !== undefined && bytes !== meta.size) {
      throw new TokenizerDownloadError(
        `Downloading ${ref.filename} of ${ref.repoId} stopped after ${bytes} of ${meta.size} bytes. Try again.`,
        ref,
      );
    }
    // LFS blobs are named by the sha256 of their contents: check it before the blob enters the cache.
    if (/^[0-9a-f]{64}$/.test(meta.etag) && hash.digest("hex") !== meta.etag) {
      throw new TokenizerDownloadError(
        `The downloaded ${ref.filename} of ${ref.repoId} does not match its sha256 ${meta.etag}. Try again.`,
        ref,
      );
    }
    await rename(temp, blob);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof TokenizerDownloadError || context.signal?.aborted) throw error;
    throw new TokenizerDownloadError(
      `Downloading ${ref.filename} of ${ref.repoId} failed: ${describeCause(error)}`,
      {
        ...ref,
        cause: error,
      },
    );
  }
}
