import { ConflictError, NotFoundError } from "@tinker-ts/http";
import { InvalidInputError } from "@tinker-ts/types";
import { afterEach, describe, expect, it } from "vitest";
import { acceleratedClock, BASE_MODEL, type Harness, startHarness } from "../clients.test-helpers.js";
import { WhoamiUnavailableError } from "../errors.js";
import type { TrainingClient } from "../training/training-client.js";

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function trainedRuns(h: Harness, count: number): Promise<TrainingClient[]> {
  const runs: TrainingClient[] = [];
  for (let i = 0; i < count; i++)
    runs.push(await h.service.createLoraTrainingClient({ baseModel: BASE_MODEL, rank: 4 }));
  return runs;
}

describe("RestClient against tinker-local", () => {
  it("reads training runs one page at a time and across pages", async () => {
    harness = await startHarness();
    const runs = await trainedRuns(harness, 5);
    const rest = harness.service.createRestClient();
    const page = await rest.listTrainingRuns({ limit: 2 });
    expect(page.training_runs).toHaveLength(2);
    expect(page.cursor.total_count).toBe(5);
    const all = await collect(rest.listTrainingRuns({ limit: 2 }));
    expect(all.map((r) => r.training_run_id).sort()).toEqual(runs.map((r) => r.modelId).sort());
    expect(await collect(rest.listTrainingRuns({ limit: 2, offset: 3 }))).toHaveLength(2);
    const run = await rest.getTrainingRun(runs[0]!.modelId);
    expect(run).toMatchObject({
      training_run_id: runs[0]!.modelId,
      base_model: BASE_MODEL,
      is_lora: true,
      lora_rank: 4,
    });
    expect(await collect(rest.listTrainingRuns({ projectId: "elsewhere" }))).toEqual([]);
    await expect(rest.getTrainingRun("nope", { accessScope: "accessible" })).rejects.toThrow(NotFoundError);
  });

  it("manages checkpoints: listings, weights info, archive URL, publish, TTL and deletion", async () => {
    harness = await startHarness({ client: { clock: acceleratedClock(10_000) } });
    const [training] = await trainedRuns(harness, 1);
    const first = await training!.saveState("first");
    const sampler = await training!.saveWeightsForSampler("for-sampling");
    const rest = harness.service.createRestClient();

    const listed = await rest.listCheckpoints(training!.modelId);
    expect(listed.checkpoints.map((c) => c.tinker_path).sort()).toEqual([first.path, sampler.path].sort());
    const userPage = await rest.listUserCheckpoints({ limit: 1 });
    expect(userPage.checkpoints).toHaveLength(1);
    expect((await collect(rest.listUserCheckpoints({ limit: 1 }))).map((c) => c.tinker_path).sort()).toEqual(
      [first.path, sampler.path].sort(),
    );
    expect((await rest.getTrainingRunByTinkerPath(first.path)).training_run_id).toBe(training!.modelId);
    expect(await rest.getWeightsInfoByTinkerPath(first.path)).toMatchObject({
      base_model: BASE_MODEL,
      is_lora: true,
      lora_rank: 4,
    });

    const archive = await rest.getCheckpointArchiveUrlFromTinkerPath(first.path);
    expect(archive.url).toContain("/_download/");
    expect(Number.isNaN(Date.parse(archive.expires))).toBe(false);
    const tar = await fetch(archive.url);
    expect(tar.status).toBe(200);
    expect((await tar.arrayBuffer()).byteLength).toBeGreaterThan(0);

    await rest.publishCheckpointFromTinkerPath(first.path);
    expect(
      (await rest.listCheckpoints(training!.modelId)).checkpoints.find((c) => c.tinker_path === first.path)
        ?.public,
    ).toBe(true);
    await rest.unpublishCheckpointFromTinkerPath(first.path);
    // 409 is retried by executeWithRetries for its whole budget before it surfaces (§7.2).
    await expect(rest.unpublishCheckpointFromTinkerPath(first.path)).rejects.toThrow(ConflictError);

    await rest.setCheckpointTtlFromTinkerPath(first.path, 7200);
    const withTtl = (await rest.listCheckpoints(training!.modelId)).checkpoints.find(
      (c) => c.tinker_path === first.path,
    );
    expect(withTtl?.expires_at).toBeTruthy();
    await rest.setCheckpointTtlFromTinkerPath(first.path, null);
    const withoutTtl = (await rest.listCheckpoints(training!.modelId)).checkpoints.find(
      (c) => c.tinker_path === first.path,
    );
    expect(withoutTtl?.expires_at ?? null).toBeNull();

    await rest.deleteCheckpointFromTinkerPath(sampler.path);
    const [, ckptName] = first.path.split("/weights/");
    await rest.deleteCheckpoint(training!.modelId, `weights/${ckptName}`);
    expect((await rest.listCheckpoints(training!.modelId)).checkpoints).toEqual([]);
    await expect(rest.deleteCheckpointFromTinkerPath("tinker://x/bad/y")).rejects.toThrow(InvalidInputError);
  });

  it("waits 30 s between archive attempts while the server answers 503", async () => {
    harness = await startHarness({
      server: { archiveWaitMs: 0 },
      client: { clock: acceleratedClock(1000), maxRetries: 0 },
    });
    const [training] = await trainedRuns(harness, 1);
    const saved = await training!.saveState("big");
    const rest = harness.service.createRestClient();
    const archive = await rest.getCheckpointArchiveUrl(training!.modelId, "weights/big");
    expect(archive.url).toContain("/_download/");
    expect(saved.path).toContain("big");
    const statuses = harness
      .requestsTo(`/api/v1/training_runs/${training!.modelId}/checkpoints/weights/big/archive`)
      .map((l) => l.status);
    expect(statuses.at(-1)).toBe(302);
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.slice(0, -1).every((s) => s === 503)).toBe(true);
  });

  it("reads sessions and samplers, assigns projects, exports traces, and reads the audit log and billing", async () => {
    harness = await startHarness({ client: { clock: acceleratedClock(1000) } });
    const sampler = await harness.service.createSamplingClient({ baseModel: BASE_MODEL });
    await trainedRuns(harness, 1);
    const sessionId = (await harness.service.sessionId())!;
    const other = harness.newService();
    await other.createSamplingClient({ baseModel: BASE_MODEL });
    const rest = harness.service.createRestClient();

    const session = await rest.getSession(sessionId);
    expect(session.sampler_ids).toContain(sampler.samplingSessionId);
    expect(session.training_run_ids).toHaveLength(1);
    expect((await rest.listSessions({ limit: 1 })).sessions).toHaveLength(1);
    expect(await collect(rest.listSessions({ limit: 1 }))).toHaveLength(2);

    await rest.assignSessionProject(sessionId, "proj-a");
    expect((await rest.listTrainingRuns({ projectId: "proj-a" })).training_runs).toHaveLength(1);

    const traceUrl = await rest.exportSessionTrace(sessionId);
    expect(traceUrl).toContain("/_download/");
    expect(harness.logs.some((l) => l.message.includes("Building trace export"))).toBe(true);

    const samplerInfo = await rest.getSampler(sampler.samplingSessionId);
    expect(samplerInfo).toMatchObject({ sampler_id: sampler.samplingSessionId, base_model: BASE_MODEL });

    const audit = await rest.getAuditLog({ day: new Date() });
    expect(Array.isArray(audit.entries)).toBe(true);
    expect(harness.serverLog.at(-1)?.path).toBe("/api/v1/audit");
    const usage = await rest.getBillingUsage({
      startingOn: new Date(Date.UTC(2026, 0, 1)),
      endingBefore: "2026-01-02T00:00:00+00:00",
    });
    expect(Array.isArray(usage.data)).toBe(true);
    await expect(
      rest.getBillingUsage({ startingOn: "not a date", endingBefore: "2026-01-02T00:00:00Z" }),
    ).rejects.toThrow(InvalidInputError);
    await expect(rest.whoami()).rejects.toThrow(WhoamiUnavailableError);
  });
});
