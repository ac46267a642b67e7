import type { RecordedRequest } from "@tinker-ts/local-server";
import { decodeForwardBackwardRequest } from "@tinker-ts/types/proto";

/**
 * The normalizer: turns one request recorded by `tinker-local --record` into a form where two
 * SDKs doing the same thing produce equal values. It erases what differs between any two runs
 * (uuids, session-derived ids, JWTs, timestamps, idempotency keys, measured round-trip times),
 * parses JSON bodies (so `1` and `1.0`, `1e-05` and `0.00001`, and key order no longer matter)
 * and decodes protobuf forward_backward bodies (so map order no longer matters). Transport
 * framing headers (`host`, `connection`, `content-length`) are dropped; every other header is
 * kept for the diff, where deliberate differences are explained by the allow-list.
 */

/** A recorded request after normalization. */
export interface NormalizedRequest {
  /** Position in the record file (completion order). */
  index: number;
  method: string;
  /** The path with ids replaced, for example `/api/v1/sessions/<uuid>/finish`. */
  path: string;
  query: Record<string, string>;
  /** Status the server answered (0: connection dropped). */
  status: number;
  /** Lower-case header names; normalized values. */
  headers: Record<string, string>;
  /** How the body was read. */
  bodyKind: "none" | "json" | "protobuf" | "text" | "binary";
  /** Parsed, decoded and normalized body (`undefined` when there is none). */
  body: unknown;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
// tinker-local's own address (a fresh port per run) and its signed download tokens.
const LOCAL_URL = /http:\/\/127\.0\.0\.1:\d+/g;
const DOWNLOAD_TOKEN = /\/_download\/[A-Za-z0-9._~-]+/g;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;

/** Headers that frame the transport rather than say anything about the request. */
export const transportHeaders: ReadonlySet<string> = new Set([
  "host",
  "connection",
  "content-length",
  "keep-alive",
  "transfer-encoding",
]);

/** Replaces uuids, JWTs, ISO-8601 timestamps and tinker-local URLs and download tokens inside a string. */
export function normalizeString(text: string): string {
  return text
    .replace(DOWNLOAD_TOKEN, "/_download/<token>")
    .replace(LOCAL_URL, "<tinker-local>")
    .replace(JWT, "<jwt>")
    .replace(UUID, "<uuid>")
    .replace(ISO_TIME, "<time>");
}

/** Deep copy of a JSON-like value with every string normalized; numbers and booleans unchanged. */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === "string") return normalizeString(value);
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeValue(v)]));
  }
  return value;
}

/** Normalizes one header value; `x-idempotency-key` and timing headers keep only their presence. */
export function normalizeHeader(name: string, value: string): string {
  if (name === "x-idempotency-key") return value === "" ? "" : "<idempotency-key>";
  if (name === "x-tinker-create-promise-roundtrip-time") {
    return Number.isFinite(Number(value)) ? "<seconds>" : value;
  }
  return normalizeString(value);
}

/** Converts decoded protobuf values (typed arrays, bigints) to plain JSON values. */
export function toPlain(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => toPlain(v));
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

/**
 * Field numbers present at the top level of a protobuf message, sorted and de-duplicated. The
 * decoded request merges `loss_fn_config` (field 5) and `loss_fn_config_v2`; this keeps which
 * of the two an SDK actually used visible in the diff.
 * @throws Error on a truncated or malformed message.
 */
export function protoTopLevelFields(bytes: Uint8Array): number[] {
  const fields = new Set<number>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      if (byte === undefined) throw new Error("truncated protobuf varint");
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    const wireType = tag % 8;
    fields.add(Math.floor(tag / 8));
    if (wireType === 0) varint();
    else if (wireType === 1) pos += 8;
    else if (wireType === 2) {
      const length = varint();
      pos += length;
    } else if (wireType === 5) pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wireType}`);
    if (pos > bytes.length) throw new Error("truncated protobuf field");
  }
  return [...fields].sort((a, b) => a - b);
}

function readBody(
  record: RecordedRequest,
  contentType: string,
): Pick<NormalizedRequest, "bodyKind" | "body"> {
  if (record.body_encoding === "none") return { bodyKind: "none", body: undefined };
  if (record.body_encoding === "utf8") {
    if (contentType.includes("json")) {
      try {
        return { bodyKind: "json", body: normalizeValue(JSON.parse(record.body)) };
      } catch {
        return { bodyKind: "text", body: normalizeString(record.body) };
      }
    }
    return { bodyKind: "text", body: normalizeString(record.body) };
  }
  const bytes = new Uint8Array(Buffer.from(record.body, "base64"));
  if (contentType.includes("protobuf") && record.path.endsWith("/forward_backward")) {
    try {
      const decoded = toPlain(decodeForwardBackwardRequest(bytes)) as Record<string, unknown>;
      return {
        bodyKind: "protobuf",
        body: normalizeValue({ ...decoded, _fields: protoTopLevelFields(bytes) }),
      };
    } catch (error) {
      return { bodyKind: "binary", body: `<undecodable protobuf: ${(error as Error).message}>` };
    }
  }
  return { bodyKind: "binary", body: `<${bytes.length} bytes>` };
}

/**
 * Normalizes one recorded request; `undefined` for the harness's own traffic (`/_admin/*`,
 * `/_download/*`), which is not SDK behaviour.
 */
export function normalizeRequest(record: RecordedRequest, index: number): NormalizedRequest | undefined {
  if (record.path.startsWith("/_")) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    const lower = name.toLowerCase();
    if (!transportHeaders.has(lower)) headers[lower] = normalizeHeader(lower, value);
  }
  return {
    index,
    method: record.method,
    path: normalizeString(record.path),
    query: normalizeValue(record.query) as Record<string, string>,
    status: record.status,
    headers,
    ...readBody(record, record.headers["content-type"] ?? ""),
  };
}

/**
 * Parses a `--record` JSON-lines file (one {@link RecordedRequest} per line; blank lines ignored).
 * @throws SyntaxError naming the line that is not JSON.
 */
export function parseRecords(jsonl: string): RecordedRequest[] {
  return jsonl
    .split("\n")
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== "")
    .map(([line, lineNumber]) => {
      try {
        return JSON.parse(line) as RecordedRequest;
      } catch (error) {
        throw new SyntaxError(`record line ${lineNumber} is not JSON: ${(error as Error).message}`);
      }
    });
}

/** Normalizes a whole record file, dropping harness traffic; indexes follow the file order. */
export function normalizeRecords(records: readonly RecordedRequest[]): NormalizedRequest[] {
  return records.flatMap((record, i) => normalizeRequest(record, i) ?? []);
}
