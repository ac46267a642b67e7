import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  TokenizerAccessError,
  TokenizerDownloadError,
  TokenizerFormatError,
  TokenizerNotFoundError,
  TokenizerOfflineError,
} from "../errors.js";
import {
  fakeCommit,
  lenmlFiles,
  seedPythonCache,
  tempHfHome,
  tinyTokenizerJson,
} from "../fixtures.test-helpers.js";
import { gitBlobSha1, HubTestServer } from "../hub-server.test-helpers.js";
import { type LoadTokenizerOptions, loadTokenizer } from "../load.js";
import { hubFile } from "./download.js";
import { resolveHubSettings } from "./settings.js";

const qwen = lenmlFiles("qwen3");
const tiny = tinyTokenizerJson();
const tinyConfig = JSON.stringify({
  bos_token: "<s>",
  eos_token: "</s>",
  chat_template: "{{ messages[0].content }}",
});
const MAIN = fakeCommit("main");
const V1 = fakeCommit("v1");

let server: HubTestServer;
let home: ReturnType<typeof tempHfHome>;

beforeAll(async () => {
  server = await HubTestServer.start();
  server.repos.set("Qwen/Qwen3-8B", {
    refs: { main: MAIN },
    commits: {
      [MAIN]: { "tokenizer.json": qwen.tokenizerJson, "tokenizer_config.json": qwen.tokenizerConfig },
    },
    lfs: ["tokenizer.json"],
  });
  server.repos.set("org/tiny", {
    refs: { main: MAIN, v1: V1 },
    commits: {
      [MAIN]: { "tokenizer.json": tiny, "tokenizer_config.json": tinyConfig },
      [V1]: { "tokenizer.json": tiny, "chat_template.jinja": "v1:{{ messages | length }}" },
    },
  });
  server.repos.set("org/gated", {
    refs: { main: MAIN },
    commits: { [MAIN]: { "tokenizer.json": tiny } },
    grantedTokens: ["hf_granted"],
  });
  server.repos.set("org/no-tokenizer", { refs: { main: MAIN }, commits: { [MAIN]: { "README.md": "hi" } } });
  server.repos.set("org/broken", {
    refs: { main: MAIN },
    commits: { [MAIN]: { "tokenizer.json": "{not json" } },
  });
  server.repos.set("org/not-a-tokenizer", {
    refs: { main: MAIN },
    commits: { [MAIN]: { "tokenizer.json": "[1,2]" } },
  });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  home = tempHfHome();
  server.requests.length = 0;
  server.faults.clear();
  server.headStatus = undefined;
});

afterEach(() => {
  home.remove();
});

function options(extra: Partial<LoadTokenizerOptions> = {}): LoadTokenizerOptions {
  return { endpoint: server.url, env: home.env, ...extra };
}

function repoDir(repoId: string): string {
  return join(home.cacheDir, `models--${repoId.replace("/", "--")}`);
}

/** Every file under a directory, as paths relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("downloads into the huggingface_hub cache layout", () => {
  test("blobs, relative snapshot symlinks, refs and .no_exist markers as huggingface_hub writes them", async () => {
    const tokenizer = await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options({ token: "hf_secret" }));
    expect(tokenizer.revision).toBe(MAIN);
    expect(Array.from(tokenizer.encode("Hello world"))).toEqual([9707, 1879]);

    const root = repoDir("Qwen/Qwen3-8B");
    const lfsEtag = createHash("sha256").update(qwen.tokenizerJson).digest("hex");
    const configEtag = gitBlobSha1(Buffer.from(qwen.tokenizerConfig));
    expect(listFiles(root)).toEqual(
      [
        `.no_exist/${MAIN}/chat_template.jinja`,
        `blobs/${configEtag}`,
        `blobs/${lfsEtag}`,
        "refs/main",
        `snapshots/${MAIN}/tokenizer.json`,
        `snapshots/${MAIN}/tokenizer_config.json`,
      ].sort(),
    );
    expect(readFileSync(join(root, "refs/main"), "utf8")).toBe(MAIN);
    const pointer = join(root, "snapshots", MAIN, "tokenizer.json");
    expect(lstatSync(pointer).isSymbolicLink()).toBe(true);
    expect(readlinkSync(pointer)).toBe(`../../blobs/${lfsEtag}`);
    expect(readFileSync(pointer, "utf8")).toBe(qwen.tokenizerJson);
    expect(readFileSync(join(root, ".no_exist", MAIN, "chat_template.jinja"), "utf8")).toBe("");
  });

  test("the token goes to the Hub but never to the CDN an LFS file redirects to", async () => {
    await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options({ token: "hf_secret" }));
    const hub = server.requests.filter((r) => r.server === "hub");
    const cdn = server.requests.filter((r) => r.server === "cdn");
    expect(hub.length).toBeGreaterThan(0);
    expect(hub.every((r) => r.authorization === "Bearer hf_secret")).toBe(true);
    expect(cdn.map((r) => [r.method, r.authorization])).toEqual([["GET", undefined]]);
  });

  test("a later load of a branch checks its commit again (one HEAD) and downloads nothing", async () => {
    await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options());
    server.requests.length = 0;
    await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options());
    // The first file resolves main to its commit; the others are then read from that snapshot.
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "HEAD /Qwen/Qwen3-8B/resolve/main/tokenizer_config.json",
    ]);
  });

  test("a commit revision already in the cache, files and .no_exist markers, needs no request at all", async () => {
    await loadTokenizer({ repoId: "org/tiny", revision: MAIN }, options());
    server.requests.length = 0;
    const again = await loadTokenizer({ repoId: "org/tiny", revision: MAIN }, options());
    expect(server.requests).toEqual([]);
    expect(again.revision).toBe(MAIN);
  });

  test("a cache filled by Python tools is used as it is", async () => {
    const commit = fakeCommit("python");
    server.repos.set("org/from-python", {
      commits: { [commit]: { "tokenizer.json": tiny, "tokenizer_config.json": tinyConfig } },
    });
    seedPythonCache(home.cacheDir, "org/from-python", commit, {
      "tokenizer.json": tiny,
      "tokenizer_config.json": tinyConfig,
    });
    const tokenizer = await loadTokenizer({ repoId: "org/from-python", revision: commit }, options());
    // chat_template.jinja is neither cached nor marked missing, so only it is asked for.
    expect(server.requests.map((r) => r.path)).toEqual([
      "/org/from-python/resolve/" + commit + "/chat_template.jinja",
    ]);
    expect(tokenizer.decode(tokenizer.encode("héllo"))).toBe("héllo");
  });

  test("no temporary file is left behind", async () => {
    await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options());
    expect(listFiles(home.cacheDir).filter((f) => /\.(incomplete|tmp)$/.test(f))).toEqual([]);
  });
});

describe("revisions", () => {
  test("a tag resolves to its commit, recorded under refs/, and all files come from that commit", async () => {
    const tokenizer = await loadTokenizer({ repoId: "org/tiny", revision: "v1" }, options());
    expect(tokenizer.revision).toBe(V1);
    expect(readFileSync(join(repoDir("org/tiny"), "refs/v1"), "utf8")).toBe(V1);
    // chat_template.jinja exists only at v1, and tokenizer_config.json only at main.
    expect(tokenizer.applyChatTemplate([{ role: "user", content: "x" }])).toBe("v1:1");
    expect(tokenizer.specialTokens.bos).toBeUndefined();
    expect(server.count(`/resolve/${V1}/tokenizer.json`, "HEAD")).toBe(1);
  });

  test("an unknown revision is a TokenizerNotFoundError of kind revision", async () => {
    const error = await loadTokenizer({ repoId: "org/tiny", revision: "nope" }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerNotFoundError);
    expect(error).toMatchObject({ kind: "revision", status: 404, repoId: "org/tiny", revision: "nope" });
  });

  test("a renamed repository's relative redirect is followed", async () => {
    server.renamed.set("org/old-name", "org/tiny");
    const tokenizer = await loadTokenizer({ repoId: "org/old-name" }, options());
    expect(tokenizer.specialTokens.eos).toEqual({ token: "</s>", id: 257 });
  });
});

describe("errors", () => {
  test("an unknown repository: 401 without a token (the Hub hides private repos), 404 with one", async () => {
    const anonymous = await loadTokenizer({ repoId: "org/missing" }, options()).catch((e) => e);
    expect(anonymous).toBeInstanceOf(TokenizerAccessError);
    expect(anonymous.message).toMatch(/HF_TOKEN/);
    expect(anonymous.status).toBe(401);
    const withToken = await loadTokenizer({ repoId: "org/missing" }, options({ token: "hf_x" })).catch(
      (e) => e,
    );
    expect(withToken).toBeInstanceOf(TokenizerNotFoundError);
    expect(withToken).toMatchObject({ kind: "repository", status: 404 });
  });

  test("a gated repository asks for HF_TOKEN (401 without a token, 403 with one not granted)", async () => {
    const anonymous = await loadTokenizer({ repoId: "org/gated" }, options()).catch((e) => e);
    expect(anonymous).toBeInstanceOf(TokenizerAccessError);
    expect(anonymous.message).toMatch(/gated.*HF_TOKEN/s);
    expect(anonymous.status).toBe(401);
    const denied = await loadTokenizer({ repoId: "org/gated" }, options({ token: "hf_other" })).catch(
      (e) => e,
    );
    expect(denied).toBeInstanceOf(TokenizerAccessError);
    expect(denied.status).toBe(403);
    const granted = await loadTokenizer(
      { repoId: "org/gated" },
      options({ env: { ...home.env, HF_TOKEN: "hf_granted" } }),
    );
    expect(granted.vocabSize).toBe(258);
  });

  test("a repository without tokenizer.json is a TokenizerNotFoundError of kind file", async () => {
    const error = await loadTokenizer({ repoId: "org/no-tokenizer" }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerNotFoundError);
    expect(error).toMatchObject({ kind: "file", filename: "tokenizer.json", revision: MAIN });
  });

  test("malformed tokenizer.json is a TokenizerFormatError", async () => {
    await expect(loadTokenizer({ repoId: "org/broken" }, options())).rejects.toThrow(TokenizerFormatError);
    await expect(loadTokenizer({ repoId: "org/not-a-tokenizer" }, options())).rejects.toThrow(/no `model`/);
  });

  test("an endpoint that is not a Hub (no X-Repo-Commit) is a TokenizerDownloadError", async () => {
    const plain = createServer((_req, res) => res.writeHead(200).end("ok"));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      await expect(loadTokenizer({ repoId: "org/tiny" }, options({ endpoint }))).rejects.toThrow(
        /X-Repo-Commit/,
      );
    } finally {
      plain.close();
    }
  });

  test("an unexpected status is a TokenizerDownloadError carrying it", async () => {
    server.headStatus = 418;
    const error = await loadTokenizer({ repoId: "org/tiny" }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerDownloadError);
    expect(error.status).toBe(418);
  });
});

describe("offline mode (HF_HUB_OFFLINE=1)", () => {
  test("uses the cache only, without any request", async () => {
    await loadTokenizer({ repoId: "org/tiny" }, options());
    server.requests.length = 0;
    const tokenizer = await loadTokenizer(
      { repoId: "org/tiny" },
      options({ env: { ...home.env, HF_HUB_OFFLINE: "1" } }),
    );
    expect(server.requests).toEqual([]);
    expect(tokenizer.revision).toBe(MAIN);
    expect(tokenizer.specialTokens.bos).toEqual({ token: "<s>", id: 256 });
  });

  test("fails clearly, naming the file and the cache, when a required file is missing", async () => {
    const error = await loadTokenizer({ repoId: "org/tiny" }, options({ offline: true })).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerOfflineError);
    expect(error.message).toContain("tokenizer.json of org/tiny");
    expect(error.message).toContain(home.cacheDir);
    expect(error.message).toMatch(/HF_HUB_OFFLINE/);
    expect(server.requests).toEqual([]);
  });
});

describe("unreachable Hub", () => {
  test("a 5xx falls back to the cached revision, and fails without one", async () => {
    await loadTokenizer({ repoId: "org/tiny" }, options());
    server.headStatus = 503;
    const cached = await loadTokenizer({ repoId: "org/tiny" }, options());
    expect(cached.revision).toBe(MAIN);
    const error = await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerDownloadError);
    expect(error.status).toBe(503);
  });

  test("a refused connection falls back to the cache, and fails with advice without one", async () => {
    await loadTokenizer({ repoId: "org/tiny" }, options());
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const settings = resolveHubSettings(options({ endpoint }));
    const cached = await hubFile(
      { repoId: "org/tiny", revision: "main", filename: "tokenizer.json" },
      { settings },
    );
    expect(cached).toMatchObject({ found: true, commit: MAIN });
    const error = await loadTokenizer({ repoId: "org/other" }, options({ endpoint })).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerDownloadError);
    expect(error.message).toMatch(/Could not reach.*HF_HUB_OFFLINE=1/s);
  });
});

describe("concurrent loads and interrupted downloads", () => {
  test("concurrent loads of one tokenizer make one request per file", async () => {
    const loads = await Promise.all(
      Array.from({ length: 6 }, () => loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options())),
    );
    expect(new Set(loads.map((t) => t.revision))).toEqual(new Set([MAIN]));
    expect(server.count("/tokenizer.json", "HEAD")).toBe(1);
    expect(server.requests.filter((r) => r.server === "cdn" && r.method === "GET")).toHaveLength(1);
    expect(server.count("/tokenizer_config.json", "GET")).toBe(1);
  });

  test("a dropped connection leaves no cache entry, and the next load downloads cleanly", async () => {
    server.faults.set("tokenizer.json", [{ kind: "truncate" }]);
    const error = await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerDownloadError);
    const root = repoDir("Qwen/Qwen3-8B");
    expect(
      listFiles(root).filter((f) => f.startsWith("blobs/") && readFileSync(join(root, f)).length > 10_000),
    ).toEqual([]);
    expect(existsSync(join(root, "snapshots", MAIN, "tokenizer.json"))).toBe(false);
    expect(listFiles(root).filter((f) => f.endsWith(".incomplete"))).toEqual([]);
    const tokenizer = await loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options());
    expect(Array.from(tokenizer.encode("Hello world"))).toEqual([9707, 1879]);
  });

  test("an LFS download that does not match its sha256 never enters the cache", async () => {
    server.faults.set("tokenizer.json", [{ kind: "corrupt" }]);
    await expect(loadTokenizer({ repoId: "Qwen/Qwen3-8B" }, options())).rejects.toThrow(/sha256/);
    const lfsEtag = createHash("sha256").update(qwen.tokenizerJson).digest("hex");
    expect(existsSync(join(repoDir("Qwen/Qwen3-8B"), "blobs", lfsEtag))).toBe(false);
  });

  test("an error status on the download is a TokenizerDownloadError", async () => {
    server.faults.set("tokenizer.json", [{ kind: "status", status: 500 }]);
    const error = await loadTokenizer({ repoId: "org/tiny" }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerDownloadError);
    expect(error.status).toBe(500);
  });

  test("an aborted load rejects with the abort reason", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(
      loadTokenizer({ repoId: "org/tiny" }, options({ signal: controller.signal })),
    ).rejects.toThrow("stop");
  });
});
