import { describe, expect, it } from "vitest";
import { findUserError, isUserError, statusOf } from "./user-error.js";

class StatusError extends Error {
  constructor(
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(`status ${status}`, options);
  }
}

describe("isUserError (tinker-wire-spec.md §11)", () => {
  it.each([400, 401, 403, 404, 409, 410, 422, 429, 499])("treats status %d as a user error", (status) => {
    expect(isUserError(new StatusError(status))).toBe(true);
  });

  it.each([408, 399, 500, 503, 200])("does not treat status %d as a user error", (status) => {
    expect(isUserError(new StatusError(status))).toBe(false);
  });

  it("reads Node-style statusCode too", () => {
    expect(isUserError(Object.assign(new Error("x"), { statusCode: 404 }))).toBe(true);
    expect(statusOf(Object.assign(new Error("x"), { statusCode: 404 }))).toBe(404);
    expect(statusOf(Object.assign(new Error("x"), { status: "404" }))).toBeUndefined();
  });

  it("treats a request failure of category user as a user error, and other categories not", () => {
    expect(isUserError(Object.assign(new Error("failed"), { category: "user" }))).toBe(true);
    expect(isUserError(Object.assign(new Error("failed"), { category: "server" }))).toBe(false);
    expect(isUserError(Object.assign(new Error("failed"), { category: "unknown" }))).toBe(false);
  });

  it("finds a user error through the cause chain and returns the one found", () => {
    const inner = new StatusError(404);
    const outer = new Error("wrapper", { cause: new Error("middle", { cause: inner }) });
    expect(findUserError(outer)).toBe(inner);
    expect(isUserError(new Error("wrapper", { cause: new StatusError(500) }))).toBe(false);
  });

  it("stops on cause cycles", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isUserError(a)).toBe(false);
  });

  it("returns false for thrown non-objects", () => {
    expect(isUserError("400")).toBe(false);
    expect(isUserError(undefined)).toBe(false);
    expect(isUserError(null)).toBe(false);
    expect(statusOf(404)).toBeUndefined();
  });
});
