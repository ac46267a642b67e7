import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliError } from "../errors.js";
import { type CraftedEntry, craftTar } from "../tar.test-helpers.js";
import { extractArchive, inspectArchive, UnsafeArchiveError, unsafePathReason } from "./safe-tar.js";

let root: string;
let out: string;
let target: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "tinker-cli-tar-"));
  out = join(root, "out");
  await mkdir(out);
  target = join(out, "run_weights_final");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function archive(entries: CraftedEntry[], gzip = false): Promise<string> {
  const file = join(root, gzip ? "a.tar.gz" : "a.tar");
  const bytes = craftTar(entries);
  await writeFile(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** Everything under `dir`, recursively, as relative paths. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

const GOOD: CraftedEntry[] = [
  { name: "adapter_config.json", body: '{"r": 8}' },
  { name: "sub/", type: "dir" },
  { name: "sub/adapter_model.safetensors", body: "weights" },
  { name: "checkpoint_complete", body: "" },
];

describe("extractArchive", () => {
  it("extracts regular files and directories into the target through a temporary directory", async () => {
    const summary = await extractArchive(await archive(GOOD), target);
    expect(summary).toEqual({ files: 3, bytes: 8 + 7 });
    expect(await tree(target)).toEqual([
      "adapter_config.json",
      "checkpoint_complete",
      "sub",
      "sub/adapter_model.safetensors",
    ]);
    expect(await readFile(join(target, "sub/adapter_model.safetensors"), "utf8")).toBe("weights");
    // Only the target is left beside it: no temporary directory.
    expect(await readdir(out)).toEqual(["run_weights_final"]);
  });

  it("reads gzip-compressed archives too", async () => {
    const summary = await extractArchive(await archive(GOOD, true), target);
    expect(summary.files).toBe(3);
    expect(await readFile(join(target, "adapter_config.json"), "utf8")).toBe('{"r": 8}');
  });

  it("strips setuid, setgid and sticky bits from file modes", async () => {
    await extractArchive(await archive([{ name: "tool", body: "#!/bin/sh", mode: 0o6755 }]), target);
    expect((await stat(join(target, "tool"))).mode & 0o7000).toBe(0);
  });

  const hostile: [string, CraftedEntry[], RegExp][] = [
    ["a '..' path", [{ name: "../evil.txt", body: "x" }], /a path with '\.\.'/],
    ["a '..' inside a path", [{ name: "sub/../../evil.txt", body: "x" }], /a path with '\.\.'/],
    ["an absolute path", [{ name: "/tmp/tinker-cli-evil.txt", body: "x" }], /an absolute path/],
    ["a symbolic link", [{ name: "link", type: "symlink", linkname: "/etc/passwd" }], /symbolic link "link"/],
    [
      "a symbolic link followed by a write through it",
      [
        { name: "escape", type: "symlink", linkname: ".." },
        { name: "escape/evil.txt", body: "x" },
      ],
      /symbolic link/,
    ],
    ["a hard link", [{ name: "hard", type: "hardlink", linkname: "/etc/passwd" }], /hard link "hard"/],
    ["a character device", [{ name: "tty", type: "chardev" }], /character device/],
    ["a block device", [{ name: "disk", type: "blockdev" }], /block device/],
    ["a FIFO", [{ name: "pipe", type: "fifo" }], /FIFO/],
    [
      "a pax header declaring 1 TiB",
      [{ name: "big.bin", body: "tiny", pax: { size: String(1024 ** 4) } }],
      /declares 1099511627776 bytes|over the/,
    ],
    [
      "a base-256 size field declaring 16 GiB",
      [{ name: "big.bin", body: "tiny", declaredSize: 16 * 1024 ** 3 }],
      /over the/,
    ],
  ];

  for (const [what, entries, reason] of hostile) {
    it(`refuses an archive with ${what}, writing nothing anywhere`, async () => {
      const file = await archive([{ name: "ok.txt", body: "fine" }, ...entries]);
      const error = await extractArchive(file, target).catch((e: unknown) => e);
      expect(UnsafeArchiveError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(reason);
      expect((error as CliError).exitCode).toBe(1);
      // Neither the target, nor a temporary directory, nor anything outside.
      expect(await readdir(out)).toEqual([]);
      expect((await readdir(root)).sort()).toEqual(["a.tar", "out"]);
      await expect(stat("/tmp/tinker-cli-evil.txt")).rejects.toThrow();
    });
  }

  it("refuses declared sizes over the per-file limit", async () => {
    const file = await archive([{ name: "w.bin", body: "0123456789" }]);
    await expect(
      inspectArchive(file, { maxEntryBytes: 9, maxTotalBytes: 1000, maxEntries: 10 }),
    ).rejects.toThrow(/"w.bin" declares 10 bytes, over the 9-byte limit/);
  });

  it("refuses files that add up to more than the total limit", async () => {
    const file = await archive([
      { name: "a", body: "12345" },
      { name: "b", body: "12345" },
    ]);
    await expect(
      inspectArchive(file, { maxEntryBytes: 100, maxTotalBytes: 9, maxEntries: 10 }),
    ).rejects.toThrow(/declare 10 bytes or more, over the 9-byte limit/);
  });

  it("refuses archives with too many entries", async () => {
    const file = await archive([{ name: "a" }, { name: "b" }, { name: "c" }]);
    await expect(
      inspectArchive(file, { maxEntryBytes: 100, maxTotalBytes: 100, maxEntries: 2 }),
    ).rejects.toThrow(/more than 2 entries/);
  });

  it("refuses a file that is not a tar archive", async () => {
    const file = join(root, "a.tar");
    await writeFile(file, "<html>an error page, not an archive</html>".repeat(20));
    await expect(extractArchive(file, target)).rejects.toThrow(/not a valid tar archive/);
    expect(await readdir(out)).toEqual([]);
  });

  it("keeps an existing target unless forced, then replaces it whole", async () => {
    await mkdir(target);
    await writeFile(join(target, "stale.txt"), "old");
    const file = await archive(GOOD);
    const error = await extractArchive(file, target).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`Target directory already exists: ${target}`);
    expect(await tree(target)).toEqual(["stale.txt"]);
    expect(await readdir(out)).toEqual(["run_weights_final"]);

    await extractArchive(file, target, { force: true });
    expect(await tree(target)).not.toContain("stale.txt");
    expect(await tree(target)).toContain("adapter_config.json");
    expect(await readdir(out)).toEqual(["run_weights_final"]);
  });
});

describe("unsafePathReason", () => {
  it("accepts plain relative paths and rejects the rest", () => {
    expect(unsafePathReason("a/b.txt")).toBeUndefined();
    expect(unsafePathReason("./a/b.txt")).toBeUndefined();
    expect(unsafePathReason("a..b")).toBeUndefined();
    expect(unsafePathReason("")).toMatch(/empty/);
    expect(unsafePathReason("a\0b")).toMatch(/NUL/);
    expect(unsafePathReason("C:\\Windows\\evil")).toMatch(/absolute/);
    expect(unsafePathReason("\\\\server\\share")).toMatch(/absolute/);
    expect(unsafePathReason("a\\..\\..\\evil")).toMatch(/'\.\.'/);
  });
});
