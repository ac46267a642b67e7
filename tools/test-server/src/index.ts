/**
 * A small scriptable HTTP/1.1 server on 127.0.0.1 for the HTTP-layer tests of the SDK packages
 * (http, futures, telemetry). Tests script what the server answers — per route, as a handler or a
 * queue of canned responses — and then assert on what the server saw: every request is recorded
 * with its method, path, query, headers (including their exact spelling) and raw body.
 *
 * Besides plain answers it can misbehave on purpose, which is what retry tests need: hold a
 * response for a while, reset the connection before or in the middle of a response, or send an
 * empty-body 400 without `Content-Length` (the Cloudflare-style rejection of tinker-wire-spec.md §2.5).
 *
 * ```ts
 * const server = await startTestServer();
 * server.enqueue("POST", "/api/v1/x", { status: 503 }, { json: { ok: true } });
 * // ... run the client against server.url ...
 * expect(server.requestsTo("/api/v1/x")).toHaveLength(2);
 * await server.close();
 * ```
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request as the server received it. */
export interface RecordedRequest {
  /** Upper-case method, e.g. `POST`. */
  readonly method: string;
  /** Path without the query string, exactly as sent (no decoding), e.g. `/api/v1/x`. */
  readonly path: string;
  /** The raw request target, path plus query string. */
  readonly url: string;
  /** Query parameters, decoded; a repeated key keeps its last value. */
  readonly query: Readonly<Record<string, string>>;
  /** Headers keyed by lower-case name, as node:http parses them. */
  readonly headers: IncomingHttpHeaders;
  /** Header names and values in the order and spelling they arrived: `[name0, value0, name1, …]`. */
  readonly rawHeaders: readonly string[];
  /** The raw request body bytes (still compressed if the client compressed it). */
  readonly body: Buffer;
  /** The body decoded as UTF-8. */
  text(): string;
  /** The body parsed as JSON; throws if it is not JSON. */
  json(): unknown;
}

/**
 * What the server answers. Everything is optional: the default is `200` with an empty body.
 * `json` sets `Content-Type: application/json`; `body` is sent as given.
 */
export interface ScriptedResponse {
  /** HTTP status code. Default 200. */
  status?: number;
  /** Response headers, sent with the given spelling. */
  headers?: Record<string, string>;
  /** A JSON body (serialized with `JSON.stringify`). */
  json?: unknown;
  /** A raw body. */
  body?: string | Uint8Array;
  /** Milliseconds (real time) to wait before sending anything. */
  delayMs?: number;
  /**
   * Misbehaviour:
   * - `"reset"`: destroy the socket without answering;
   * - `"reset-mid-body"`: send the headers (with a `Content-Length` for the whole body) and the
   *   first half of the body, then destroy the socket;
   * - `"hang"`: never answer (the socket is destroyed when the server closes).
   */
  action?: "reset" | "reset-mid-body" | "hang";
  /** Send the body chunked, without `Content-Length` (also for an empty body). */
  omitContentLength?: boolean;
}

/** Computes the response for a request; may be async. */
export type RouteHandler = (request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;

/** A running test server. */
export interface TestServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Port the server listens on. */
  readonly port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests whose path equals `path` (query ignored). */
  requestsTo(path: string): RecordedRequest[];
  /**
   * Answers every request matching `method` (`"*"` for any) and `path` (exact string or RegExp)
   * with `handler`, unless a queued response for the route is pending. A later route for the same
   * method and path replaces the earlier one.
   */
  route(method: string, path: string | RegExp, handler: RouteHandler | ScriptedResponse): void;
  /**
   * Queues responses for `method` + exact `path`; each request takes the next one. When the queue
   * is empty, the route handler (if any) answers, else the server answers 404.
   */
  enqueue(method: string, path: string, ...responses: ScriptedResponse[]): void;
  /** Forgets routes, queues and recorded requests. */
  reset(): void;
  /** Stops the server, destroying open connections and pending held responses. */
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: string | RegExp;
  handler: RouteHandler;
}

/** Starts a test server on 127.0.0.1 with an ephemeral port. */
export async function startTestServer(): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  let routes: Route[] = [];
  let queues = new Map<string, ScriptedResponse[]>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const answer = async (request: RecordedRequest): Promise<ScriptedResponse> => {
    const queue = queues.get(`${request.method} ${request.path}`);
    const queued = queue?.shift();
    if (queued) return queued;
    const route = [...routes]
      .reverse()
      .find(
        (r) =>
          (r.method === "*" || r.method === request.method) &&
          (typeof r.path === "string" ? r.path === request.path : r.path.test(request.path)),
      );
    if (route) return route.handler(request);
    return { status: 404, json: { detail: `test server: no route for ${request.method} ${request.path}` } };
  };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = req.url ?? "/";
    const queryStart = url.indexOf("?");
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const query = Object.fromEntries(new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1)));
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      url,
      query,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      text: () => body.toString("utf8"),
      json: () => JSON.parse(body.toString("utf8")) as unknown,
    };
    requests.push(recorded);
    let scripted: ScriptedResponse;
    try {
      scripted = await answer(recorded);
    } catch (error) {
      scripted = { status: 500, json: { detail: `test server handler threw: ${String(error)}` } };
    }
    if (scripted.delayMs) await wait(scripted.delayMs);
    send(res, scripted);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    requestsTo: (p) => requests.filter((r) => r.path === p),
    route(method, path, handler) {
      const fn: RouteHandler = typeof handler === "function" ? handler : () => handler;
      routes = routes.filter((r) => !(r.method === method && String(r.path) === String(path)));
      routes.push({ method, path, handler: fn });
    },
    enqueue(method, path, ...responses) {
      const key = `${method} ${path}`;
      queues.set(key, [...(queues.get(key) ?? []), ...responses]);
    },
    reset() {
      routes = [];
      queues = new Map();
      requests.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, scripted: ScriptedResponse): void {
  if (scripted.action === "hang") return;
  if (scripted.action === "reset") {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  let body: Uint8Array = new Uint8Array(0);
  if (scripted.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = Buffer.from(JSON.stringify(scripted.json), "utf8");
  }
  if (scripted.body !== undefined) {
    body = typeof scripted.body === "string" ? Buffer.from(scripted.body, "utf8") : scripted.body;
  }
  Object.assign(headers, scripted.headers);
  const status = scripted.status ?? 200;
  if (scripted.action === "reset-mid-body") {
    res.writeHead(status, { ...headers, "Content-Length": String(Math.max(body.length, 2)) });
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
    return;
  }
  if (scripted.omitContentLength) {
    res.writeHead(status, headers);
    // Flushing the head before any body makes node:http choose chunked encoding, so no
    // Content-Length header goes out even for an empty body.
    res.flushHeaders();
    res.end(body);
    return;
  }
  res.writeHead(status, { ...headers, "Content-Length": String(body.length) });
  res.end(body);
}

export { FakeClock, settle } from "./fake-clock.js";
