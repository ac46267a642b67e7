import { InvalidInputError } from "@tinker-ts/types";
import type { ClientContext } from "./context.js";
import { ClientClosedError } from "./errors.js";

/**
 * Reports the failure of a public call to Tinker telemetry (tinker-wire-spec.md §11, the Python
 * SDK's `@capture_exceptions(fatal=True)`): a user error (4xx other than 408, or a request failure
 * of category `user`) as the generic `user_error` event, anything else as `UNHANDLED_EXCEPTION`,
 * plus `SESSION_END` for a session. The events are queued and a flush starts; unlike Python the
 * caller does not wait for the flush, so errors surface without delay (`close()` flushes).
 *
 * Not reported: input rejected before sending (`InvalidInputError`), cancellations, and failures
 * caused by closing the client.
 */
export function reportFailure(context: ClientContext, error: unknown): void {
  if (!isReportable(context, error)) return;
  void context.telemetry?.logFatalException(error);
}

function isReportable(context: ClientContext, error: unknown): boolean {
  if (context.closeSignal.aborted) return false;
  if (InvalidInputError.isInstance(error) || ClientClosedError.isInstance(error)) return false;
  return !(error instanceof Error && error.name === "AbortError");
}

/**
 * `promise`, with its failure reported by {@link reportFailure} unless `signal` (the caller's
 * cancellation) aborted first. The returned promise settles like `promise`.
 */
export function withFailureReport<T>(
  context: ClientContext,
  promise: Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  return promise.catch((error: unknown) => {
    if (!signal?.aborted) reportFailure(context, error);
    throw error;
  });
}
