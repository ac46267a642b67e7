import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TokenizerBackend } from "./backend.js";
import type { ChatTemplates } from "./chat-template.js";
import {
  describeCause,
  TokenizerFormatError,
  TokenizerNotFoundError,
  TokenizerOfflineError,
} from "./errors.js";
import { HfBackend, type TokenizerConfig } from "./hf-backend.js";
import { type HubFileResult, hubFile } from "./hub/download.js";
import { type HubOptions, resolveHubSettings } from "./hub/settings.js";
import { readKimiTokenizerSource } from "./tiktoken/python-source.js";
import { TiktokenBackend } from "./tiktoken/tiktoken-backend.js";
import { type BatchSettings, Tokenizer } from "./tokenizer.js";

/** Where a tokenizer's files come from. */
export type TokenizerSource =
  /** A Hugging Face Hub repository, at a branch, tag or commit (default `main`). */
  | { repoId: string; revision?: string | undefined }
  /** A local directory holding tokenizer.json (or tiktoken.model) and tokenizer_config.json. */
  | { directory: string }
  /** The parsed (or raw JSON) contents of tokenizer.json and tokenizer_config.json. */
  | {
      tokenizerJson: object | string;
      tokenizerConfig?: object | string | undefined;
      /** A chat template overriding the one in tokenizer_config.json. */
      chatTemplate?: string | undefined;
      name?: string | undefined;
    }
  /**
   * A Kimi-style tiktoken tokenizer: the contents of tiktoken.model and tokenizer_config.json,
   * encoded by js-tiktoken (slow on long runs of one character; see `Tokenizer.encode`).
   */
  | {
      tiktokenModel: string;
      tokenizerConfig: object | string;
      /** Pre-tokenizer pattern in tiktoken (Rust regex) syntax, as `pat_str` in tokenization_kimi.py. */
      patStr: string;
      numReservedSpecialTokens?: number | undefined;
      name?: string | undefined;
    };

/** Options of {@link loadTokenizer} and `getTokenizer`. */
export interface LoadTokenizerOptions extends HubOptions {
  /** Cancels downloads. */
  signal?: AbortSignal;
  /** Worker-thread settings of `encodeBatch`. */
  batch?: BatchSettings;
}

/** A file read from a repository or directory: its text and, when it is on disk, its path. */
interface FileText {
  text: string;
  path: string | undefined;
}

/** Reads files of one tokenizer by name; `undefined` when the file does not exist. */
interface FileReader {
  readonly name: string;
  readonly revision: () => string | undefined;
  /** `optional` files missing from an offline cache count as absent, as in transformers. */
  read(filename: string, optional: boolean): Promise<FileText | undefined>;
}

/**
 * Loads a tokenizer from the Hugging Face Hub (through the huggingface_hub cache, see `hubFile`), a
 * local directory, or in-memory files (tinker-wire-spec.md §8.11). The files a repository needs:
 *
 * - `tokenizer_config.json` (optional): special tokens and the chat template;
 * - `tokenizer.json`, loaded with @huggingface/tokenizers; or, for Kimi repositories (whose config
 *   names the `TikTokenTokenizer` class), `tiktoken.model` plus the Python module named in
 *   `auto_map` (`tokenization_kimi.py`), from which `pat_str` and `num_reserved_special_tokens`
 *   are read, loaded with js-tiktoken;
 * - `chat_template.jinja` (optional): overrides the config's template, as in transformers.
 *
 * Hub files are all taken from the commit the first one resolves to, so a branch that moves
 * during the load cannot mix two versions.
 *
 * @throws TokenizerNotFoundError, TokenizerAccessError, TokenizerOfflineError, TokenizerDownloadError
 *   from the Hub; TokenizerFormatError for malformed files.
 */
export async function loadTokenizer(
  source: TokenizerSource,
  options: LoadTokenizerOptions = {},
): Promise<Tokenizer> {
  if ("tokenizerJson" in source) {
    const config = parseConfig(source.tokenizerConfig);
    const json =
      typeof source.tokenizerJson === "string"
        ? parseJson(source.tokenizerJson, "tokenizer.json")
        : source.tokenizerJson;
    return new Tokenizer({
      name: source.name ?? "tokenizer",
      revision: undefined,
      backend: new HfBackend(json, config, undefined),
      config,
      chatTemplate: source.chatTemplate ?? config.chat_template,
      batch: options.batch,
    });
  }
  if ("tiktokenModel" in source) {
    const config = parseConfig(source.tokenizerConfig);
    return new Tokenizer({
      name: source.name ?? "tokenizer",
      revision: undefined,
      backend: new TiktokenBackend({
        tiktokenModel: source.tiktokenModel,
        config,
        patStr: source.patStr,
        numReservedSpecialTokens: source.numReservedSpecialTokens,
      }),
      config,
      chatTemplate: config.chat_template,
      batch: options.batch,
    });
  }
  const reader = "directory" in source ? directoryReader(source.directory) : hubReader(source, options);
  return loadFromFiles(reader, options);
}

async function loadFromFiles(reader: FileReader, options: LoadTokenizerOptions): Promise<Tokenizer> {
  const configFile = await reader.read("tokenizer_config.json", true);
  const config = parseConfig(configFile?.text);
  const remoteModule = tiktokenModule(config);
  const required = async (filename: string): Promise<FileText> => {
    const file = await reader.read(filename, false);
    if (file) return file;
    throw new TokenizerNotFoundError(`${reader.name} has no ${filename}, which its tokenizer needs.`, {
      repoId: reader.name,
      revision: reader.revision(),
      filename,
      kind: "file",
    });
  };
  const [files, jinja] = await Promise.all([
    remoteModule
      ? Promise.all([required("tiktoken.model"), required(remoteModule)])
      : Promise.all([required("tokenizer.json")]),
    reader.read("chat_template.jinja", true),
  ]);
  let backend: TokenizerBackend;
  if (remoteModule) {
    const [model, python] = files as [FileText, FileText];
    const definition = readKimiTokenizerSource(python.text);
    if (!definition) {
      throw new TokenizerFormatError(
        `${remoteModule} of ${reader.name} defines no pat_str that can be read.`,
        {
          repoId: reader.name,
          filename: remoteModule,
        },
      );
    }
    backend = new TiktokenBackend({
      tiktokenModel: model.text,
      config,
      patStr: definition.patStr,
      numReservedSpecialTokens: definition.numReservedSpecialTokens,
    });
  } else {
    const [json] = files as [FileText];
    backend = new HfBackend(parseJson(json.text, "tokenizer.json", reader.name), config, json.path);
  }
  return new Tokenizer({
    name: reader.name,
    revision: reader.revision(),
    backend,
    config,
    chatTemplate: jinja?.text ?? (config.chat_template as ChatTemplates),
    batch: options.batch,
  });
}

/**
 * The Python module of a tiktoken tokenizer (`tokenization_kimi.py`) when tokenizer_config.json
 * names the `TikTokenTokenizer` class, else undefined (a `tokenizer.json` tokenizer).
 */
function tiktokenModule(config: TokenizerConfig): string | undefined {
  const auto = config.auto_map?.["AutoTokenizer"];
  const reference = [auto].flat().find((entry): entry is string => typeof entry === "string");
  const byClass = config.tokenizer_class === "TikTokenTokenizer";
  if (reference?.includes("TikToken")) return `${reference.slice(0, reference.lastIndexOf("."))}.py`;
  return byClass ? "tokenization_kimi.py" : undefined;
}

function directoryReader(directory: string): FileReader {
  return {
    name: directory,
    revision: () => undefined,
    async read(filename) {
      const path = join(directory, filename);
      try {
        return { text: await readFile(path, "utf8"), path };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new TokenizerFormatError(`Cannot read ${path}: ${describeCause(error)}`, {
          filename,
          cause: error,
        });
      }
    },
  };
}

function hubReader(source: { repoId: string; revision?: string | undefined }, options: LoadTokenizerOptions) {
  const settings = resolveHubSettings(options);
  let revision = source.revision ?? "main";
  let commit: string | undefined;
  const reader: FileReader = {
    name: source.repoId,
    revision: () => commit,
    async read(filename, optional) {
      let result: HubFileResult;
      try {
        result = await hubFile(
          { repoId: source.repoId, revision, filename },
          { settings, signal: options.signal },
        );
      } catch (error) {
        if (optional && error instanceof TokenizerOfflineError) return undefined;
        throw error;
      }
      if (result.commit && commit === undefined) {
        // Later files come from the same commit, whatever the branch does meanwhile.
        commit = result.commit;
        revision = result.commit;
      }
      if (!result.found) return undefined;
      return { text: await readFile(result.path, "utf8"), path: result.path };
    },
  };
  return reader;
}

function parseConfig(value: object | string | undefined): TokenizerConfig {
  if (value === undefined) return {};
  const parsed = typeof value === "string" ? parseJson(value, "tokenizer_config.json") : value;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TokenizerFormatError("tokenizer_config.json must hold a JSON object.", {
      filename: "tokenizer_config.json",
    });
  }
  return parsed as TokenizerConfig;
}

function parseJson(text: string, filename: string, repoId?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = repoId ? ` of ${repoId}` : "";
    throw new TokenizerFormatError(
      `${filename}${where} is not valid JSON (${describeCause(error)}). If it came from the Hub cache, delete that ` +
        "snapshot and load again.",
      { repoId, filename, cause: error },
    );
  }
}
