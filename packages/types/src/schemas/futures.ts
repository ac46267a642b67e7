import { TinkerError } from "../errors.js";
import type { QueueState, RequestErrorCategory } from "./enums.js";
import { QueueStateSchema, RequestErrorCategorySchema } from "./enums.js";

/**
 * What one `retrieve_future` JSON reply means (tinker-wire-spec.md §6.3), checked in the SDK's
 * order: `type == "try_again"`, then `status == "complete_metadata"`, then an `error` key, and
 * anything else is the result. (A protobuf reply, recognised by its content type, is a success
 * that the HTTP layer decodes with `@tinker-ts/types/proto`.)
 */
export type FutureOutcome =
  | {
      kind: "try_again";
      /** Wire state, or `unknown` for a value the SDK does not recognise. */
      queue_state: QueueState;
      /** Free-text reason shown to the user; absent when the server sent none. */
      queue_state_reason: string | undefined;
    }
  | {
      kind: "complete_metadata";
      /** Size in bytes of the payload to reserve before fetching it (0 when absent). */
      response_payload_size: number;
    }
  | { kind: "failed"; error: string; category: RequestErrorCategory }
  | { kind: "success"; result: Record<string, unknown> };

/**
 * Classifies a parsed `retrieve_future` JSON body the way Python SDK 0.38.0 does
 * (`lib/api_future_impl.py`): unknown queue states become `unknown`, unknown or missing error
 * categories become `unknown`, a missing `response_payload_size` is 0. The success result is
 * returned as is, for the caller to validate with the expected result schema.
 *
 * @throws TinkerError when the body is not a JSON object.
 */
export function classifyFutureResponse(body: unknown): FutureOutcome {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new TinkerError(
      `retrieve_future returned ${Array.isArray(body) ? "an array" : String(body)} instead of a JSON object`,
    );
  }
  const record = body as Record<string, unknown>;
  if (record["type"] === "try_again") {
    const state = QueueStateSchema.safeParse(record["queue_state"]);
    const reason = record["queue_state_reason"];
    return {
      kind: "try_again",
      queue_state: state.success ? state.data : "unknown",
      queue_state_reason: typeof reason === "string" ? reason : undefined,
    };
  }
  if (record["status"] === "complete_metadata") {
    const size = record["response_payload_size"];
    return { kind: "complete_metadata", response_payload_size: typeof size === "number" ? size : 0 };
  }
  if ("error" in record) {
    const category = RequestErrorCategorySchema.safeParse(record["category"]);
    return {
      kind: "failed",
      error: String(record["error"]),
      category: category.success ? category.data : "unknown",
    };
  }
  return { kind: "success", result: record };
}
