/**
 * Short class name of a thrown value, as Python's `type(e).__name__` would give it: the error's
 * `name` (`APIConnectionError`, `AbortError`), or its constructor's name for a subclass of
 * `Error` that did not set `name`. A thrown non-Error gives its `typeof`.
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error !== "object" || error === null) return typeof error;
  const name = (error as { name?: unknown }).name;
  if (typeof name === "string" && name !== "" && name !== "Error") return name;
  const constructorName = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof constructorName === "string" && constructorName !== "") return constructorName;
  return typeof name === "string" && name !== "" ? name : "Object";
}

/** The message of an error (`message`), or the value as a string for a thrown non-Error. */
export function errorMessageOf(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  try {
    return String(error);
  } catch {
    // An object whose toString throws (or a null-prototype object) still gets a message.
    return Object.prototype.toString.call(error);
  }
}
