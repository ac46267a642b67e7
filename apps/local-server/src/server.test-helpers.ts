import type { Datum } from "@tinker-ts/types";
import { encodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import type { LocalServerOptions } from "./options.js";
import { type LocalServer, startLocalServer } from "./server.js";

/**
 * Plain-HTTP helpers for the protocol tests: no SDK, just fetch against a server on 127.0.0.1.
 */

export const API_KEY = "tml-test-key";
export const ADMIN = "admin-secret";

export interface ApiResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field.
  json: any;
}

export interface TestApi {
  server: LocalServer;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  get(path: string, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Polls retrieve_future until it is not try_again. */
  result(requestId: string, accept?: string): Promise<ApiResponse>;
  /** Creates a session and a LoRA model, returning their ids. */
  model(baseModel?: string): Promise<{ sessionId: string; modelId: string }>;
  /** POSTs a protobuf forward_backward. */
  fwdbwd(
    modelId: string,
    seqId: number,
    data?: Datum[],
    extra?: { forwardOnly?: boolean },
  ): Promise<ApiResponse>;
}

/** A cross-entropy datum over `tokens` (targets shifted by one, weights 1). */
export function ceDatum(tokens: number[]): Datum {
  return {
    model_input: { chunks: [{ type: "encoded_text", tokens: Int32Array.from(tokens) }] },
    loss_fn_inputs: {
      target_tokens: {
        dtype: "int64",
        data: BigInt64Array.from(tokens.map((t) => BigInt(t + 1))),
        shape: [tokens.length],
      },
      weights: { dtype: "float32", data: new Float32Array(tokens.length).fill(1), shape: [tokens.length] },
    },
  };
}

/** Starts a server with test defaults (quiet logs, admin token) and returns helpers. */
export async function startTestApi(options: LocalServerOptions = {}): Promise<TestApi> {
  const server = await startLocalServer({ logLevel: "silent", adminToken: ADMIN, ...options });
  const call: TestApi["call"] = async (method, path, body, headers = {}) => {
    const init: RequestInit & { headers: Record<string, string> } = {
      method,
      headers: { "x-api-key": API_KEY, ...headers },
    };
    if (body instanceof Uint8Array) {
      init.body = body;
      init.headers["content-type"] ??= "application/x-protobuf";
    } else if (typeof body === "string") {
      init.body = body;
      init.headers["content-type"] ??= "application/json";
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["content-type"] ??= "application/json";
    }
    const response = await fetch(`${server.url}${path}`, { ...init, redirect: "manual" });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = Buffer.from(bytes).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, bytes, text, json };
  };
  const api: TestApi = {
    server,
    call,
    post: (path, body, headers) => call("POST", path, body, headers),
    get: (path, headers) => call("GET", path, undefined, headers),
    async result(requestId, accept = "application/json") {
      for (;;) {
        const r = await call("POST", "/api/v1/retrieve_future", { request_id: requestId }, { accept });
        if (r.json?.type !== "try_again") return r;
      }
    },
    async model(baseModel = "Qwen/Qwen3-8B") {
      const session = await api.post("/api/v1/create_session", {
        tags: [],
        user_metadata: {},
        sdk_version: "0.38.0",
        type: "create_session",
      });
      const sessionId = session.json.session_id as string;
      const created = await api.post("/api/v1/create_model", {
        session_id: sessionId,
        model_seq_id: 0,
        base_model: baseModel,
        lora_config: { rank: 8 },
        type: "create_model",
      });
      const result = await api.result(created.json.request_id);
      return { sessionId, modelId: result.json.model_id as string };
    },
    fwdbwd(modelId, seqId, data = [ceDatum([1, 2, 3])], extra = {}) {
      const body = encodeForwardBackwardRequest({
        model_id: modelId,
        seq_id: seqId,
        data,
        loss_fn: "cross_entropy",
        forward_only: extra.forwardOnly ?? false,
      });
      return call("POST", "/api/v1/forward_backward", body);
    },
  };
  return api;
}
