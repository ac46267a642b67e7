import { TinkerError } from "@tinker-ts/types";
import { describe, expect, it } from "vitest";
import {
  APIConnectionError,
  APIError,
  APIResponseValidationError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  BillingError,
  ConflictError,
  InternalServerError,
  makeStatusError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestFailedError,
  UnprocessableEntityError,
} from "./errors.js";

const request = { method: "POST", url: "https://h/api/v1/x" };

describe("makeStatusError (§12, 0.38 _make_status_error)", () => {
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [402, BillingError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [504, InternalServerError],
  ] as const)("maps %i to %s", (status, cls) => {
    const error = makeStatusError(request, status, {}, "{}");
    expect(cls.isInstance(error)).toBe(true);
    expect(error.name).toBe(cls.name);
    expect(APIStatusError.isInstance(error)).toBe(true);
    expect(APIError.isInstance(error)).toBe(true);
    expect(TinkerError.isInstance(error)).toBe(true);
    expect(error.status).toBe(status);
  });

  it.each([302, 408, 410, 418])("keeps %i a plain APIStatusError", (status) => {
    const error = makeStatusError(request, status, {}, "");
    expect(error.constructor).toBe(APIStatusError);
  });

  it("formats messages like the Python SDK, rendering JSON instead of repr", () => {
    expect(makeStatusError(request, 400, {}, ' {"detail": "x"} ').message).toBe(
      'Error code: 400 - {"detail":"x"}',
    );
    expect(makeStatusError(request, 400, {}, "  plain text  ").message).toBe("plain text");
    expect(makeStatusError(request, 400, {}, "plain text").body).toBe("plain text");
    expect(makeStatusError(request, 502, {}, "   ").message).toBe("Error code: 502");
    expect(makeStatusError(request, 400, {}, '"just a string"').body).toBe("just a string");
  });

  it("reads the request id and never repeats an API key from the body", () => {
    const error = makeStatusError(
      request,
      401,
      { "x-request-id": "abc" },
      '{"detail":"bad key tml-secret123"}',
    );
    expect(error.requestId).toBe("abc");
    expect(error.message).toBe('Error code: 401 - {"detail":"bad key tml-****"}');
  });
});

describe("other errors", () => {
  it("connection and timeout errors carry Python's messages and no status", () => {
    const cause = new Error("ECONNRESET");
    const conn = new APIConnectionError({ request, cause });
    expect(conn.message).toBe("Connection error.");
    expect(conn.status).toBeUndefined();
    expect(conn.cause).toBe(cause);
    const timeout = new APITimeoutError({ request });
    expect(timeout.message).toBe("Request timed out.");
    expect(APIConnectionError.isInstance(timeout)).toBe(true);
    expect(APIStatusError.isInstance(timeout)).toBe(false);
  });

  it("validation and request-failed errors", () => {
    const v = new APIResponseValidationError({ request, status: 200, headers: {}, body: { a: 1 } });
    expect(v.message).toBe("Data returned by API invalid for expected schema.");
    expect(v.status).toBe(200);
    const failed = new RequestFailedError("Request failed: boom", "req-1", "user");
    expect(failed).toMatchObject({ requestId: "req-1", category: "user", name: "RequestFailedError" });
    expect(TinkerError.isInstance(failed)).toBe(true);
    expect(APIError.isInstance(failed)).toBe(false);
  });
});
