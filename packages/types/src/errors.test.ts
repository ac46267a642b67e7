import { describe, expect, test } from "vitest";
import { InvalidInputError, TinkerError } from "./errors.js";

describe("TinkerError.isInstance", () => {
  test("recognizes the class and its subclasses", () => {
    const error = new InvalidInputError("bad weights", { path: "data[0].loss_fn_inputs.weights" });
    expect(TinkerError.isInstance(error)).toBe(true);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error.name).toBe("InvalidInputError");
    expect(error.path).toBe("data[0].loss_fn_inputs.weights");
  });

  test("rejects a parent instance, plain errors and non-objects", () => {
    expect(InvalidInputError.isInstance(new TinkerError("x"))).toBe(false);
    expect(TinkerError.isInstance(new Error("x"))).toBe(false);
    expect(TinkerError.isInstance("TinkerError")).toBe(false);
    expect(TinkerError.isInstance(null)).toBe(false);
  });

  test("works across a duplicated copy of the class (same name, different identity)", () => {
    // A second copy of the package defines a class with the same name but another identity.
    class InvalidInputErrorCopy extends TinkerError {}
    Object.defineProperty(InvalidInputErrorCopy, "name", { value: "InvalidInputError" });
    const fromOtherCopy = new InvalidInputErrorCopy("x");
    expect(fromOtherCopy instanceof InvalidInputError).toBe(false);
    expect(InvalidInputError.isInstance(fromOtherCopy)).toBe(true);
  });
});
