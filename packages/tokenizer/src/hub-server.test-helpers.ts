import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the Hugging Face Hub's `resolve` endpoint on 127.0.0.1, answering the way the Hub
 * does (headers `X-Repo-Commit`, `ETag`, `X-Linked-Etag`, `X-Linked-Size`, `X-Error-Code`):
 *
 * - small files are served directly, named by their git blob sha1;
 * - LFS files (`lfs: true`) answer 302 to a second "CDN" server, named by their sha256;
 * - unknown repositories answer 401 RepoNotFound to anonymous requests and 404 with a token;
 * - gated repositories answer 401 GatedRepo without a token and 403 with a token not granted;
 * - unknown revisions answer 404 RevisionNotFound, missing files 404 EntryNotFound.
 *
 * Every request is recorded, so tests can count downloads.
 */
export interface RepoSpec {
  /** Branch or tag name → commit hash; every commit listed in `commits` is also a revision. */
  refs?: Record<string, string>;
  /** Commit hash → files (path → contents) at that commit. */
  commits: Record<string, Record<string, string | Uint8Array>>;
  /** Paths served as LFS files (redirected to the CDN). */
  lfs?: string[];
  /** Tokens granted access; when set the repository is gated. */
  grantedTokens?: string[];
}

export interface RecordedRequest {
  server: "hub" | "cdn";
  method: string;
  path: string;
  authorization: string | undefined;
}

/** One-shot faults, consumed by the next matching GET of the file. */
export type Fault = { kind: "truncate" } | { kind: "status"; status: number } | { kind: "corrupt" };

export class HubTestServer {
  readonly requests: RecordedRequest[] = [];
  readonly repos = new Map<string, RepoSpec>();
  /** Renamed repositories: old id → new id, answered with a relative 307 as the Hub does. */
  readonly renamed = new Map<string, string>();
  /** Path → faults for its next GETs. */
  readonly faults = new Map<string, Fault[]>();
  /** When set, HEAD requests fail with this status (the Hub being down). */
  headStatus: number | undefined;
  #hub!: Server;
  #cdn!: Server;
  #blobs = new Map<string, Uint8Array>();

  static async start(): Promise<HubTestServer> {
    const server = new HubTestServer();
    server.#hub = createServer((req, res) => server.#onHub(req, res));
    server.#cdn = createServer((req, res) => server.#onCdn(req, res));
    await Promise.all([listen(server.#hub), listen(server.#cdn)]);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#hub.address() as AddressInfo).port}`;
  }

  get cdnUrl(): string {
    return `http://127.0.0.1:${(this.#cdn.address() as AddressInfo).port}`;
  }

  /** Requests whose path ends with `suffix`, optionally of one method. */
  count(suffix: string, method?: string): number {
    return this.requests.filter(
      (r) => r.path.endsWith(suffix) && (method === undefined || r.method === method),
    ).length;
  }

  async close(): Promise<void> {
    await Promise.all([close(this.#hub), close(this.#cdn)]);
  }

  #onHub(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url!, this.url).pathname);
    this.requests.push({
      server: "hub",
      method: req.method!,
      path,
      authorization: req.headers.authorization,
    });
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!match) {
      end(res, 404, {});
      return;
    }
    const [, repoId, revision, filename] = match as unknown as [string, string, string, string];
    if (req.method === "HEAD" && this.headStatus !== undefined) {
      end(res, this.headStatus, {});
      return;
    }
    const newId = this.renamed.get(repoId);
    if (newId) {
      end(res, 307, { location: `/${newId}/resolve/${encodeURIComponent(revision)}/${filename}` });
      return;
    }
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    const repo = this.repos.get(repoId);
    if (!repo) {
      end(res, token ? 404 : 401, { "x-error-code": "RepoNotFound" });
      return;
    }
    if (repo.grantedTokens && !repo.grantedTokens.includes(token ?? "")) {
      end(res, token ? 403 : 401, { "x-error-code": "GatedRepo" });
      return;
    }
    const commit = repo.refs?.[revision] ?? (revision in repo.commits ? revision : undefined);
    if (!commit) {
      end(res, 404, { "x-error-code": "RevisionNotFound" });
      return;
    }
    const contents = repo.commits[commit]![filename];
    if (contents === undefined) {
      end(res, 404, { "x-error-code": "EntryNotFound", "x-repo-commit": commit });
      return;
    }
    const bytes = typeof contents === "string" ? Buffer.from(contents) : contents;
    if (repo.lfs?.includes(filename)) {
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      this.#blobs.set(sha256, bytes);
      end(res, 302, {
        location: `${this.cdnUrl}/cdn/${sha256}?file=${encodeURIComponent(filename)}`,
        "x-repo-commit": commit,
        "x-linked-etag": `"${sha256}"`,
        "x-linked-size": String(bytes.length),
        etag: `"${gitBlobSha1(Buffer.from(`oid sha256:${sha256}`))}"`,
      });
      return;
    }
    const headers = {
      "x-repo-commit": commit,
      etag: `"${gitBlobSha1(bytes)}"`,
      "content-length": String(bytes.length),
    };
    if (req.method === "HEAD") {
      end(res, 200, headers);
      return;
    }
    this.#send(res, filename, bytes, headers);
  }

  #onCdn(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, this.cdnUrl);
    this.requests.push({
      server: "cdn",
      method: req.method!,
      path: url.pathname,
      authorization: req.headers.authorization,
    });
    const bytes = this.#blobs.get(url.pathname.replace("/cdn/", ""));
    if (!bytes) {
      end(res, 404, {});
      return;
    }
    this.#send(res, url.searchParams.get("file") ?? "", bytes, { "content-length": String(bytes.length) });
  }

  #send(res: ServerResponse, filename: string, bytes: Uint8Array, headers: Record<string, string>): void {
    const fault = this.faults.get(filename)?.shift();
    if (fault?.kind === "status") {
      end(res, fault.status, {});
      return;
    }
    if (fault?.kind === "truncate") {
      res.writeHead(200, headers);
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      // Give the client the first half, then drop the connection mid-body.
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (fault?.kind === "corrupt") {
      const copy = Buffer.from(bytes);
      copy[0] = copy[0]! ^ 0xff;
      end(res, 200, headers, copy);
      return;
    }
    end(res, 200, headers, bytes);
  }
}

/** The git object id of a blob, which the Hub uses as the ETag of non-LFS files. */
export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function end(res: ServerResponse, status: number, headers: Record<string, string>, body?: Uint8Array): void {
  res.writeHead(status, headers);
  res.end(body);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
