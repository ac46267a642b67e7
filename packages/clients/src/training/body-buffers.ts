/** A buffer lent to one submission of a chunk; {@link release} returns it once the POST settled. */
export interface BodyLease {
  /** At least the bytes asked for; the body is written into its start. */
  readonly bytes: Uint8Array;
  /** Hands the buffer back (idempotent). The bytes must not be read afterwards. */
  release(): void;
}

/**
 * The buffers that the `readDataAt: "send"` chunks of one call write their bodies into, each
 * reused by a later chunk once the POST that carried it has settled (tinker-wire-spec.md §8.2).
 *
 * Why: a body written for each send is garbage as soon as its POST returns, but V8 frees an
 * ArrayBuffer only at its next garbage collection, which it starts only once external memory has
 * grown by tens of MiB. On B2's 128 MiB batch (bench/README.md) the bodies of chunks already sent
 * waited for collection next to those in flight: peak RSS while sending was 1.91× the payload,
 * 1.54× with reuse (1.92× / 1.71× with zstd). With reuse, the bodies in memory are those the
 * dispatch budget lets be in flight at once.
 *
 * Free buffers are kept only while chunks of the call have yet to take their first body, so the
 * memory goes with the call's submission rather than staying until its result arrives; a resend
 * after that (HTTP 410) gets a buffer of its own.
 */
export class ChunkBodyBuffers {
  readonly #free: Uint8Array[] = [];
  readonly #capacity: number;
  #firstLeasesLeft: number;

  /**
   * @param capacity bytes of each pooled buffer: the largest body of the call's chunks.
   * @param firstLeases how many chunks of the call will write into a lease when first sent.
   */
  constructor(capacity: number, firstLeases: number) {
    this.#capacity = capacity;
    this.#firstLeasesLeft = firstLeases;
  }

  /** A buffer of at least `byteLength` bytes: a free one if any fits, else a new one. */
  lease(byteLength: number): BodyLease {
    const pooled = byteLength <= this.#capacity;
    const bytes =
      (pooled ? this.#free.pop() : undefined) ?? new Uint8Array(pooled ? this.#capacity : byteLength);
    if (this.#firstLeasesLeft > 0 && --this.#firstLeasesLeft === 0) this.#free.length = 0;
    let released = false;
    return {
      bytes,
      release: () => {
        // A second release would put the buffer in the free list twice: two chunks in flight
        // would then write into one buffer.
        if (released) return;
        released = true;
        if (pooled && this.#firstLeasesLeft > 0) this.#free.push(bytes);
      },
    };
  }
}
