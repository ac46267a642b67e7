import {
  APIConnectionError,
  APIError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  BillingError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestFailedError,
  UnprocessableEntityError,
} from "@tinker-ts/http";
import { TokenizerLoadError } from "@tinker-ts/tokenizer";
import { InvalidInputError, TinkerError } from "@tinker-ts/types";
import { CliError, InterruptedError } from "./errors.js";

/**
 * Maps any error a command throws to the {@link CliError} the user sees, following the Python
 * CLI's `handle_api_errors` (tinker-wire-spec.md §13) class by class, with the server's detail,
 * the request id when there is one, and what to do next. Class checks use `isInstance`, so they
 * hold across duplicated package copies.
 */

interface Mapping {
  /** Matches the error class (checked in order: subclasses before their parents). */
  matches: (error: unknown) => boolean;
  message: (error: APIError) => string;
  /** Lines printed before `Details: …`: what to do next. */
  hint?: string;
}

const MAPPINGS: readonly Mapping[] = [
  {
    matches: (e) => NotFoundError.isInstance(e),
    message: () => "Resource not found",
    hint: "Check the id or path: `tinker run list` and `tinker checkpoint list` show what exists.",
  },
  {
    matches: (e) => AuthenticationError.isInstance(e),
    message: () => "Authentication failed",
    hint: "Please check your API key or authentication credentials (TINKER_API_KEY).",
  },
  {
    matches: (e) => BillingError.isInstance(e),
    message: () => "Billing issue",
    hint: "There is a billing issue with your account. Please check that billing is set up.",
  },
  {
    matches: (e) => PermissionDeniedError.isInstance(e),
    message: () => "Permission denied",
    hint: "You don't have permission to access this resource.",
  },
  { matches: (e) => BadRequestError.isInstance(e), message: () => "Invalid request" },
  {
    matches: (e) => ConflictError.isInstance(e),
    message: () => "Conflict",
    hint: "The resource is already in the requested state, or changed meanwhile.",
  },
  { matches: (e) => UnprocessableEntityError.isInstance(e), message: () => "Invalid data provided" },
  {
    matches: (e) => RateLimitError.isInstance(e),
    message: () => "Rate limit exceeded",
    hint: "Please wait a moment before trying again.",
  },
  {
    matches: (e) => InternalServerError.isInstance(e),
    message: () => "Internal server error",
    hint: "The Tinker API encountered an internal error. Please try again later.",
  },
  {
    matches: (e) => APITimeoutError.isInstance(e),
    message: () => "Request timeout",
    hint: "The request to Tinker API timed out. Please try again.",
  },
  {
    matches: (e) => APIConnectionError.isInstance(e),
    message: () => "Connection failed",
    hint: "Could not connect to the Tinker API. Please check your network connection and TINKER_BASE_URL.",
  },
  {
    matches: (e) => APIStatusError.isInstance(e),
    message: (e) => `API error (status ${e.status ?? "unknown"})`,
  },
  { matches: (e) => APIError.isInstance(e), message: () => "API error occurred" },
];

/** The server's own explanation: `detail` of a JSON error body when it is text, else the message. */
function serverDetail(error: APIError): string {
  const body = error.body;
  if (typeof body === "object" && body !== null) {
    const detail = (body as { detail?: unknown }).detail;
    if (typeof detail === "string" && detail !== "") return detail;
  }
  return error.message;
}

function joinLines(...lines: (string | undefined)[]): string | undefined {
  const present = lines.filter((line): line is string => line !== undefined && line !== "");
  return present.length > 0 ? present.join("\n") : undefined;
}

/** True for the rejection of an aborted fetch, stream or SDK call. */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    ((error as { name?: unknown }).name === "AbortError" ||
      (error as { code?: unknown }).code === "ABORT_ERR")
  );
}

/**
 * The user-facing error for `error`. CliErrors pass through; an abort after SIGINT becomes an
 * {@link InterruptedError} (exit 130); SDK errors are mapped as the Python CLI maps them; anything
 * else is "Unexpected error occurred: …".
 *
 * @param interrupted whether SIGINT was received (any failure after it is reported as interrupted).
 */
export function toCliError(error: unknown, interrupted = false): CliError {
  if (CliError.isInstance(error)) return error;
  if (interrupted || isAbortError(error)) return new InterruptedError(error);
  for (const mapping of MAPPINGS) {
    if (!mapping.matches(error)) continue;
    const apiError = error as APIError;
    return new CliError(mapping.message(apiError), {
      details: joinLines(mapping.hint, `Details: ${serverDetail(apiError)}`),
      requestId: apiError.requestId,
      status: apiError.status,
      type: apiError.name,
      cause: error,
    });
  }
  if (RequestFailedError.isInstance(error)) {
    return new CliError(error.category === "user" ? "Request rejected" : "Request failed", {
      details: joinLines(
        error.category === "user"
          ? "The server could not carry out the request as given; check its arguments."
          : "The server failed to carry out the request. Please try again later.",
        `Details: ${error.message}`,
      ),
      requestId: error.requestId,
      type: error.name,
      cause: error,
    });
  }
  if (InvalidInputError.isInstance(error)) {
    return new CliError(`Invalid input: ${error.message}`, { type: error.name, cause: error });
  }
  if (TokenizerLoadError.isInstance(error)) {
    // The tokenizer comes from the Hugging Face Hub, not from Tinker: Tinker credentials are no fix.
    return new CliError(`Tokenizer error: ${error.message}`, {
      details:
        "The model's tokenizer is loaded from the Hugging Face Hub or its local cache: check HF_HOME or " +
        "HF_HUB_CACHE (where the cache is), HF_HUB_OFFLINE (cache only), HF_TOKEN (gated or private " +
        "repositories), HF_ENDPOINT and the network.",
      type: error.name,
      cause: error,
    });
  }
  if (TinkerError.isInstance(error)) {
    return new CliError(`Configuration error: ${error.message}`, {
      details:
        "Please check your Tinker API credentials and configuration (TINKER_API_KEY, TINKER_BASE_URL).",
      type: error.name,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`Unexpected error occurred: ${message}`, {
    details: "Run again with --debug for the stack trace.",
    type: error instanceof Error ? error.name : typeof error,
    cause: error,
  });
}
