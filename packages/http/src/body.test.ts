import { createHash } from "node:crypto";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeContentEncoding, isJsonContentType, isProtobufContentType, mediaType } from "./body.js";
import { zstdCompress, zstdDecompress } from "./zstd.js";

const text = new TextEncoder().encode("hello hello hello hello tinker");

describe("decodeContentEncoding", () => {
  it.each([
    ["gzip", gzipSync(text)],
    ["x-gzip", gzipSync(text)],
    ["deflate", deflateSync(text)],
    ["br", brotliCompressSync(text)],
  ])("decodes %s", async (encoding, data) => {
    expect(Buffer.from(await decodeContentEncoding(data, encoding))).toEqual(Buffer.from(text));
  });

  it("decodes zstd, stacked encodings in reverse order, and leaves identity alone", async () => {
    expect(await decodeContentEncoding(await zstdCompress(text), "zstd")).toEqual(text);
    const stacked = gzipSync(await zstdCompress(text));
    expect(Buffer.from(await decodeContentEncoding(stacked, "zstd, gzip"))).toEqual(Buffer.from(text));
    expect(await decodeContentEncoding(text, "identity")).toBe(text);
    expect(await decodeContentEncoding(text, undefined)).toBe(text);
    expect(await decodeContentEncoding(new Uint8Array(0), "gzip")).toEqual(new Uint8Array(0));
  });

  it("rejects unknown encodings and corrupt data", async () => {
    await expect(decodeContentEncoding(text, "compress")).rejects.toThrow(/unsupported Content-Encoding/);
    await expect(decodeContentEncoding(text, "zstd")).rejects.toThrow(/not a zstd frame/);
  });
});

describe("zstd (§5, 0.38 proto_compress_fwdbwd)", () => {
  it("writes one level-3 frame with the content size and no checksum", async () => {
    const data = new Uint8Array(10_000).map((_, i) => i % 13);
    const frame = await zstdCompress(data);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0, true)).toBe(0xfd2fb528);
    const descriptor = frame[4]!;
    expect(descriptor >> 6 !== 0 || ((descriptor >> 5) & 1) === 1).toBe(true);
    expect((descriptor >> 2) & 1).toBe(0);
    expect(await zstdDecompress(frame)).toEqual(data);
  });

  it("decompresses a streamed frame without a content size, growing the buffer past 1 MiB", async () => {
    // A hand-built frame without Frame_Content_Size (what a streaming compressor writes): magic,
    // descriptor 0x00, window descriptor 0x58 (8 MiB), then 128 KiB RLE blocks.
    const payload = new Uint8Array(3 << 20).fill(7);
    const blocks: number[] = [];
    const maxBlock = 128 * 1024;
    for (let off = 0; off < payload.length; off += maxBlock) {
      const size = Math.min(maxBlock, payload.length - off);
      const last = off + size >= payload.length ? 1 : 0;
      // RLE block (type 1): header = last | (1 << 1) | (size << 3), then the one repeated byte.
      const header = last | (1 << 1) | (size << 3);
      blocks.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 7);
    }
    const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, ...blocks]);
    const out = await zstdDecompress(frame);
    // Buffer.equals: a deep toEqual over 3 MiB is needlessly slow.
    expect(out.length).toBe(payload.length);
    expect(Buffer.from(out).equals(Buffer.from(payload))).toBe(true);
  });
});

describe("content types (§1.4, §6.3)", () => {
  it.each([
    ["application/json", true, false],
    ["application/json; charset=utf-8", true, false],
    ["application/problem+json", true, false],
    ["APPLICATION/JSON", true, false],
    ["application/x-protobuf", false, true],
    ["application/x-protobuf; messageType=x", false, true],
    ["text/plain", false, false],
    [undefined, false, false],
  ])("%s", (contentType, json, proto) => {
    expect(isJsonContentType(contentType)).toBe(json);
    expect(isProtobufContentType(contentType)).toBe(proto);
  });

  it("extracts the media type", () => {
    expect(mediaType(" Application/JSON ; charset=utf-8")).toBe("application/json");
    expect(mediaType(undefined)).toBe("");
  });
});

describe("zstd frames match python-zstandard byte for byte", () => {
  // Golden SHA-256 prefixes of `zstandard.ZstdCompressor().compress(data)` (python-zstandard 0.25,
  // level 3) for the inputs below, computed once with the reference Python SDK's dependency.
  it.each([
    ["abc × 100", new TextEncoder().encode("abc".repeat(100)), 20, "3a01501a74756a33"],
    ["i % 7, 4096 bytes", new Uint8Array(4096).map((_, i) => i % 7), 24, "3a2ad06d6906a2fd"],
    ["0..255 × 1000", new Uint8Array(256_000).map((_, i) => i % 256), 291, "808414c56e73ff0b"],
  ])("%s", async (_label, data, length, sha256Prefix) => {
    const frame = await zstdCompress(data);
    expect(frame.length).toBe(length);
    expect(createHash("sha256").update(frame).digest("hex").slice(0, 16)).toBe(sha256Prefix);
  });
});
