import type { IncomingMessage } from "node:http";
import { decompress, init as initZstd } from "@bokuweb/zstd-wasm";
import { HttpError } from "../errors.js";

/**
 * Reading request bodies: a size cap (413 beyond it), `Content-Encoding: zstd` decoding for
 * protobuf forward_backward bodies (tinker-wire-spec.md §5.2), and JSON parsing that answers 400
 * with a message instead of throwing.
 */

// `init()` re-instantiates the binding's one wasm module, which corrupts work in flight, so it must
// run once per process, not once per importing module: @tinker-ts/http (src/zstd.ts) shares this
// key when an SDK and the server run in one process.
const zstdReadyKey = Symbol.for("tinker-ts.zstd-wasm.ready");

/** Loads the zstd WebAssembly module once per process. */
export function ensureZstd(): Promise<void> {
  const shared = globalThis as { [zstdReadyKey]?: Promise<void> };
  shared[zstdReadyKey] ??= initZstd();
  return shared[zstdReadyKey];
}

/** Reads the whole body, refusing more than `maxBytes` bytes with 413. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) {
    throw new HttpError(413, `Request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes.`, {
      headers: { connection: "close" },
    });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new HttpError(413, `Request body exceeds the limit of ${maxBytes} bytes.`, {
        headers: { connection: "close" },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Undoes `Content-Encoding` (only `identity` and `zstd` are accepted; anything else is 415).
 * The decoded size is capped at `maxBytes`.
 */
export async function decodeContent(
  raw: Buffer,
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const coding = (encoding ?? "identity").trim().toLowerCase();
  if (coding === "" || coding === "identity") return raw;
  if (coding !== "zstd") {
    throw new HttpError(415, `Unsupported Content-Encoding '${coding}'; send identity or zstd.`);
  }
  const declared = zstdContentSize(raw);
  if (declared !== undefined && declared > maxBytes) {
    throw new HttpError(413, `zstd frame declares ${declared} bytes, over the limit of ${maxBytes} bytes.`);
  }
  await ensureZstd();
  let decoded: Uint8Array;
  try {
    decoded = decompress(raw);
  } catch (error) {
    throw new HttpError(400, "Body is not a valid zstd frame (Content-Encoding: zstd).", { cause: error });
  }
  if (decoded.length > maxBytes) {
    throw new HttpError(413, `Decompressed body exceeds the limit of ${maxBytes} bytes.`);
  }
  return Buffer.from(decoded.buffer, decoded.byteOffset, decoded.length);
}

/**
 * The decompressed size a zstd frame header declares (RFC 8878 §3.1.1.1), so that a tiny body
 * claiming gigabytes is refused before anything is allocated. Undefined when the frame does not
 * declare it (or is not a zstd frame; decompression reports that).
 */
export function zstdContentSize(frame: Uint8Array): number | undefined {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) {
    return undefined;
  }
  const descriptor = frame[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return undefined;
  const start = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  if (frame.length < start + fcsBytes) return undefined;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + frame[start + i]!;
  return fcsBytes === 2 ? size + 256 : size;
}

/** The media type of a Content-Type header, lower-cased and without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Parses a JSON body; an empty or malformed body is a 400 with the parser's reason. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, "Request body is empty; expected a JSON object.");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new HttpError(400, `Request body is not valid JSON: ${(error as Error).message}`);
  }
}
