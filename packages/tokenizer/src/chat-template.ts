import { Template } from "@huggingface/jinja";
import { ChatTemplateError, describeCause } from "./errors.js";

/** One chat message as chat templates read it; templates may read extra fields (`tool_calls`, …). */
export interface ChatMessage {
  role: string;
  content: string | readonly Record<string, unknown>[];
  [field: string]: unknown;
}

/** Options of {@link Tokenizer.applyChatTemplate}, named after transformers' `apply_chat_template`. */
export interface ChatTemplateOptions {
  /** Append the header that opens the assistant's reply (`add_generation_prompt`). Default false. */
  addGenerationPrompt?: boolean;
  /** Tool JSON schemas, passed to the template as `tools`. */
  tools?: readonly Record<string, unknown>[];
  /** Documents for retrieval-augmented templates, passed as `documents`. */
  documents?: readonly Record<string, unknown>[];
  /** A template name (when tokenizer_config.json holds several) or a whole template to use instead. */
  chatTemplate?: string;
  /** Extra template variables, for example `{ enable_thinking: false }` for Qwen3. */
  templateKwargs?: Record<string, unknown>;
}

/** Templates as tokenizer_config.json holds them: one string, or a list of named ones. */
export type ChatTemplates = string | ReadonlyArray<{ name: string; template: string }> | undefined;

/** Message fields transformers 5 treats as the same reasoning text (`_REASONING_FIELDS`). */
const REASONING_FIELDS = ["reasoning_content", "thinking", "reasoning"] as const;

/**
 * Renders chat templates with @huggingface/jinja the way transformers' `apply_chat_template(…,
 * tokenize=False)` renders them with Jinja2 (trim_blocks, lstrip_blocks, `raise_exception`,
 * `strftime_now`, Python-compatible `tojson`). Compiled templates are kept per template text.
 */
export class ChatTemplateRenderer {
  readonly #templates: ChatTemplates;
  readonly #specialTokens: Readonly<Record<string, string>>;
  readonly #compiled = new Map<string, Template>();

  /**
   * @param templates the template(s) of tokenizer_config.json or chat_template.jinja.
   * @param specialTokens `bos_token`, `eos_token`, … as strings: templates read them as variables.
   */
  constructor(templates: ChatTemplates, specialTokens: Readonly<Record<string, string>>) {
    this.#templates = templates;
    this.#specialTokens = specialTokens;
  }

  /** @throws ChatTemplateError when there is no template, or it fails to parse or render. */
  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    const source = this.#select(options);
    let template = this.#compiled.get(source);
    if (!template) {
      try {
        template = new Template(source);
        usePythonStrip(template.parsed);
      } catch (error) {
        throw new ChatTemplateError(`The chat template cannot be parsed: ${describeCause(error)}`, {
          cause: error,
        });
      }
      this.#compiled.set(source, template);
    }
    try {
      return template.render({
        ...PYTHON_STRIP_FUNCTIONS,
        ...this.#specialTokens,
        ...options.templateKwargs,
        messages: messages.map(aliasReasoning),
        tools: options.tools ?? null,
        documents: options.documents ?? null,
        add_generation_prompt: options.addGenerationPrompt ?? false,
      });
    } catch (error) {
      throw new ChatTemplateError(`The chat template failed: ${describeCause(error)}`, { cause: error });
    }
  }

  /** transformers' choice: the named template, else `tool_use` when tools are given, else `default`. */
  #select(options: ChatTemplateOptions): string {
    const templates = this.#templates;
    const requested = options.chatTemplate;
    if (typeof templates !== "string" && templates !== undefined) {
      const byName = new Map(templates.map((t) => [t.name, t.template]));
      if (requested !== undefined) return byName.get(requested) ?? requested;
      const chosen = (options.tools && byName.get("tool_use")) || byName.get("default");
      if (chosen !== undefined) return chosen;
      throw new ChatTemplateError(
        `This tokenizer has several chat templates (${[...byName.keys()].join(", ")}) and none is called ` +
          "default: choose one with { chatTemplate: name }.",
      );
    }
    const chosen = requested ?? templates;
    if (chosen === undefined) {
      throw new ChatTemplateError(
        "This tokenizer has no chat template (none in tokenizer_config.json or chat_template.jinja): " +
          "pass one with { chatTemplate }.",
      );
    }
    return chosen;
  }
}

/** transformers 5 copies the reasoning text under every name templates read it by. */
function aliasReasoning(message: ChatMessage): ChatMessage {
  const field = REASONING_FIELDS.find((name) => message[name] !== undefined && message[name] !== null);
  if (field === undefined) return message;
  const reasoning = message[field];
  return { thinking: reasoning, ...message, reasoning_content: reasoning };
}

/** Python's `str.isspace()` characters: what `strip()` removes when given no argument. */
const PYTHON_WHITESPACE =
  "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

/** Template globals that implement Python's `strip`, `lstrip` and `rstrip`, optional `chars` included. */
const PYTHON_STRIP_FUNCTIONS = {
  __tinker_strip: (s: unknown, chars?: unknown) => pythonStrip(s, chars, true, true),
  __tinker_lstrip: (s: unknown, chars?: unknown) => pythonStrip(s, chars, true, false),
  __tinker_rstrip: (s: unknown, chars?: unknown) => pythonStrip(s, chars, false, true),
};

function pythonStrip(s: unknown, chars: unknown, left: boolean, right: boolean): string {
  if (typeof s !== "string") throw new Error(`strip() called on ${typeof s}, not on a string`);
  const set = typeof chars === "string" ? chars : PYTHON_WHITESPACE;
  const units = Array.from(s);
  let start = 0;
  let end = units.length;
  while (left && start < end && set.includes(units[start]!)) start++;
  while (right && end > start && set.includes(units[end - 1]!)) end--;
  return units.slice(start, end).join("");
}

/**
 * @huggingface/jinja's `str.strip/lstrip/rstrip` ignore their `chars` argument (0.5.11), so Qwen3's
 * `content.lstrip('\\n')` would also remove leading spaces. Calls to them are rewritten, in the
 * parsed template, into calls of the {@link PYTHON_STRIP_FUNCTIONS} globals.
 */
function usePythonStrip(node: unknown): void {
  if (typeof node !== "object" || node === null) return;
  if (Array.isArray(node)) {
    for (const child of node) usePythonStrip(child);
    return;
  }
  const record = node as Record<string, unknown>;
  for (const child of Object.values(record)) usePythonStrip(child);
  if (record["type"] !== "CallExpression") return;
  const callee = record["callee"] as {
    type?: unknown;
    computed?: unknown;
    object?: unknown;
    property?: unknown;
  };
  const property = callee.property as { type?: unknown; value?: unknown } | undefined;
  const method = property?.value;
  if (
    callee.type === "MemberExpression" &&
    callee.computed === false &&
    property?.type === "Identifier" &&
    (method === "strip" || method === "lstrip" || method === "rstrip")
  ) {
    property.value = `__tinker_${method}`;
    record["callee"] = property;
    record["args"] = [callee.object, ...(record["args"] as unknown[])];
  }
}
