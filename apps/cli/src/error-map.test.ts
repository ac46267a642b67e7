import {
  APIConnectionError,
  APIResponseValidationError,
  APIStatusError,
  APITimeoutError,
  makeStatusError,
  RequestFailedError,
} from "@tinker-ts/http";
import { TokenizerDownloadError } from "@tinker-ts/tokenizer";
import { InvalidInputError, TinkerError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import { toCliError } from "./error-map.js";
import { CliError, UsageError } from "./errors.js";

const request = { method: "GET", url: "http://127.0.0.1/api/v1/training_runs" };
const status = (code: number, body: unknown = { detail: `detail ${code}` }, requestId?: string) =>
  makeStatusError(request, code, requestId ? { "x-request-id": requestId } : {}, JSON.stringify(body));

describe("toCliError (the Python CLI's handle_api_errors, tinker-wire-spec.md §13)", () => {
  const table: [number, string, string | undefined][] = [
    [400, "Invalid request", undefined],
    [401, "Authentication failed", "Please check your API key"],
    [402, "Billing issue", "billing issue"],
    [403, "Permission denied", "You don't have permission"],
    [404, "Resource not found", "tinker run list"],
    [409, "Conflict", "already in the requested state"],
    [422, "Invalid data provided", undefined],
    [429, "Rate limit exceeded", "Please wait a moment"],
    [500, "Internal server error", "internal error"],
    [503, "Internal server error", "internal error"],
    [418, "API error (status 418)", undefined],
  ];
  for (const [code, message, hint] of table) {
    it(`maps HTTP ${code} to "${message}" with the server's detail and the request id`, () => {
      const error = toCliError(status(code, undefined, "req-123"));
      expect(error.message).toBe(message);
      expect(error.exitCode).toBe(1);
      expect(error.status).toBe(code);
      expect(error.requestId).toBe("req-123");
      expect(error.details).toContain(`Details: detail ${code}`);
      if (hint) expect(error.details).toContain(hint);
    });
  }

  it("uses the whole message when the body has no text detail", () => {
    expect(toCliError(status(500, { error: "x" })).details).toContain(
      'Details: Error code: 500 - {"error":"x"}',
    );
  });

  it("maps transport errors, validation errors and failed futures", () => {
    expect(toCliError(new APITimeoutError({ request })).message).toBe("Request timeout");
    expect(toCliError(new APIConnectionError({ request })).message).toBe("Connection failed");
    expect(toCliError(new APIResponseValidationError({ request, status: 200 })).message).toBe(
      "API error occurred",
    );
    const user = toCliError(new RequestFailedError("bad tokens", "req-9", "user"));
    expect(user).toMatchObject({ message: "Request rejected", requestId: "req-9" });
    expect(user.details).toContain("Details: bad tokens");
    expect(toCliError(new RequestFailedError("oom", "req-8", "server")).message).toBe("Request failed");
  });

  it("reports bad input, SDK configuration errors and unexpected errors", () => {
    expect(toCliError(new InvalidInputError("nope")).message).toBe("Invalid input: nope");
    expect(toCliError(new TinkerError("no key")).message).toBe("Configuration error: no key");
    const offline = toCliError(new TokenizerDownloadError("Could not reach the Hugging Face Hub"));
    expect(offline.message).toBe("Tokenizer error: Could not reach the Hugging Face Hub");
    expect(offline.details).toContain("HF_HUB_OFFLINE");
    expect(offline.details).toContain("HF_TOKEN");
    expect(offline.details).not.toContain("TINKER_API_KEY");
    const unexpected = toCliError(new RangeError("boom"));
    expect(unexpected).toMatchObject({ message: "Unexpected error occurred: boom", type: "RangeError" });
    expect(unexpected.details).toContain("--debug");
    expect(toCliError("a string").message).toBe("Unexpected error occurred: a string");
  });

  it("passes CLI errors through and reports anything after SIGINT as interrupted (exit 130)", () => {
    const usage = new UsageError("bad");
    expect(toCliError(usage)).toBe(usage);
    expect(toCliError(new Error("socket closed"), true)).toMatchObject({
      message: "Interrupted",
      exitCode: 130,
    });
    expect(toCliError(new DOMException("aborted", "AbortError")).exitCode).toBe(130);
    expect(
      CliError.isInstance(toCliError(new APIStatusError("x", { request, status: 302, headers: {} }))),
    ).toBe(true);
  });
});
