import type { TinkerHttp } from "@tinker-ts/http";
import { encodeRequestBody } from "@tinker-ts/types";

/** Time limit of one `cancel_future` call: 30 s (Python SDK 0.38 `_send_cancel_request`). */
export const CANCEL_FUTURE_TIMEOUT_MS = 30_000;

/**
 * Asks the server to stop the work of an abandoned request: `POST /api/v1/cancel_future` with
 * `{"request_id": …}` on the `retrieve_promise` pool, 30 s timeout, no base-client retries, inside
 * `executeWithRetries` (tinker-wire-spec.md §7.2). This is what Python SDK 0.38 sends for a
 * cancelled `Sample` future when the dynamic config has `sample_cancel_enabled` (it batches up to
 * `sample_cancel_max_batch_size` of them concurrently and only logs failures); wire it to
 * `PollingFutureOptions.onCancel`.
 *
 * @throws the last error of `executeWithRetries` (e.g. a 410 `APIStatusError` for an unknown id),
 *   or `signal.reason` when aborted.
 */
export async function sendCancelFuture(
  http: Pick<TinkerHttp, "request" | "executeWithRetries">,
  requestId: string,
  options: { readonly signal?: AbortSignal | undefined } = {},
): Promise<void> {
  const { signal } = options;
  await http.executeWithRetries(
    () =>
      http.request({
        method: "POST",
        path: "/api/v1/cancel_future",
        body: encodeRequestBody("CancelFutureRequest", { request_id: requestId }),
        pool: "retrieve_promise",
        timeoutMs: CANCEL_FUTURE_TIMEOUT_MS,
        maxRetries: 0,
        signal,
      }),
    { signal },
  );
}
