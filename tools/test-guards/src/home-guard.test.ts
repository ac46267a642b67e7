import { appendFile, chmod, mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changedPaths, guardedPaths, sandboxEnv, snapshot } from "./home-guard.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinker-ts-guard-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the home guard", () => {
  it("guards the Hugging Face cache, ~/.tinker, tinker-local's data and tinker's config", () => {
    expect(guardedPaths({}, "/home/u")).toEqual([
      "/home/u/.cache/huggingface",
      "/home/u/.tinker",
      "/home/u/.tinker-local",
      "/home/u/.local/share/tinker-local",
      "/home/u/.config/tinker",
    ]);
    expect(
      guardedPaths(
        { HF_HOME: "/hf", HF_HUB_CACHE: "/hub", XDG_DATA_HOME: "/data", XDG_CONFIG_HOME: "/config" },
        "/home/u",
      ),
    ).toEqual([
      "/hf",
      "/hub",
      "/home/u/.tinker",
      "/home/u/.tinker-local",
      "/data/tinker-local",
      "/config/tinker",
    ]);
  });

  it("runs this test in a sandboxed home (set by the global setup)", () => {
    expect(homedir()).toMatch(/tinker-ts-test-home-[^/]+\/home$/);
    expect(process.env["HF_HOME"]).toBe(join(homedir(), ".cache", "huggingface"));
    expect(guardedPaths(process.env).every((p) => p.startsWith(homedir()))).toBe(true);
    expect(sandboxEnv("/s")).toMatchObject({ HOME: "/s/home", HF_HUB_CACHE: undefined });
  });

  it("sees every kind of write under a guarded directory, and nothing when there was none", async () => {
    const guarded = join(dir, "cache");
    const absent = join(dir, "absent");
    await mkdir(join(guarded, "hub", "models--x", "blobs"), { recursive: true });
    const blob = join(guarded, "hub", "models--x", "blobs", "abc");
    await writeFile(blob, "tokenizer");
    const paths = [guarded, absent];
    const before = await snapshot(paths);
    expect(changedPaths(before, await snapshot(paths))).toEqual([]);

    const cases: Array<[string, () => Promise<void>, string[]]> = [
      ["rewritten in place, same size", () => writeFile(blob, "TOKENIZER"), [blob]],
      ["appended to", () => appendFile(blob, "!"), [blob]],
      ["chmod", () => chmod(blob, 0o600), [blob]],
      [
        "new file deep down",
        () => writeFile(join(guarded, "hub", "models--x", "new"), ""),
        [join(guarded, "hub", "models--x"), join(guarded, "hub", "models--x", "new")],
      ],
      [
        "renamed",
        () => rename(blob, `${blob}2`),
        [join(guarded, "hub", "models--x", "blobs"), blob, `${blob}2`],
      ],
      ["a missing directory created", () => mkdir(absent), [absent]],
      ["a link added", () => symlink("/nowhere", join(guarded, "link")), [guarded, join(guarded, "link")]],
    ];
    for (const [what, write, expected] of cases) {
      const start = await snapshot(paths);
      await write();
      expect(changedPaths(start, await snapshot(paths)), what).toEqual(expect.arrayContaining(expected));
    }
    expect(changedPaths(before, await snapshot(paths)).length).toBeGreaterThan(0);
  });

  it("refuses to half-check a tree larger than its bound", async () => {
    await mkdir(join(dir, "a", "b", "c"), { recursive: true });
    await expect(snapshot([join(dir, "a")], 2)).rejects.toThrow("stops at 2 entries");
  });
});
