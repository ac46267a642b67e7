import { compress, init } from "@bokuweb/zstd-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeContent, mediaType, parseJson, zstdContentSize } from "./body.js";

beforeAll(async () => {
  await init();
});

describe("request bodies", () => {
  it("reads the declared size of zstd frames and refuses frames over the limit", async () => {
    const data = Buffer.alloc(100_000, 7);
    const frame = compress(data, 3);
    expect(zstdContentSize(frame)).toBe(100_000);
    expect(zstdContentSize(new Uint8Array([1, 2, 3, 4, 5, 6]))).toBeUndefined();
    await expect(decodeContent(Buffer.from(frame), "zstd", 1000)).rejects.toMatchObject({ status: 413 });
    expect((await decodeContent(Buffer.from(frame), "zstd", 200_000)).equals(data)).toBe(true);
    expect((await decodeContent(Buffer.from("x"), undefined, 10)).toString()).toBe("x");
    await expect(decodeContent(Buffer.from("x"), "br", 10)).rejects.toMatchObject({ status: 415 });
  });

  it("parses media types and JSON with 400s for bad input", () => {
    expect(mediaType("Application/JSON; charset=utf-8")).toBe("application/json");
    expect(mediaType(undefined)).toBe("");
    expect(parseJson(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(() => parseJson(Buffer.alloc(0))).toThrow("empty");
    expect(() => parseJson(Buffer.from("{"))).toThrow("not valid JSON");
  });
});
