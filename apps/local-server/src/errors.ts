import { TinkerError } from "@tinker-ts/types";

/**
 * An error the server answers with an HTTP status and a JSON body `{"detail": message, ...extra}`
 * (the FastAPI shape the real service uses). Handlers throw it; the dispatcher turns it into the
 * response, so a bad request never crashes the server and never gets an empty body
 * (tinker-wire-spec.md §2.5, §18.13).
 */
export class HttpError extends TinkerError {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { extra?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  /** The JSON body sent to the client. */
  body(): Record<string, unknown> {
    return { detail: this.message, ...this.extra };
  }
}

/** 400 with a message saying what was wrong and, optionally, structured issues. */
export function badRequest(message: string, extra?: Record<string, unknown>): HttpError {
  return new HttpError(400, message, extra ? { extra } : {});
}

/** 404 for a resource that does not exist (or is not visible to the caller). */
export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}

/** 409 for a state conflict (name exists, already public, already private). */
export function conflict(message: string): HttpError {
  return new HttpError(409, message);
}
