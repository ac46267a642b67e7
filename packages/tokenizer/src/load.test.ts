import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { TokenizerFormatError, TokenizerNotFoundError } from "./errors.js";
import { fixturesDir, readFixtureText, tinyTokenizerJson } from "./fixtures.test-helpers.js";
import { loadTokenizer } from "./load.js";

const dirs: string[] = [];
function directory(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tinker-ts-tok-dir-"));
  dirs.push(dir);
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const kimiFiles = () => ({
  "tiktoken.model": readFixtureText("kimi-synthetic/tiktoken.model"),
  "tokenizer_config.json": readFixtureText("kimi-synthetic/tokenizer_config.json"),
  "tokenization_kimi.py": readFixtureText("kimi-synthetic/tokenization_kimi.py"),
});

describe("loadTokenizer from a directory", () => {
  test("tokenizer.json alone is enough; chat_template.jinja overrides the config's template", async () => {
    const bare = await loadTokenizer({ directory: directory({ "tokenizer.json": tinyTokenizerJson() }) });
    expect(bare.revision).toBeUndefined();
    expect(bare.decode(bare.encode("abc"))).toBe("abc");
    const dir = directory({
      "tokenizer.json": tinyTokenizerJson(),
      "tokenizer_config.json": JSON.stringify({ chat_template: "config" }),
      "chat_template.jinja": "jinja {{ messages | length }}",
    });
    const withJinja = await loadTokenizer({ directory: dir });
    expect(withJinja.name).toBe(dir);
    expect(withJinja.applyChatTemplate([{ role: "user", content: "x" }])).toBe("jinja 1");
  });

  test("a config naming TikTokenTokenizer loads tiktoken.model and the module named in auto_map", async () => {
    const files = kimiFiles();
    const config = JSON.parse(files["tokenizer_config.json"]) as Record<string, unknown>;
    const { "tokenization_kimi.py": python, ...rest } = files;
    const renamed = directory({
      ...rest,
      "tokenizer_config.json": JSON.stringify({
        ...config,
        auto_map: { AutoTokenizer: "my_kimi.TikTokenTokenizer" },
      }),
      "my_kimi.py": python,
    });
    const fromAutoMap = await loadTokenizer({ directory: renamed });
    const reference = await loadTokenizer({
      directory: fileURLToPath(new URL("kimi-synthetic/", fixturesDir)),
    });
    expect(fromAutoMap.encode("Hello 世界 it'ſ")).toEqual(reference.encode("Hello 世界 it'ſ"));
    // tokenizer_class alone selects tiktoken too, with the Kimi module's usual name.
    const { auto_map: _omitted, ...byClass } = config;
    const classOnly = await loadTokenizer({
      directory: directory({ ...files, "tokenizer_config.json": JSON.stringify(byClass) }),
    });
    expect(classOnly.vocabSize).toBe(reference.vocabSize);
  });

  test("missing or unreadable Kimi files are reported by name", async () => {
    const { "tokenization_kimi.py": _python, ...noModule } = kimiFiles();
    await expect(loadTokenizer({ directory: directory(noModule) })).rejects.toThrow(
      /has no tokenization_kimi.py/,
    );
    const noPattern = directory({
      ...kimiFiles(),
      "tokenization_kimi.py": "class TikTokenTokenizer:\n    pass\n",
    });
    await expect(loadTokenizer({ directory: noPattern })).rejects.toThrow(/defines no pat_str/);
  });

  test("missing tokenizer.json, bad JSON and unreadable files", async () => {
    const empty = await loadTokenizer({ directory: directory({}) }).catch((e) => e);
    expect(empty).toBeInstanceOf(TokenizerNotFoundError);
    expect(empty).toMatchObject({ kind: "file", filename: "tokenizer.json" });
    await expect(
      loadTokenizer({
        directory: directory({ "tokenizer.json": tinyTokenizerJson(), "tokenizer_config.json": "[1]" }),
      }),
    ).rejects.toThrow(/must hold a JSON object/);
    await expect(loadTokenizer({ directory: directory({ "tokenizer.json": "{" }) })).rejects.toThrow(
      TokenizerFormatError,
    );
    // A directory where a file is expected cannot be read.
    const dir = directory({});
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "tokenizer_config.json"));
    await expect(loadTokenizer({ directory: dir })).rejects.toThrow(/Cannot read/);
  });

  test("an unknown model type in tokenizer.json is a TokenizerFormatError", async () => {
    const json = JSON.parse(tinyTokenizerJson()) as { model: object };
    const error = await loadTokenizer({ tokenizerJson: { ...json, model: { type: "Nope" } } }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TokenizerFormatError);
    expect(error.message).toMatch(/cannot be loaded/);
  });
});

describe("loadTokenizer from objects", () => {
  test("accepts raw JSON text and a chat template", async () => {
    const tokenizer = await loadTokenizer({
      tokenizerJson: tinyTokenizerJson(),
      chatTemplate: "{{ messages[0].content }}",
    });
    expect(tokenizer.name).toBe("tokenizer");
    expect(tokenizer.applyChatTemplate([{ role: "user", content: "x" }])).toBe("x");
  });

  test("a tiktoken tokenizer from its file contents", async () => {
    const files = kimiFiles();
    const tokenizer = await loadTokenizer({
      tiktokenModel: files["tiktoken.model"],
      tokenizerConfig: files["tokenizer_config.json"],
      patStr: "\\p{L}+|\\s+|[^\\s\\p{L}]+",
      name: "kimi",
    });
    expect(tokenizer.name).toBe("kimi");
    expect(tokenizer.applyChatTemplate([{ role: "user", content: "x" }], { addGenerationPrompt: true })).toBe(
      "<|im_user|>user<|im_middle|>x<|im_end|><|im_assistant|>assistant<|im_middle|>",
    );
  });
});
