import type { PreparedForwardBackwardRequest } from "@tinker-ts/types/proto";
import type { BodyLease, ChunkBodyBuffers } from "./body-buffers.js";
import type { ReadDataAt } from "./options.js";

/**
 * A forward_backward chunk, checked at call time so that invalid input throws before anything is
 * sent. When its body is written depends on {@link ReadDataAt}:
 * - `"call"`: at once, so the request carries the data as they were when the call was made. The
 *   body is handed out once, to the first submission, and then forgotten, so a sent chunk's bytes
 *   can be collected while its result is polled rather than doubling the batch's memory until then.
 * - `"send"`: each time the chunk is submitted, from the arrays as they are then (as the Python SDK
 *   encodes), into a buffer lent by the call's {@link ChunkBodyBuffers}, so only the chunks in
 *   flight have a body in memory.
 *
 * A resend after an expired future (HTTP 410, which the server answers with the original request)
 * writes the body again from the data in both modes, as the Python SDK encodes every submission.
 */
export class EncodedChunk {
  #body: Uint8Array | undefined;
  /** The checked body to write at each submission (`"send"`); unset in `"call"` mode. */
  readonly #prepared: PreparedForwardBackwardRequest | undefined;
  readonly #prepare: () => PreparedForwardBackwardRequest;
  /** Size of the body in bytes (before compression). */
  readonly bodyBytes: number;

  /**
   * @param bytes the chunk's byte estimate (§8.2), which it holds of the dispatch budget.
   * @param prepare checks the chunk and returns its unwritten body
   *   (`prepareForwardBackwardRequest`); called now, so its errors propagate from here.
   */
  constructor(
    readonly bytes: number,
    prepare: () => PreparedForwardBackwardRequest,
    readDataAt: ReadDataAt = "call",
  ) {
    const prepared = prepare();
    this.bodyBytes = prepared.byteLength;
    // In "call" mode only the body is kept, as before `readDataAt` existed (B2's 128 MiB batch
    // peaked 5–10% higher while the prepared tree was held too); a resend prepares again.
    if (readDataAt === "call") this.#body = prepared.serialize();
    else this.#prepared = prepared;
    this.#prepare = prepare;
  }

  /** Whether the first submission writes the body (`"send"`), and so takes a lease of `buffers`. */
  get writesWhenSent(): boolean {
    return this.#prepared !== undefined;
  }

  /**
   * The body for a submission, with the lease to release once the POST settled: the call-time
   * body the first time in `"call"` mode (nothing to release), otherwise a body written now into
   * a buffer of `buffers`.
   * @throws InvalidInputError when a typed array was transferred (detached) since the call.
   */
  takeBody(buffers: ChunkBodyBuffers): BodyLease {
    const body = this.#body;
    if (body !== undefined) {
      this.#body = undefined;
      return { bytes: body, release: () => {} };
    }
    const prepared = this.#prepared ?? this.#prepare();
    const lease = buffers.lease(prepared.byteLength);
    try {
      return { bytes: prepared.serializeInto(lease.bytes), release: lease.release };
    } catch (error) {
      lease.release();
      throw error;
    }
  }
}
