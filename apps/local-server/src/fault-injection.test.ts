import { decodeForwardBackwardOutput, encodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import { afterEach, describe, expect, it } from "vitest";
import type { FaultCounters } from "./faults.js";
import { type LocalServer, startLocalServer } from "./server.js";
import { ADMIN, API_KEY, ceDatum } from "./server.test-helpers.js";

/**
 * Reliability under injected faults: with 20% of every request failing with 5xx, 429 (with and
 * without Retry-After) or 408, a raw client that simply retries those statuses still completes
 * 200 forward_backward + optim_step pairs, in order, and the server's counters match exactly
 * the faults the client saw.
 */
let server: LocalServer;
afterEach(async () => {
  await server?.close();
});

const retryable = new Set([408, 429, 500]);

describe("fault injection", () => {
  it("a retrying client completes 200 fwd/bwd + optim pairs in order under 20% faults", async () => {
    server = await startLocalServer({
      logLevel: "silent",
      adminToken: ADMIN,
      faults: {
        seed: 2026,
        retry_after_seconds: 0,
        rules: [
          {
            endpoint: "*",
            server_error: 0.08,
            rate_limit: 0.03,
            rate_limit_retry_after: 0.03,
            timeout: 0.06,
          },
        ],
      },
    });
    const seen: Record<number, number> = {};
    let sawRetryAfter = 0;
    const send = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const response = await fetch(`${server.url}${path}`, {
          method: "POST",
          headers: {
            "x-api-key": API_KEY,
            "content-type": body instanceof Uint8Array ? "application/x-protobuf" : "application/json",
            ...headers,
          },
          body: body instanceof Uint8Array ? body : JSON.stringify(body),
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (!retryable.has(response.status))
          return { status: response.status, headers: response.headers, bytes };
        seen[response.status] = (seen[response.status] ?? 0) + 1;
        if (response.headers.get("retry-after") !== null) sawRetryAfter++;
      }
      throw new Error(`gave up on ${path}`);
    };
    const asJson = (r: { bytes: Uint8Array }) => JSON.parse(Buffer.from(r.bytes).toString());
    const poll = async (requestId: string, accept = "application/json") => {
      for (;;) {
        const r = await send("/api/v1/retrieve_future", { request_id: requestId }, { accept });
        if (r.headers.get("content-type") === "application/x-protobuf") return r;
        if (asJson(r).type !== "try_again") return r;
      }
    };

    const session = asJson(
      await send("/api/v1/create_session", { tags: [], user_metadata: {}, sdk_version: "0.38.0" }),
    );
    const created = asJson(
      await send("/api/v1/create_model", {
        session_id: session.session_id,
        model_seq_id: 0,
        base_model: "Qwen/Qwen3-8B",
        lora_config: { rank: 4 },
      }),
    );
    const modelId = asJson(await poll(created.request_id)).model_id as string;
    const fbIds: string[] = [];
    const optimIds: string[] = [];
    for (let step = 0; step < 200; step++) {
      const fb = encodeForwardBackwardRequest({
        model_id: modelId,
        seq_id: 2 * step + 1,
        data: [ceDatum([step % 50, 1, 2])],
        loss_fn: "cross_entropy",
        forward_only: false,
      });
      const fbReply = await send("/api/v1/forward_backward", fb);
      expect(fbReply.status).toBe(200);
      fbIds.push(asJson(fbReply).request_id);
      const optim = await send("/api/v1/optim_step", {
        adam_params: { learning_rate: 1e-4 },
        model_id: modelId,
        seq_id: 2 * step + 2,
      });
      expect(optim.status).toBe(200);
      optimIds.push(asJson(optim).request_id);
    }
    // The null backend's clock_cycle counts forward passes in execution order: 1, 2, … 200
    // proves every step ran exactly once and in seq_id order despite the retries.
    const cycles: number[] = [];
    for (const id of fbIds) {
      const reply = await poll(id, "application/x-protobuf");
      cycles.push(decodeForwardBackwardOutput(reply.bytes).metrics["clock_cycle:unique"]!);
    }
    expect(cycles).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const id of optimIds) expect(asJson(await poll(id))).toEqual({ metrics: {}, type: "optim_step" });

    const counters = (await fetch(`${server.url}/_admin/faults`, {
      headers: { "x-admin-token": ADMIN },
    }).then((r) => r.json())) as { counters: FaultCounters };
    const byKind = counters.counters.by_kind;
    expect(byKind["server_error"]).toBe(seen[500]);
    expect((byKind["rate_limit"] ?? 0) + (byKind["rate_limit_retry_after"] ?? 0)).toBe(seen[429]);
    expect(byKind["rate_limit_retry_after"]).toBe(sawRetryAfter);
    expect(byKind["timeout"]).toBe(seen[408]);
    const faults = counters.counters.total;
    expect(faults / counters.counters.requests_seen).toBeGreaterThan(0.15);
    expect(faults / counters.counters.requests_seen).toBeLessThan(0.25);
  });

  it("injects 410, 402, empty 400, dropped connections and latency, configurable at runtime", async () => {
    server = await startLocalServer({ logLevel: "silent", adminToken: ADMIN });
    const admin = { "x-admin-token": ADMIN, "content-type": "application/json" };
    const configure = (rule: Record<string, unknown>) =>
      fetch(`${server.url}/_admin/faults`, {
        method: "PUT",
        headers: admin,
        body: JSON.stringify({ rules: [{ endpoint: "/api/v1/healthz", ...rule }] }),
      });
    const health = () => fetch(`${server.url}/api/v1/healthz`);
    expect((await configure({ gone: 1 })).status).toBe(200);
    expect((await health()).status).toBe(410);
    await configure({ payment_required: 1 });
    expect((await health()).status).toBe(402);
    await configure({ empty_400: 1 });
    const empty = await health();
    expect(empty.status).toBe(400);
    expect(empty.headers.get("content-length")).toBe("0");
    await configure({ drop: 1 });
    await expect(health()).rejects.toThrow();
    await configure({ latency_ms: 5 });
    expect((await health()).status).toBe(200);
    const bad = await fetch(`${server.url}/_admin/faults`, { method: "PUT", headers: admin, body: "{}x" });
    expect(bad.status).toBe(400);
    const state = (await fetch(`${server.url}/_admin/faults`, { headers: admin }).then((r) => r.json())) as {
      counters: FaultCounters;
    };
    expect(state.counters.by_kind).toEqual({ gone: 1, payment_required: 1, empty_400: 1, drop: 1 });
    expect(state.counters.latency_injections).toBe(1);
    const reset = await fetch(`${server.url}/_admin/faults/reset`, { method: "POST", headers: admin });
    expect(((await reset.json()) as { counters: FaultCounters }).counters.total).toBe(0);
    expect(
      (await fetch(`${server.url}/_admin/faults`, { headers: { "x-admin-token": "wrong" } })).status,
    ).toBe(401);
  });

  it("keeps admin endpoints off without an admin token", async () => {
    server = await startLocalServer({ logLevel: "silent" });
    expect((await fetch(`${server.url}/_admin/faults`)).status).toBe(404);
  });
});
