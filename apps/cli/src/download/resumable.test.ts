import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checksumFromHeaders, downloadResumable, removePart } from "./resumable.js";

/** A file server on 127.0.0.1 with switchable Range support, validators, checksums and faults. */
interface FileServer {
  url: string;
  content: Buffer;
  requests: { range: string | undefined; ifRange: string | undefined }[];
  rangeSupport: boolean;
  etag: string | undefined;
  extraHeaders: Record<string, string>;
  /** Close the connection after this many body bytes, once. */
  cutAfter: number | undefined;
  /** Answer this status, once. */
  failWith: number | undefined;
  close(): Promise<void>;
}

async function startFileServer(content: Buffer): Promise<FileServer> {
  const state: Omit<FileServer, "url" | "close"> = {
    content,
    requests: [],
    rangeSupport: true,
    etag: '"v1"',
    extraHeaders: {},
    cutAfter: undefined,
    failWith: undefined,
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const range = req.headers["range"];
    const ifRange = req.headers["if-range"] as string | undefined;
    state.requests.push({ range, ifRange });
    if (state.failWith !== undefined) {
      res.writeHead(state.failWith).end("no");
      state.failWith = undefined;
      return;
    }
    const headers: Record<string, string> = { ...state.extraHeaders };
    if (state.etag) headers["etag"] = state.etag;
    let body = state.content;
    let status = 200;
    const m = /^bytes=(\d+)-$/.exec(range ?? "");
    const validatorOk = ifRange === undefined || ifRange === state.etag;
    if (m && state.rangeSupport && validatorOk) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
      body = body.subarray(start);
      status = 206;
    }
    headers["content-length"] = String(body.length);
    res.writeHead(status, headers);
    if (state.cutAfter !== undefined) {
      const cut = state.cutAfter;
      state.cutAfter = undefined;
      res.write(body.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(body);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const result = state as FileServer;
  result.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.tar`;
  result.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return result;
}

const CONTENT = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251));
const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

let dir: string;
let server: FileServer;
let destination: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinker-cli-dl-"));
  server = await startFileServer(CONTENT);
  destination = join(dir, "archive.tar");
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const download = () => downloadResumable({ url: server.url, destination, key: "tinker://r/weights/a" });

describe("downloadResumable", () => {
  it("downloads the whole file into <destination>.part and reports progress", async () => {
    const seen: number[] = [];
    const result = await downloadResumable({
      url: server.url,
      destination,
      key: "k",
      onProgress: (done, total) => {
        expect(total).toBe(CONTENT.length);
        seen.push(done);
      },
    });
    expect(result).toMatchObject({ path: `${destination}.part`, bytes: CONTENT.length, resumedFrom: 0 });
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
    expect(seen.at(-1)).toBe(CONTENT.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it("resumes a cut download with Range and If-Range, appending only the missing bytes", async () => {
    server.cutAfter = 70_000;
    await expect(download()).rejects.toThrow(/Failed to download checkpoint/);
    const partial = await readFile(`${destination}.part`);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(CONTENT.length);

    const result = await download();
    expect(result.resumedFrom).toBe(partial.length);
    expect(server.requests.at(-1)).toEqual({ range: `bytes=${partial.length}-`, ifRange: '"v1"' });
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
  });

  it("starts over when the server ignores Range", async () => {
    server.cutAfter = 50_000;
    await expect(download()).rejects.toThrow();
    server.rangeSupport = false;
    const result = await download();
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
  });

  it("starts over when the file changed since the part was written (If-Range mismatch)", async () => {
    server.cutAfter = 50_000;
    await expect(download()).rejects.toThrow();
    server.etag = '"v2"';
    server.content = Buffer.from(CONTENT).reverse();
    const result = await download();
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(result.path)).equals(server.content)).toBe(true);
  });

  it("without a validator, resumes only when the total size is unchanged", async () => {
    server.etag = undefined;
    server.cutAfter = 50_000;
    await expect(download()).rejects.toThrow();
    const resumed = await download();
    expect(resumed.resumedFrom).toBeGreaterThan(0);
    expect((await readFile(resumed.path)).equals(CONTENT)).toBe(true);

    await rm(resumed.path);
    server.cutAfter = 50_000;
    await expect(download()).rejects.toThrow();
    server.content = Buffer.concat([CONTENT, Buffer.from("more")]);
    const restarted = await download();
    expect(restarted.resumedFrom).toBe(0);
    expect((await readFile(restarted.path)).equals(server.content)).toBe(true);
  });

  it("does not resume a part that belongs to another download", async () => {
    server.cutAfter = 50_000;
    await expect(download()).rejects.toThrow();
    const result = await downloadResumable({ url: server.url, destination, key: "tinker://other/weights/b" });
    expect(result.resumedFrom).toBe(0);
    expect(server.requests.at(-1)?.range).toBeUndefined();
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
  });

  it("treats a 416 for a part that is already complete as done", async () => {
    await download();
    const again = await download();
    expect(server.requests.at(-1)?.range).toBe(`bytes=${CONTENT.length}-`);
    expect(again).toMatchObject({ bytes: CONTENT.length, resumedFrom: CONTENT.length });
  });

  it("verifies the server's checksum (x-goog-hash md5, Repr-Digest sha-256, Content-MD5)", async () => {
    server.extraHeaders = { "x-goog-hash": `crc32c=AAAAAA==, md5=${md5(CONTENT)}` };
    expect((await download()).verified).toEqual({ algorithm: "md5", base64: md5(CONTENT) });
    await removePart(destination);

    server.extraHeaders = { "repr-digest": `sha-256=:${sha256(CONTENT)}:` };
    expect((await download()).verified?.algorithm).toBe("sha256");
    await removePart(destination);

    server.extraHeaders = { "content-md5": md5(CONTENT) };
    expect((await download()).verified?.algorithm).toBe("md5");
  });

  it("verifies the checksum of a resumed download over the whole file", async () => {
    server.extraHeaders = { "x-goog-hash": `md5=${md5(CONTENT)}` };
    server.cutAfter = 60_000;
    await expect(download()).rejects.toThrow();
    const result = await download();
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(result.verified?.algorithm).toBe("md5");
  });

  it("deletes the part and fails on a checksum mismatch", async () => {
    server.extraHeaders = { digest: `SHA-256=${sha256(Buffer.from("something else"))}` };
    await expect(download()).rejects.toThrow(/Checksum mismatch/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails on an HTTP error status with what to do next", async () => {
    server.failWith = 403;
    await expect(download()).rejects.toThrow(/HTTP 403/);
  });

  it("keeps the part when aborted, for the next run to resume", async () => {
    const controller = new AbortController();
    const promise = downloadResumable({
      url: server.url,
      destination,
      key: "k",
      signal: controller.signal,
      onProgress: (done) => {
        if (done > 0) controller.abort();
      },
    });
    await expect(promise).rejects.toThrow();
    expect(await readdir(dir)).toContain("archive.tar.part.json");
  });

  it("fails on a connection refused", async () => {
    await server.close();
    await expect(download()).rejects.toThrow(/Failed to download checkpoint/);
  });
});

describe("checksumFromHeaders", () => {
  it("ignores Content-MD5 on a partial response, and unknown algorithms", () => {
    const from = (headers: Record<string, string>) => (name: string) => headers[name] ?? null;
    expect(checksumFromHeaders(from({ "content-md5": "abc=" }), false)).toBeUndefined();
    expect(checksumFromHeaders(from({ "repr-digest": "sha-512=:abc=:" }), true)).toBeUndefined();
    expect(checksumFromHeaders(from({ digest: "MD5=abc=" }), true)).toEqual({
      algorithm: "md5",
      base64: "abc=",
    });
  });
});

// The part's metadata file is JSON that a later run reads back.
it("writes part metadata a later run can read", async () => {
  server.cutAfter = 10;
  await expect(download()).rejects.toThrow();
  const meta = JSON.parse(await readFile(`${destination}.part.json`, "utf8"));
  expect(meta).toMatchObject({ key: "tinker://r/weights/a", validator: '"v1"', total: CONTENT.length });
  await writeFile(`${destination}.part.json`, "not json");
  const result = await download();
  expect(result.resumedFrom).toBe(0);
});
