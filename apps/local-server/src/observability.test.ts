import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "./log.js";
import type { RecordedRequest } from "./record.js";
import { ceDatum, startTestApi, type TestApi } from "./server.test-helpers.js";

let api: TestApi | undefined;
let dir: string | undefined;
afterEach(async () => {
  await api?.server.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("request log and recording", () => {
  it("logs one JSON line per request with method, path, status, duration and request id", async () => {
    const lines: string[] = [];
    api = await startTestApi({ logLevel: "info", logSink: { write: (l: string) => lines.push(l) } });
    const { modelId } = await api.model();
    await api.fwdbwd(modelId, 1);
    const entries = lines.map((l) => JSON.parse(l));
    const fb = entries.find((e) => e.path === "/api/v1/forward_backward");
    expect(fb).toMatchObject({ level: "info", msg: "request", method: "POST", status: 200 });
    expect(fb.duration_ms).toBeTypeOf("number");
    expect(fb.request_id).toBeTypeOf("string");
    const poll = entries.find((e) => e.path === "/api/v1/retrieve_future");
    expect(poll.request_id).toBeTypeOf("string");
    expect(lines.join("")).not.toContain("tml-test-key");
  });

  it("filters by level", () => {
    const lines: string[] = [];
    const logger = createLogger("warn", { write: (l: string) => lines.push(l) }, () => 0);
    logger.info("hidden");
    logger.debug("hidden");
    logger.warn("shown", { a: 1 });
    logger.error("shown too");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: "1970-01-01T00:00:00.000Z", level: "warn", msg: "shown", a: 1 },
      { time: "1970-01-01T00:00:00.000Z", level: "error", msg: "shown too" },
    ]);
    expect(createLogger("silent", { write: () => expect.fail("silent logs nothing") }).level).toBe("silent");
  });

  it("records every request with query, headers, body (utf8 or base64) and status", async () => {
    dir = await mkdtemp(join(tmpdir(), "tinker-local-rec-"));
    const file = join(dir, "requests.jsonl");
    api = await startTestApi({ recordFile: file });
    const { modelId } = await api.model();
    await api.fwdbwd(modelId, 1, [ceDatum([1])]);
    await api.get("/api/v1/training_runs?limit=5");
    await api.post("/api/v1/create_session", "{bad");
    await api.server.close();
    const records = (await readFile(file, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RecordedRequest);
    const session = records.find((r) => r.path === "/api/v1/create_session" && r.status === 200)!;
    expect(session.body_encoding).toBe("utf8");
    expect(JSON.parse(session.body).sdk_version).toBe("0.38.0");
    expect(session.headers["x-api-key"]).toBe("tml-test-key");
    const proto = records.find((r) => r.path === "/api/v1/forward_backward")!;
    expect(proto.body_encoding).toBe("base64");
    expect(Buffer.from(proto.body, "base64").length).toBeGreaterThan(10);
    const list = records.find((r) => r.path === "/api/v1/training_runs")!;
    expect(list).toMatchObject({ method: "GET", query: { limit: "5" }, body_encoding: "none", status: 200 });
    expect(records.find((r) => r.body === "{bad")!.status).toBe(400);
  });
});
