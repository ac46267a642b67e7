/** HTTP status of an error: its numeric `status` (tinker-ts errors) or `statusCode` (undici, Node). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  if (typeof status === "number" && Number.isInteger(status)) return status;
  if (typeof statusCode === "number" && Number.isInteger(statusCode)) return statusCode;
  return undefined;
}

function isUserErrorItself(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  // A RequestFailedError (tinker-wire-spec.md §6.3) with category "user".
  if ((error as { category?: unknown }).category === "user") return true;
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 408;
}

/**
 * The error in `error`'s `cause` chain (itself first) that makes it a user error, or
 * `undefined` (tinker-wire-spec.md §11, Python `_get_user_error`). A user error is a request
 * failure with `category: "user"`, or an error whose HTTP status is 4xx other than 408. The
 * chain is followed through `cause` (Python's `__cause__`/`__context__`), cycles included.
 */
export function findUserError(error: unknown): object | undefined {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === "object" && current !== null; ) {
    if (seen.has(current)) return undefined;
    seen.add(current);
    if (isUserErrorItself(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * True when `error` is the user's mistake rather than an SDK or server failure, so telemetry
 * reports it as the generic event `user_error` (WARNING) instead of `UNHANDLED_EXCEPTION`
 * (tinker-wire-spec.md §11). See {@link findUserError}.
 */
export function isUserError(error: unknown): boolean {
  return findUserError(error) !== undefined;
}
