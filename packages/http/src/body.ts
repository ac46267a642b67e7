import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import { zstdDecompress } from "./zstd.js";

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

/**
 * The `Accept-Encoding` httpx sends when python-zstandard is installed (it is a Tinker
 * dependency): `gzip, deflate, zstd`. Every one of them is decoded by {@link decodeContentEncoding}.
 */
export const ACCEPT_ENCODING = "gzip, deflate, zstd";

/**
 * Undoes a response's `Content-Encoding` (a comma-separated list, applied in order, so decoded in
 * reverse). `identity` and an empty header leave the bytes alone; `br` is decoded too.
 *
 * @throws Error on an unknown encoding or corrupt data.
 */
export async function decodeContentEncoding(
  body: Uint8Array,
  contentEncoding: string | undefined,
): Promise<Uint8Array> {
  if (!contentEncoding || body.byteLength === 0) return body;
  const codings = contentEncoding
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== "identity");
  let out = body;
  for (const coding of codings.reverse()) {
    switch (coding) {
      case "gzip":
      case "x-gzip":
        out = await gunzipAsync(out);
        break;
      case "deflate":
        out = await inflateAsync(out);
        break;
      case "br":
        out = await brotliAsync(out);
        break;
      case "zstd":
        out = await zstdDecompress(out);
        break;
      default:
        throw new Error(`unsupported Content-Encoding ${JSON.stringify(coding)}`);
    }
  }
  return out;
}

/** A response body classified by its content type (tinker-wire-spec.md §1.4, §6.3). */
export type ParsedBody =
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "protobuf"; readonly bytes: Uint8Array }
  | { readonly kind: "text"; readonly text: string };

/** The media type of a `Content-Type` value, lower-case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** True when the content type is protobuf: it contains `application/x-protobuf` (§6.3 rule 1). */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().includes("application/x-protobuf");
}

/** True when the media type ends with `json` (§1.4), e.g. `application/json`, `application/problem+json`. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return mediaType(contentType).endsWith("json");
}
