import * as z from "zod/mini";

/**
 * Bodies of the endpoints Python SDK 0.38.0 added that the shared schemas of `@tinker-ts/types`
 * do not cover yet (the lead may move them there): `join_sampling_session`, `cancel_future` and
 * `sessions/{id}/finish`. Strict like the SDK's `StrictBase` request models.
 */

/** `POST /join_sampling_session` (0.38 `JoinSamplingSessionRequest`). */
export const JoinSamplingSessionRequestSchema = z.strictObject({
  sampling_session_id: z.string(),
  type: z.optional(z.literal("join_sampling_session")),
});

/** `POST /cancel_future` (0.38 `InternalClientHolder._send_cancel_request`). */
export const CancelFutureRequestSchema = z.strictObject({ request_id: z.string() });

/** `POST /sessions/{id}/finish` (0.38 `ServiceClient.close`). */
export const FinishSessionRequestSchema = z.strictObject({
  reason: z.looseObject({ type: z.enum(["success", "errored", "interrupted"]) }),
  detail: z.nullish(z.string()),
});
