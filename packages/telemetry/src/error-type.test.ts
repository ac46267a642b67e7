import { describe, expect, it } from "vitest";
import { errorMessageOf, errorTypeOf } from "./error-type.js";

describe("errorTypeOf", () => {
  it("uses the error's name", () => {
    expect(errorTypeOf(new TypeError("x"))).toBe("TypeError");
    expect(errorTypeOf(new DOMException("stop", "AbortError"))).toBe("AbortError");
  });

  it("uses the class name of an Error subclass that kept the name Error", () => {
    class ConfigProblem extends Error {}
    expect(errorTypeOf(new ConfigProblem("x"))).toBe("ConfigProblem");
    expect(errorTypeOf(new Error("x"))).toBe("Error");
  });

  it("describes thrown non-errors by their type", () => {
    expect(errorTypeOf("oops")).toBe("string");
    expect(errorTypeOf(undefined)).toBe("undefined");
    expect(errorTypeOf(null)).toBe("object");
    expect(errorTypeOf({ reason: 1 })).toBe("Object");
    expect(errorTypeOf(Object.create(null))).toBe("Object");
  });
});

describe("errorMessageOf", () => {
  it("uses message, else the value as a string", () => {
    expect(errorMessageOf(new Error("bad thing"))).toBe("bad thing");
    expect(errorMessageOf("plain")).toBe("plain");
    expect(errorMessageOf(42)).toBe("42");
    expect(errorMessageOf(Object.create(null))).toBe("[object Object]");
  });
});
