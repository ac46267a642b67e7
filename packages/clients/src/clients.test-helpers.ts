import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock, LogFields, Logger } from "@tinker-ts/http";
import {
  type Backend,
  createNullBackend,
  type LocalServer,
  type LocalServerOptions,
  type RecordedRequest,
  startLocalServer,
} from "@tinker-ts/local-server";
import { type Datum, datum, modelInputFromInts } from "@tinker-ts/types";
import { decodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import { ServiceClient, type ServiceClientOptions } from "./service-client.js";

/**
 * Test harness of the clients package: tinker-local started in-process (null backend, admin
 * endpoints, a request log and a request recording), a ServiceClient pointed at it, and helpers
 * to inspect what the server saw. No HTTP is mocked.
 */

export const API_KEY = "tml-clients-test-key";
export const ADMIN_TOKEN = "clients-admin";
export const BASE_MODEL = "Qwen/Qwen3-8B";

/** A line the client logged. */
export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
}

/** One request line of the server's JSON log. */
export interface ServerRequestLine {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly fault?: string;
  /** The polled request id, on `retrieve_future` lines. */
  readonly request_id?: string;
}

/** A backend call the server made, in execution order. */
export interface BackendCall {
  readonly op: "forward" | "forwardBackward" | "optimStep" | "saveWeights" | "loadWeights" | "createModel";
  readonly modelId: string;
  /** First token of every datum (forward/forwardBackward), or the learning rate (optimStep). */
  readonly tags: readonly number[];
  /** `weights` of every datum (forward/forwardBackward with weights). */
  readonly weights?: readonly (readonly number[])[];
  /** The loss function (forward/forwardBackward). */
  readonly lossFn?: string;
}

/**
 * A clock whose time runs `factor` times faster than real time: `sleep(ms)` waits `ms / factor`
 * real ms and `now()` advances accordingly. Backoffs, heartbeats and refreshes happen in order
 * and in proportion, but quickly; nothing is asserted about durations.
 */
export class ScaledClock implements Clock {
  readonly #factor: number;
  readonly #start = Date.now();

  constructor(factor: number) {
    this.#factor = factor;
  }

  now(): number {
    return this.#start + (Date.now() - this.#start) * this.#factor;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms / this.#factor),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** A logger that keeps every line. */
export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: LogLine["level"]) =>
    (message: string, _fields?: LogFields): void => {
      lines.push({ level, message });
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** The null backend, recording every compute call in execution order. */
export function recordingBackend(calls: BackendCall[]): Backend {
  const inner = createNullBackend();
  const firstTokens = (data: readonly Datum[]) =>
    data.map((d) => {
      const chunk = d.model_input.chunks[0];
      return chunk?.type === "encoded_text" ? (chunk.tokens[0] ?? -1) : -1;
    });
  const weightsOf = (data: readonly Datum[]) =>
    data.map((d) => {
      const weights = d.loss_fn_inputs["weights"];
      return weights ? Array.from(weights.data, Number) : [];
    });
  return {
    name: inner.name,
    createModel: (spec) => {
      calls.push({ op: "createModel", modelId: spec.modelId, tags: [] });
      return inner.createModel(spec);
    },
    forward: (modelId, input) => {
      calls.push({
        op: "forward",
        modelId,
        tags: firstTokens(input.data),
        weights: weightsOf(input.data),
        lossFn: input.lossFn,
      });
      return inner.forward(modelId, input);
    },
    forwardBackward: (modelId, input) => {
      calls.push({
        op: "forwardBackward",
        modelId,
        tags: firstTokens(input.data),
        weights: weightsOf(input.data),
        lossFn: input.lossFn,
      });
      return inner.forwardBackward(modelId, input);
    },
    optimStep: (modelId, params) => {
      calls.push({ op: "optimStep", modelId, tags: [params.learning_rate] });
      return inner.optimStep(modelId, params);
    },
    saveWeights: (modelId, kind) => {
      calls.push({ op: "saveWeights", modelId, tags: [] });
      return inner.saveWeights(modelId, kind);
    },
    loadWeights: (modelId, files, options) => {
      calls.push({ op: "loadWeights", modelId, tags: [] });
      return inner.loadWeights(modelId, files, options);
    },
    createSampler: (spec) => inner.createSampler(spec),
    sample: (id, input) => inner.sample(id, input),
    computeLogprobs: (id, input) => inner.computeLogprobs(id, input),
    releaseModel: (id) => inner.releaseModel(id),
    releaseSampler: (id) => inner.releaseSampler(id),
  };
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  readonly server?: LocalServerOptions;
  readonly client?: ServiceClientOptions;
}

/** A running tinker-local plus a ServiceClient on it. */
export interface Harness {
  readonly server: LocalServer;
  readonly service: ServiceClient;
  readonly logs: LogLine[];
  readonly serverLog: ServerRequestLine[];
  readonly backendCalls: BackendCall[];
  /** Another ServiceClient on the same server (closed by `close()`). */
  newService(options?: ServiceClientOptions): ServiceClient;
  /** An admin call; resolves with the JSON reply. */
  admin(method: "GET" | "PUT" | "POST", path: string, body?: unknown): Promise<unknown>;
  /** Server log lines for `path`. */
  requestsTo(path: string): ServerRequestLine[];
  /** Stops the server and returns every request it received (the `--record` file). */
  stopAndReadRecording(): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** Starts tinker-local (null backend recording its calls) and a ServiceClient on it. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "tinker-clients-test-"));
  const recordFile = join(dir, "requests.jsonl");
  const serverLog: ServerRequestLine[] = [];
  const backendCalls: BackendCall[] = [];
  const server = await startLocalServer({
    logLevel: "info",
    logSink: {
      write(line: string) {
        const parsed = JSON.parse(line) as ServerRequestLine & { msg?: string };
        if (parsed.msg === "request") serverLog.push(parsed);
      },
    },
    adminToken: ADMIN_TOKEN,
    apiKeys: [API_KEY],
    backend: recordingBackend(backendCalls),
    recordFile,
    ...options.server,
  });
  const logs: LogLine[] = [];
  const services: ServiceClient[] = [];
  const newService = (extra: ServiceClientOptions = {}) => {
    const service = new ServiceClient({
      apiKey: API_KEY,
      baseUrl: server.url,
      env: {},
      credentialsFile: false,
      telemetry: false,
      logger: recordingLogger(logs),
      logLevel: "debug",
      ...options.client,
      ...extra,
    });
    services.push(service);
    return service;
  };
  const service = newService();
  let serverClosed = false;
  const stopServer = async () => {
    if (serverClosed) return;
    serverClosed = true;
    await server.close();
  };
  return {
    server,
    service,
    logs,
    serverLog,
    backendCalls,
    newService,
    async admin(method, path, body) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { "x-admin-token": ADMIN_TOKEN, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response.json();
    },
    requestsTo: (path) => serverLog.filter((line) => line.path === path),
    async stopAndReadRecording() {
      await Promise.all(services.map((s) => s.close()));
      await stopServer();
      const text = await readFile(recordFile, "utf8");
      return text
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as RecordedRequest);
    },
    async close() {
      await Promise.all(services.map((s) => s.close()));
      await stopServer();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A cross-entropy datum whose model input starts with `tag` (so the recording backend can tell
 * datums apart): tokens `[tag, tag+1, …]` of `length`, targets shifted by one, all-one weights.
 */
export function ceDatum(tag: number, length = 4): Datum {
  const tokens = Array.from({ length }, (_, i) => tag + i);
  return datum(modelInputFromInts(tokens), {
    target_tokens: tokens.map((t) => t + 1),
    weights: tokens.map(() => 1),
  });
}

/** The seq_id of a recorded forward_backward request (protobuf body). */
export function recordedSeqId(request: RecordedRequest): number {
  return decodeForwardBackwardRequest(Buffer.from(request.body, "base64")).seq_id;
}
