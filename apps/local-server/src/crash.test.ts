import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ServeProcess, spawnServe, stop } from "./bin.test-helpers.js";

/**
 * Crash safety: checkpoints acknowledged to the client survive a SIGKILL of the server
 * (atomic writes: temp file, fsync, rename, fsync dir).
 */
const headers = { "x-api-key": "tml-crash-test", "content-type": "application/json" };

async function call(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    redirect: "manual",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

async function result(url: string, requestId: string) {
  for (;;) {
    const r = await call(url, "POST", "/api/v1/retrieve_future", { request_id: requestId });
    if (r.json?.type !== "try_again") return r.json;
  }
}

let dataDir: string;
let proc: ServeProcess | undefined;
afterAll(async () => {
  if (proc) await stop(proc, "SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

describe("crash safety", () => {
  it("keeps every acknowledged checkpoint listed and downloadable after SIGKILL and restart", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tinker-local-crash-"));
    proc = await spawnServe(["--data-dir", dataDir]);
    expect(proc.stdout.join("\n")).toContain("ready: backend=null");
    const session = await call(proc.url, "POST", "/api/v1/create_session", {
      tags: [],
      user_metadata: {},
      sdk_version: "0.38.0",
    });
    const created = await call(proc.url, "POST", "/api/v1/create_model", {
      session_id: session.json.session_id,
      model_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
      lora_config: { rank: 4 },
    });
    const modelId = (await result(proc.url, created.json.request_id)).model_id as string;
    const acknowledged: string[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      const route = seq % 2 === 0 ? "save_weights_for_sampler" : "save_weights";
      const save = await call(proc.url, "POST", `/api/v1/${route}`, {
        model_id: modelId,
        path: `ck-${seq}`,
        seq_id: seq,
      });
      acknowledged.push((await result(proc.url, save.json.request_id)).path);
    }
    expect(await stop(proc, "SIGKILL")).toBe("SIGKILL");

    proc = await spawnServe(["--data-dir", dataDir]);
    const listed = await call(proc.url, "GET", `/api/v1/training_runs/${modelId}/checkpoints`);
    expect(listed.json.checkpoints.map((c: { tinker_path: string }) => c.tinker_path).sort()).toEqual(
      [...acknowledged].sort(),
    );
    const mine = await call(proc.url, "GET", "/api/v1/checkpoints");
    expect(mine.json.cursor.total_count).toBe(5);
    for (const path of acknowledged) {
      const [, runAndRest] = path.split("tinker://");
      const archive = await call(
        proc.url,
        "GET",
        `/api/v1/training_runs/${runAndRest!.replace(/^([^/]+)\//, "$1/checkpoints/")}/archive`,
      );
      expect(archive.status).toBe(302);
      const tar = await fetch(archive.headers.get("location")!);
      expect(tar.status).toBe(200);
      expect((await tar.arrayBuffer()).byteLength).toBeGreaterThan(512);
    }
    const run = await call(proc.url, "GET", `/api/v1/training_runs/${modelId}`);
    expect(run.json.last_checkpoint.checkpoint_id).toBe("weights/ck-5");
    expect(await stop(proc, "SIGTERM")).toBe(0);
    proc = undefined;
  });
});
