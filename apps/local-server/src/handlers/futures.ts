import { CancelFutureRequestSchema, FutureRetrieveRequestSchema } from "@tinker-ts/types";
import { HttpError } from "../errors.js";
import { accepts, json, jsonBody, type Reply, type RequestContext } from "../http/types.js";
import { parseRequest } from "../wire/validate.js";

/**
 * `POST /retrieve_future` (tinker-wire-spec.md §3.1 row 18, §6) and 0.38's `cancel_future`.
 *
 * A poll long-polls up to `pollTimeoutMs` and answers, in this order: 410 for an unknown or
 * expired id; `try_again` with a paused `queue_state` while a queue pause is active, or with
 * `active` when the work is still running; `{error, category}` for failed work;
 * `{"status":"complete_metadata","response_payload_size"}` when the payload is larger than
 * `inlineResultLimitBytes` and the poll allowed metadata only; otherwise the result, as protobuf
 * when the poll's Accept lists `application/x-protobuf` and the type has a protobuf form.
 */
export async function retrieveFuture(req: RequestContext): Promise<Reply> {
  const body = parseRequest(FutureRetrieveRequestSchema, jsonBody(req), "FutureRetrieveRequest");
  const { futures, faults, pollTimeoutMs, inlineResultLimitBytes } = req.runtime.parts;
  const id = body.request_id;
  req.logFields["request_id"] = id;
  const gone = () => new HttpError(410, `Promise ${id} is unknown or expired; resubmit the request.`);
  if (!futures.get(id)) throw gone();

  const pause = faults.activePause();
  if (pause) {
    // Hold the poll for the pause (capped), so that clients re-polling at once do not spin.
    await new Promise<void>((resolve) => {
      const timer = req.runtime.clock.setTimer(
        resolve,
        Math.min(pollTimeoutMs, pause.until - req.runtime.clock.now()),
      );
      req.signal.addEventListener(
        "abort",
        () => {
          timer.cancel();
          resolve();
        },
        { once: true },
      );
    });
    const still = faults.activePause();
    if (still) {
      return json(200, {
        type: "try_again",
        request_id: id,
        queue_state: still.state,
        ...(still.reason === undefined ? {} : { queue_state_reason: still.reason }),
      });
    }
  }

  const settled = await futures.wait(id, pollTimeoutMs, req.signal);
  const entry = futures.get(id);
  if (!entry) throw gone();
  if (!settled || !entry.outcome)
    return json(200, { type: "try_again", request_id: id, queue_state: "active" });
  const outcome = entry.outcome;
  if (outcome.kind === "failed") return json(200, { error: outcome.error, category: outcome.category });

  const wantsProto = outcome.result.proto !== undefined && accepts(req, "application/x-protobuf");
  const payload = wantsProto ? outcome.result.proto!() : Buffer.from(JSON.stringify(outcome.result.json()));
  if (body.allow_metadata_only && payload.length > inlineResultLimitBytes) {
    return json(200, { status: "complete_metadata", response_payload_size: payload.length });
  }
  return wantsProto
    ? { status: 200, bytes: payload, contentType: "application/x-protobuf" }
    : { status: 200, bytes: payload, contentType: "application/json" };
}

/** 0.38: `POST /cancel_future` fails a pending future (category user); unknown ids are 410. */
export async function cancelFuture(req: RequestContext): Promise<Reply> {
  const body = parseRequest(CancelFutureRequestSchema, jsonBody(req), "CancelFutureRequest");
  const { futures } = req.runtime.parts;
  if (!futures.get(body.request_id)) {
    throw new HttpError(410, `Promise ${body.request_id} is unknown or expired.`);
  }
  futures.settle(body.request_id, {
    kind: "failed",
    error: "Request cancelled by the client.",
    category: "user",
  });
  return json(200, {});
}
