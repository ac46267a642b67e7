// A loopback stand-in for the telemetry endpoint, and a fetch transport to it. Local to this
// package because @tinker-ts/test-server had no API yet when these tests were written.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TelemetrySendRequest } from "./events.js";
import { turn } from "./fake-clock.test-helpers.js";
import type { TelemetryTransport } from "./reporter.js";

/** How the server answers: JSON `{"status":"accepted"}`, another status/body, or never. */
export type ServerMode =
  | { kind: "accept" }
  | { kind: "reply"; status: number; body: string }
  | { kind: "hang" };

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  /** The body exactly as received. */
  readonly raw: string;
  readonly body: TelemetrySendRequest;
}

export interface TelemetryServer {
  readonly url: string;
  /** Every request received, in arrival order, whatever the mode answered. */
  readonly received: ReceivedRequest[];
  /** Requests whose connection the client closed before an answer (aborted sends). */
  readonly aborted: number;
  mode: ServerMode;
  /** Resolves once `count` requests have been received. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTelemetryServer(): Promise<TelemetryServer> {
  const received: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let aborted = 0;
  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    received.push({
      method: req.method ?? "",
      url: req.url ?? "",
      contentType: req.headers["content-type"],
      raw,
      body: JSON.parse(raw) as TelemetrySendRequest,
    });
    for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
    const mode = state.mode;
    if (mode.kind === "hang") {
      res.on("close", () => {
        if (!res.writableEnded) aborted += 1;
      });
      return;
    }
    const [status, body] = mode.kind === "accept" ? [200, '{"status":"accepted"}'] : [mode.status, mode.body];
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const state: TelemetryServer = {
    url: `http://127.0.0.1:${port}`,
    received,
    get aborted() {
      return aborted;
    },
    mode: { kind: "accept" },
    waitForRequests(count) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return state;
}

/** A transport that POSTs JSON with fetch and counts its sends; settles follow the reporter's view. */
export interface CountingTransport {
  readonly send: TelemetryTransport;
  /** Sends started. */
  readonly started: number;
  /** Sends finished (resolved or rejected). */
  readonly settled: number;
  /** Resolves once `count` sends have finished and the reporter has seen the outcome. */
  waitForSettled(count: number): Promise<void>;
}

export function fetchTransport(baseUrl: string): CountingTransport {
  let started = 0;
  let settled = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const send: TelemetryTransport = async (body, signal) => {
    started += 1;
    try {
      const response = await fetch(`${baseUrl}/api/v1/telemetry`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`telemetry POST failed with status ${response.status}: ${text}`);
      return JSON.parse(text) as unknown;
    } finally {
      settled += 1;
      // The reporter handles the outcome in the promise callbacks after this one.
      void turn().then(() => {
        for (const waiter of waiters.filter((w) => settled >= w.count)) waiter.resolve();
      });
    }
  };
  return {
    send,
    get started() {
      return started;
    },
    get settled() {
      return settled;
    },
    waitForSettled(count) {
      if (settled >= count) return turn();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

/**
 * Waits, in 1 ms real-time steps, until `predicate` holds: for conditions that depend on real
 * loopback I/O finishing. Throws after `maxSteps` steps so a broken test fails instead of hanging.
 */
export async function waitUntil(predicate: () => boolean, what: string, maxSteps = 10_000): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`gave up waiting until ${what}`);
}
