import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../server.test-helpers.js";
import { atomicWrite, fileSegment, fromFileSegment } from "./atomic-fs.js";

let api: TestApi | undefined;
let dir: string;
afterEach(async () => {
  await api?.server.close();
  api = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("persistence across restarts", () => {
  it("reloads sessions, runs, samplers, checkpoints, audit and usage, and drops torn writes", async () => {
    dir = await mkdtemp(join(tmpdir(), "tinker-local-store-"));
    api = await startTestApi({ dataDir: dir });
    const { sessionId, modelId } = await api.model();
    const save = await api.post("/api/v1/save_weights_for_sampler", {
      model_id: modelId,
      path: "keep",
      seq_id: 1,
    });
    const path = (await api.result(save.json.request_id)).json.path;
    const sampler = await api.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      model_path: path,
    });
    await api.result(
      (
        await api.post("/api/v1/asample", {
          prompt: { chunks: [{ type: "encoded_text", tokens: [1] }] },
          sampling_params: { max_tokens: 1 },
          sampling_session_id: sampler.json.sampling_session_id,
          seq_id: 0,
        })
      ).json.request_id,
    );
    await api.server.close();

    // A crash mid-write leaves temp files and torn lines behind; none of them must surface.
    const kindDir = join(dir, "runs", fileSegment(modelId), "checkpoints", "sampler_weights");
    await mkdir(join(kindDir, ".tmp-crashed"), { recursive: true });
    await writeFile(join(dir, "sessions", ".tmp-x"), "{");
    await appendFile(join(dir, "audit.jsonl"), '{"timestamp": 1, "ev');

    api = await startTestApi({ dataDir: dir });
    expect(await readdir(kindDir)).toEqual([fileSegment("keep")]);
    expect((await api.get(`/api/v1/sessions/${sessionId}`)).json).toEqual({
      training_run_ids: [modelId],
      sampler_ids: [sampler.json.sampling_session_id],
    });
    expect((await api.get(`/api/v1/training_runs/${modelId}`)).json.last_sampler_checkpoint.tinker_path).toBe(
      path,
    );
    expect((await api.get(`/api/v1/samplers/${sampler.json.sampling_session_id}`)).json.model_path).toBe(
      path,
    );
    expect((await api.get("/api/v1/audit")).json.entries).toHaveLength(1);
    // The sampler is rebuilt from its checkpoint on first use after the restart.
    const again = await api.post("/api/v1/asample", {
      prompt: { chunks: [{ type: "encoded_text", tokens: [1] }] },
      sampling_params: { max_tokens: 1 },
      sampling_session_id: sampler.json.sampling_session_id,
      seq_id: 1,
    });
    expect((await api.result(again.json.request_id)).json.sequences).toHaveLength(1);
    // Models are not restored: training continues from a checkpoint in a new model.
    expect((await api.post("/api/v1/get_info", { model_id: modelId })).status).toBe(404);
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const usage = await api.get(
      `/api/v1/billing/usage/events?starting_on=${hour.toISOString()}&ending_before=${new Date(hour.getTime() + 3_600_000).toISOString()}`,
    );
    expect(usage.json.data.map((d: { event_info: { type: string } }) => d.event_info.type)).toEqual(
      expect.arrayContaining(["checkpoint", "sampling_prefill", "sampling_sample"]),
    );
  });
});

describe("atomic files", () => {
  it("round-trips ids through file names and replaces files atomically", async () => {
    dir = await mkdtemp(join(tmpdir(), "tinker-local-atomic-"));
    const id = "a:train:0/../x.y";
    expect(fileSegment(id)).not.toContain("/");
    expect(fileSegment(id)).not.toContain(".");
    expect(fromFileSegment(fileSegment(id))).toBe(id);
    const file = join(dir, "nested", "f.json");
    await atomicWrite(file, "one");
    await atomicWrite(file, "two");
    expect(await readdir(join(dir, "nested"))).toEqual(["f.json"]);
    await expect(atomicWrite(join(dir, "nested", "f.json", "child"), "x")).rejects.toThrow();
  });
});
