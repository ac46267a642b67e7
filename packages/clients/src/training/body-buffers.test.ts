import { describe, expect, it } from "vitest";
import { ChunkBodyBuffers } from "./body-buffers.js";

describe("ChunkBodyBuffers", () => {
  it("lends buffers of the pool's capacity and reuses a released one", () => {
    const buffers = new ChunkBodyBuffers(32, 4);
    const first = buffers.lease(20);
    expect(first.bytes.byteLength).toBe(32);
    first.release();
    const second = buffers.lease(32);
    expect(second.bytes).toBe(first.bytes);
  });

  it("never lends one buffer to two submissions in flight, even when a lease is released twice", () => {
    const buffers = new ChunkBodyBuffers(8, 5);
    const first = buffers.lease(8);
    first.release();
    first.release();
    const a = buffers.lease(8);
    const b = buffers.lease(8);
    expect(a.bytes).toBe(first.bytes);
    expect(b.bytes).not.toBe(a.bytes);
  });

  it("lends a body larger than the capacity a buffer of its own and does not keep it", () => {
    const buffers = new ChunkBodyBuffers(8, 3);
    const large = buffers.lease(20);
    expect(large.bytes.byteLength).toBe(20);
    large.release();
    const next = buffers.lease(8);
    expect(next.bytes).not.toBe(large.bytes);
    expect(next.bytes.byteLength).toBe(8);
  });

  it("lets go of its buffers once every chunk has taken its first one", () => {
    const buffers = new ChunkBodyBuffers(8, 2);
    const first = buffers.lease(8);
    first.release();
    const second = buffers.lease(8); // the last first lease: reuses, then keeps nothing more
    expect(second.bytes).toBe(first.bytes);
    second.release();
    const resend = buffers.lease(8); // a resend after HTTP 410
    expect(resend.bytes).not.toBe(first.bytes);
    resend.release();
    expect(buffers.lease(8).bytes).not.toBe(resend.bytes);
  });
});
