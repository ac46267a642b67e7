import { availableParallelism } from "node:os";
import { InvalidInputError } from "@tinker-ts/types";
import type { TokenizerBackend } from "./backend.js";
import { EncodePool } from "./batch/encode-pool.js";
import {
  type ChatMessage,
  type ChatTemplateOptions,
  ChatTemplateRenderer,
  type ChatTemplates,
} from "./chat-template.js";
import { specialTokenContent, type TokenizerConfig } from "./hf-backend.js";

/** Options of {@link Tokenizer.encode} and {@link Tokenizer.encodeBatch}. */
export interface EncodeOptions {
  /**
   * Add the tokens the tokenizer's post-processor adds around a text (for example Llama 3's
   * `<|begin_of_text|>`), as Python's `encode(text, add_special_tokens=True)`. Default true.
   * Special tokens written in the text are recognised either way. Kimi (tiktoken) tokenizers add none.
   */
  addSpecialTokens?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Leave out special tokens (`<|im_end|>`, `<|begin_of_text|>`, …). Default false. */
  skipSpecialTokens?: boolean;
}

/** How {@link Tokenizer.encodeBatch} uses worker threads. */
export interface BatchSettings {
  /** Worker threads at most; default `os.availableParallelism()`. 1 or less keeps batches on the main thread. */
  maxWorkers?: number;
  /**
   * Batches with fewer UTF-16 code units in total stay on the main thread, where they finish sooner
   * than the messaging to workers (and the ~1 s start of a worker's tokenizer) would. Default 100 000.
   */
  minParallelChars?: number;
}

/** A special token and its id. */
export interface SpecialToken {
  token: string;
  id: number;
}

/** The special tokens tokenizer_config.json declares, those absent from the vocabulary left out. */
export interface SpecialTokens {
  bos: SpecialToken | undefined;
  eos: SpecialToken | undefined;
  pad: SpecialToken | undefined;
  unk: SpecialToken | undefined;
  /** `additional_special_tokens`, in config order. */
  additional: SpecialToken[];
}

/** What a loader hands to {@link Tokenizer}. */
export interface TokenizerInit {
  name: string;
  revision: string | undefined;
  backend: TokenizerBackend;
  config: TokenizerConfig;
  chatTemplate: ChatTemplates;
  batch: BatchSettings | undefined;
}

const DEFAULT_MIN_PARALLEL_CHARS = 100_000;

/**
 * A loaded tokenizer of a Tinker base model, the counterpart of the `PreTrainedTokenizer` that the
 * Python SDK's `get_tokenizer()` returns (tinker-wire-spec.md §8.11, §9.5). Token ids are int32
 * (`Int32Array`), the dtype of `encoded_text` chunks on the wire (§4.2). Get one from
 * `loadTokenizer` or `getTokenizer`.
 */
export class Tokenizer {
  /** Hub repository id, local directory, or the name given with in-memory files. */
  readonly name: string;
  /** Commit hash the files come from, for Hub loads whose commit is known. */
  readonly revision: string | undefined;
  /** One more than the largest token id, added tokens included (Python's `len(tokenizer)`). */
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokens;
  readonly #backend: TokenizerBackend;
  readonly #chat: ChatTemplateRenderer;
  readonly #maxWorkers: number;
  readonly #minParallelChars: number;
  #pool: EncodePool | undefined;

  /** @internal Built by the loaders. */
  constructor(init: TokenizerInit) {
    this.name = init.name;
    this.revision = init.revision;
    this.#backend = init.backend;
    this.vocabSize = init.backend.vocabSize;
    const special = (value: TokenizerConfig["bos_token"]): SpecialToken | undefined => {
      const token = specialTokenContent(value);
      const id = token === undefined ? undefined : init.backend.tokenToId(token);
      return token === undefined || id === undefined ? undefined : { token, id };
    };
    this.specialTokens = {
      bos: special(init.config.bos_token),
      eos: special(init.config.eos_token),
      pad: special(init.config.pad_token),
      unk: special(init.config.unk_token),
      additional: (init.config.additional_special_tokens ?? []).flatMap((t) => special(t) ?? []),
    };
    const templateVariables: Record<string, string> = {};
    for (const name of [
      "bos_token",
      "eos_token",
      "unk_token",
      "sep_token",
      "pad_token",
      "cls_token",
      "mask_token",
    ]) {
      const token = specialTokenContent(init.config[name] as TokenizerConfig["bos_token"]);
      if (token !== undefined) templateVariables[name] = token;
    }
    this.#chat = new ChatTemplateRenderer(init.chatTemplate, templateVariables);
    this.#maxWorkers = init.batch?.maxWorkers ?? availableParallelism();
    this.#minParallelChars = init.batch?.minParallelChars ?? DEFAULT_MIN_PARALLEL_CHARS;
  }

  /** Id of the beginning-of-sequence token, if the tokenizer has one. */
  get bosTokenId(): number | undefined {
    return this.specialTokens.bos?.id;
  }

  /** Id of the end-of-sequence token, if the tokenizer has one. */
  get eosTokenId(): number | undefined {
    return this.specialTokens.eos?.id;
  }

  /** Id of the padding token, if the tokenizer has one. */
  get padTokenId(): number | undefined {
    return this.specialTokens.pad?.id;
  }

  /**
   * Token ids of `text`, as Python's `tokenizer.encode(text)`. The encoding is done by tiktoken
   * (Qwen3, Llama 3 and other tokenizer.json files in their layout), @huggingface/tokenizers (other
   * tokenizer.json files, and text with a pre-tokenizer piece over 2 048 bytes) or js-tiktoken
   * (Kimi's tiktoken.model). With Kimi, a long run of one repeated character is slow: js-tiktoken's
   * merge loop is quadratic in the run length (25 000 spaces: over a minute; see the README,
   * "Performance").
   * @returns int32 ids, one per token.
   * @throws InvalidInputError when `text` is not a string.
   */
  encode(text: string, options: EncodeOptions = {}): Int32Array {
    checkText(text, "text");
    return this.#backend.encode(text, options.addSpecialTokens ?? true);
  }

  /**
   * Token ids of many texts, in input order. Large batches (see {@link BatchSettings}) are spread
   * over worker threads, each holding its own copy of the tokenizer; the results are the same as
   * {@link Tokenizer.encode}'s.
   * @throws InvalidInputError when an element is not a string.
   * @throws EncodeBatchError when a worker thread fails.
   */
  async encodeBatch(texts: readonly string[], options: EncodeOptions = {}): Promise<Int32Array[]> {
    let chars = 0;
    texts.forEach((text, i) => {
      checkText(text, `texts[${i}]`);
      chars += text.length;
    });
    const addSpecialTokens = options.addSpecialTokens ?? true;
    if (this.#maxWorkers <= 1 || texts.length < 2 || chars < this.#minParallelChars) {
      return texts.map((text) => this.#backend.encode(text, addSpecialTokens));
    }
    this.#pool ??= new EncodePool(this.#backend.workerSpec, this.#maxWorkers);
    return this.#pool.encode(
      texts,
      (text) => this.#backend.splitForWorker(text, addSpecialTokens),
      addSpecialTokens,
    );
  }

  /**
   * Text of token ids, as Python's `tokenizer.decode(ids, skip_special_tokens=…)` with transformers 5.
   * Ids outside the vocabulary are skipped, as the Rust tokenizers do.
   * @param ids token ids (any integer array-like: `Int32Array`, `number[]`).
   * @throws InvalidInputError when an id is not a non-negative integer.
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const list = Array.from(ids);
    list.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0) {
        throw new InvalidInputError(`Token ids must be non-negative integers; ids[${i}] is ${id}.`, {
          path: `ids[${i}]`,
        });
      }
    });
    return this.#backend.decode(list, options.skipSpecialTokens ?? false);
  }

  /**
   * Renders a conversation with the model's chat template, as transformers'
   * `apply_chat_template(messages, tokenize=False, add_generation_prompt=…)`. Encode the result with
   * `{ addSpecialTokens: false }`: templates write the special tokens themselves.
   * @throws ChatTemplateError when there is no template or it fails.
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    return this.#chat.render(messages, options);
  }

  /** Id of a vocabulary or special token string, if present. */
  tokenToId(token: string): number | undefined {
    return this.#backend.tokenToId(token);
  }

  /** Token string of an id, if present. */
  idToToken(id: number): string | undefined {
    return this.#backend.idToToken(id);
  }

  /** Stops the worker threads of {@link Tokenizer.encodeBatch}; the tokenizer stays usable. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkText(text: unknown, path: string): void {
  if (typeof text !== "string") {
    throw new InvalidInputError(`Only strings can be encoded; ${path} is ${typeof text}.`, { path });
  }
}
