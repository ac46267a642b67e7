import { TinkerError } from "@tinker-ts/types";

/** Where a tokenizer file was looked for; every field is optional because local loads have no repo. */
export interface TokenizerFileRef {
  /** Hub repository id, for example `Qwen/Qwen3-8B`. */
  repoId?: string | undefined;
  /** The revision asked for (branch, tag or commit hash). */
  revision?: string | undefined;
  /** File name inside the repository or directory, for example `tokenizer.json`. */
  filename?: string | undefined;
  /** URL requested, for Hub downloads. */
  url?: string | undefined;
  /** HTTP status of the failing response, when there was one. */
  status?: number | undefined;
}

/**
 * Root of the errors raised while loading a tokenizer (tinker-wire-spec.md §8.11, §9.5). It carries
 * the repository, revision, file, URL and HTTP status involved, whichever are known.
 */
export class TokenizerLoadError extends TinkerError {
  readonly repoId: string | undefined;
  readonly revision: string | undefined;
  readonly filename: string | undefined;
  readonly url: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, ref: TokenizerFileRef & ErrorOptions = {}) {
    super(message, ref.cause === undefined ? undefined : { cause: ref.cause });
    this.repoId = ref.repoId;
    this.revision = ref.revision;
    this.filename = ref.filename;
    this.url = ref.url;
    this.status = ref.status;
  }
}

/** What was not found; see {@link TokenizerNotFoundError}. */
export type NotFoundKind = "repository" | "revision" | "file";

/**
 * The Hub has no such repository (404, or 401 without a token, which is how the Hub hides private
 * repositories), no such revision, or the repository lacks a required file; or a local directory
 * lacks one.
 */
export class TokenizerNotFoundError extends TokenizerLoadError {
  readonly kind: NotFoundKind;

  constructor(message: string, ref: TokenizerFileRef & ErrorOptions & { kind: NotFoundKind }) {
    super(message, ref);
    this.kind = ref.kind;
  }
}

/**
 * The Hub refused access (401/403): a gated or private repository. The message says to set
 * `HF_TOKEN` to a token that has been granted access.
 */
export class TokenizerAccessError extends TokenizerLoadError {}

/** `HF_HUB_OFFLINE` is set and a needed file is not in the local Hub cache. */
export class TokenizerOfflineError extends TokenizerLoadError {}

/** The Hub could not be reached, answered with an unexpected status, or sent a truncated file. */
export class TokenizerDownloadError extends TokenizerLoadError {}

/** A tokenizer file exists but cannot be used: invalid JSON, an unknown model type, a bad rank line. */
export class TokenizerFormatError extends TokenizerLoadError {}

/** The tokenizer cannot be loaded by this SDK, for example Thinking Machines' internal tokenizers. */
export class TokenizerUnsupportedError extends TokenizerLoadError {}

/**
 * The chat template is missing or failed while rendering (including its own `raise_exception`
 * calls, whose message is kept).
 */
export class ChatTemplateError extends TinkerError {}

/** A worker thread of `encodeBatch` failed to start or to encode. */
export class EncodeBatchError extends TinkerError {}

/** Short description of a caught value for error messages. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
