import type { IncomingHttpHeaders } from "node:http";
import type { Principal } from "../auth.js";
import { HttpError } from "../errors.js";
import type { ServerRuntime } from "../runtime.js";
import { mediaType, parseJson } from "./body.js";

/** One request as handlers see it: body already read and decoded, caller authenticated. */
export interface RequestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Body after Content-Encoding decoding. */
  body: Buffer;
  /** Media type of Content-Type, lower-cased, without parameters. */
  contentType: string;
  /** The authenticated caller (a placeholder for routes that need no auth). */
  principal: Principal;
  /** Aborts when the client disconnects or the server closes. */
  signal: AbortSignal;
  runtime: ServerRuntime;
  /** Extra fields for this request's log line (for example the polled request_id). */
  logFields: Record<string, unknown>;
}

/** What a handler answers. Objects are sent as JSON; buffers need a content type. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  bytes?: Uint8Array;
  contentType?: string;
}

/** An endpoint implementation. */
export type Handler = (req: RequestContext) => Promise<Reply>;

/** How a route authenticates: none, API key only (`/auth/token`), or key or JWT. */
export type AuthMode = "none" | "api_key" | "any";

/** A handler plus the checks the dispatcher runs before it. */
export interface RouteSpec {
  handler: Handler;
  auth: AuthMode;
  /** Accepted request media types; undefined means the body is ignored. */
  accepts?: readonly string[];
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, json: body, headers } : { status, json: body };
}

/** The body parsed as JSON; enforces `application/json` (415 otherwise). */
export function jsonBody(req: RequestContext): unknown {
  if (req.contentType !== "application/json") {
    throw new HttpError(415, `Expected Content-Type application/json, got '${req.contentType || "none"}'.`);
  }
  return parseJson(req.body);
}

/** True when the Accept header lists `mime`. */
export function accepts(req: RequestContext, mime: string): boolean {
  const header = req.headers["accept"];
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").some((part) => mediaType(part) === mime);
}
