/**
 * A forward_backward chunk, encoded at call time: the request carries the data as it was when the
 * call was made, and invalid input throws at once. The body is handed out once, to the first
 * submission, and then forgotten, so a sent chunk's bytes can be collected while its result is
 * polled rather than doubling the batch's memory until then. A resend after an expired future
 * (HTTP 410, which the server answers with the original request) encodes the chunk again from its
 * data, as the Python SDK encodes every submission.
 */
export class EncodedChunk {
  #body: Uint8Array | undefined;
  readonly #encode: () => Uint8Array;
  /** Size of the encoded body in bytes (before compression). */
  readonly bodyBytes: number;

  /** @param bytes the chunk's byte estimate (§8.2), which it holds of the dispatch budget. */
  constructor(
    readonly bytes: number,
    encode: () => Uint8Array,
  ) {
    this.#encode = encode;
    this.#body = encode();
    this.bodyBytes = this.#body.byteLength;
  }

  /** The call-time body the first time, a fresh encoding after that. */
  takeBody(): Uint8Array {
    const body = this.#body ?? this.#encode();
    this.#body = undefined;
    return body;
  }
}
