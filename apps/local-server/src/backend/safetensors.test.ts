import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

/** A file made of an 8-byte length and `json`, with no data section. */
function headerOnly(json: string): Uint8Array {
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

describe("safetensors (shared by the null and tiny backends)", () => {
  it("writes the layout of the format: u64 header length, padded JSON header, little-endian data", () => {
    const bytes = encodeSafetensors([["w", { shape: [2], data: Float32Array.from([1, -2]) }]], {
      format: "pt",
    });
    const json = '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = json + " ".repeat((8 - (json.length % 8)) % 8);
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(padded.length));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + padded.length))).toBe(padded);
    // 1.0f = 0x3f800000 and -2.0f = 0xc0000000, least significant byte first.
    expect(Array.from(bytes.subarray(8 + padded.length))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  });

  it("round-trips F32 and F64 tensors in order with an 8-byte aligned data section", () => {
    const bytes = encodeSafetensors(
      [
        ["a", { shape: [2, 2], data: Float32Array.from([1, -2, 3.5, 4]) }],
        ["b", { shape: [1], data: Float64Array.from([Math.PI]) }],
      ],
      { format: "pt", step: "3" },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const file = decodeSafetensors(bytes);
    expect(file.metadata).toEqual({ format: "pt", step: "3" });
    expect([...file.tensors.keys()]).toEqual(["a", "b"]);
    expect(file.tensors.get("a")).toEqual({ shape: [2, 2], data: Float32Array.from([1, -2, 3.5, 4]) });
    expect(file.tensors.get("b")!.data).toBeInstanceOf(Float64Array);
    expect(file.tensors.get("b")!.data[0]).toBe(Math.PI);
  });

  it("reads a metadata-only file, and a file without metadata, from any byte offset", () => {
    expect(decodeSafetensors(encodeSafetensors([], { backend: "null" }))).toEqual({
      tensors: new Map(),
      metadata: { backend: "null" },
    });
    const inner = headerOnly("{}");
    const shifted = new Uint8Array(inner.length + 3);
    shifted.set(inner, 3);
    expect(decodeSafetensors(shifted.subarray(3)).metadata).toEqual({});
  });

  it("rejects truncated and malformed files with the file's name as path", () => {
    const ok = encodeSafetensors([["a", { shape: [2], data: Float32Array.from([1, 2]) }]], {});
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow("shorter than its 8-byte header");
    expect(() => decodeSafetensors(ok.subarray(0, 12))).toThrow("header length exceeds");
    expect(() => decodeSafetensors(ok.subarray(0, ok.length - 4))).toThrow("data_offsets");
    expect(() => decodeSafetensors(headerOnly("{"))).toThrow("not JSON");
    expect(() => decodeSafetensors(headerOnly("[1]"))).toThrow("not a JSON object");
    expect(() => decodeSafetensors(headerOnly('{"__metadata__":{"step":3}}'))).toThrow("map of strings");
    expect(() =>
      decodeSafetensors(headerOnly('{"a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}')),
    ).toThrow("only F32 and F64");
    expect(() => decodeSafetensors(headerOnly('{"a":{"dtype":"F32"}}'))).toThrow("lacks shape");
    expect(() => decodeSafetensors(headerOnly('{"a":null}'), "optimizer.safetensors")).toThrow(
      expect.objectContaining({ path: "optimizer.safetensors" }),
    );
  });
});
