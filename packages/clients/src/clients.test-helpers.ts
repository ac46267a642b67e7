import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Backend,
  createNullBackend,
  type LocalServerOptions,
  type RecordedRequest,
} from "@tinker-ts/local-server";
import { type Datum, datum, modelInputFromInts } from "@tinker-ts/types";
import { decodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import {
  API_KEY,
  type LoggedServer,
  type LogLine,
  recordingLogger,
  startLoggedServer,
} from "./local-server.test-helpers.js";
import { ServiceClient, type ServiceClientOptions } from "./service-client.js";

/**
 * Test harness of the clients package: tinker-local started in-process (null backend, admin
 * endpoints, a request log and a request recording), a ServiceClient pointed at it, and helpers
 * to inspect what the server saw. No HTTP is mocked.
 */

export { API_KEY, acceleratedClock, BASE_MODEL } from "./local-server.test-helpers.js";

/** A backend call the server made, in execution order. */
export interface BackendCall {
  readonly op: "forward" | "forwardBackward" | "optimStep" | "saveWeights" | "loadWeights" | "createModel";
  readonly modelId: string;
  /** First token of every datum (forward/forwardBackward), or the learning rate (optimStep). */
  readonly tags: readonly number[];
  /** Tokens of every datum's first chunk (forward/forwardBackward; empty for other chunk types). */
  readonly tokens?: readonly (readonly number[])[];
  /** `weights` of every datum (forward/forwardBackward with weights). */
  readonly weights?: readonly (readonly number[])[];
  /** The loss function (forward/forwardBackward). */
  readonly lossFn?: string;
}

/** The null backend, recording every compute call in execution order. */
export function recordingBackend(calls: BackendCall[]): Backend {
  const inner = createNullBackend();
  const firstTokens = (data: readonly Datum[]) =>
    data.map((d) => {
      const chunk = d.model_input.chunks[0];
      return chunk?.type === "encoded_text" ? (chunk.tokens[0] ?? -1) : -1;
    });
  const tokensOf = (data: readonly Datum[]) =>
    data.map((d) => {
      const chunk = d.model_input.chunks[0];
      return chunk?.type === "encoded_text" ? Array.from(chunk.tokens, Number) : [];
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
        tokens: tokensOf(input.data),
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
        tokens: tokensOf(input.data),
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
export interface Harness extends LoggedServer {
  readonly service: ServiceClient;
  readonly logs: LogLine[];
  readonly backendCalls: BackendCall[];
  /** Another ServiceClient on the same server (closed by `close()`). */
  newService(options?: ServiceClientOptions): ServiceClient;
  /** Stops the server and returns every request it received (the `--record` file). */
  stopAndReadRecording(): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** Starts tinker-local (null backend recording its calls) and a ServiceClient on it. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "tinker-clients-test-"));
  const recordFile = join(dir, "requests.jsonl");
  const backendCalls: BackendCall[] = [];
  const { server, serverLog, admin, requestsTo } = await startLoggedServer({
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
    admin,
    requestsTo,
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
