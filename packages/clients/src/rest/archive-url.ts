import { APIStatusError } from "@tinker-ts/http";
import { type CheckpointArchiveUrlResponse, CheckpointArchiveUrlResponseSchema } from "@tinker-ts/types";
import type { ClientContext } from "../context.js";

/** Wait between archive attempts while the server answers 503 (still building), 30 s (§3.3). */
export const ARCHIVE_RETRY_DELAY_MS = 30_000;
/** Attempts made while the server answers 503, 6 (§3.3). */
export const ARCHIVE_MAX_ATTEMPTS = 6;
/** Expiry assumed for a 302 without an `Expires` header, 15 min (§3.3). */
export const ARCHIVE_DEFAULT_EXPIRY_MS = 15 * 60_000;

/**
 * The signed download URL of a checkpoint archive (tinker-wire-spec.md §3.3): `GET …/archive`
 * with redirects off and `accept: application/json` on the redirect-safe pool, inside
 * `executeWithRetries`.
 *
 * - 200 with `{url, expires}` is returned as is;
 * - 302: `url` from `Location`, `expires` from the `Expires` HTTP-date (default now + 15 min);
 *   a 302 without `Location` is an error;
 * - 503 (the archive is still being built), once the base client's retries are spent: wait 30 s
 *   and try again, at most 6 attempts;
 * - anything else fails.
 *
 * @param sdkMethod the public method asking (`x-sdk-method`).
 * @throws the HTTP error of the last attempt.
 */
export function fetchArchiveUrl(
  context: ClientContext,
  trainingRunId: string,
  checkpointId: string,
  signal: AbortSignal,
  sdkMethod: string,
): Promise<CheckpointArchiveUrlResponse> {
  const { http, clock, logger } = context;
  const path = `/api/v1/training_runs/${trainingRunId}/checkpoints/${checkpointId}/archive`;
  const attempt = async (): Promise<CheckpointArchiveUrlResponse> => {
    for (let attemptNo = 1; ; attemptNo++) {
      try {
        return await http.requestJson(
          {
            method: "GET",
            path,
            followRedirects: false,
            headers: { accept: "application/json" },
            pool: "rest_support_redirect",
            signal,
            sdkMethod,
          },
          (value) => CheckpointArchiveUrlResponseSchema.parse(value),
        );
      } catch (error) {
        if (!APIStatusError.isInstance(error)) throw error;
        if (error.status === 302) return fromRedirect(error, clock.now());
        if (error.status !== 503 || attemptNo >= ARCHIVE_MAX_ATTEMPTS) throw error;
        logger.info(
          `Creating the archive of checkpoint ${checkpointId} of ${trainingRunId} (this may take a while)`,
        );
        await clock.sleep(ARCHIVE_RETRY_DELAY_MS, signal);
      }
    }
  };
  return http.executeWithRetries(attempt, { signal, name: "get_checkpoint_archive_url" });
}

function fromRedirect(error: APIStatusError, nowMs: number): CheckpointArchiveUrlResponse {
  const url = error.headers["location"];
  if (!url) throw error;
  const parsed = Date.parse(error.headers["expires"] ?? "");
  const expiresMs = Number.isNaN(parsed) ? nowMs + ARCHIVE_DEFAULT_EXPIRY_MS : parsed;
  return { url, expires: new Date(expiresMs).toISOString() };
}
