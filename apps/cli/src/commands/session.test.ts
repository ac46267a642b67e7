import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, startTestServer, type TestServer, testEnv } from "../cli.test-helpers.js";
import { tableLines } from "../output/table.test-helpers.js";
import { expectSchema } from "../schema.test-helpers.js";

let srv: TestServer;
let work: string;
const sessions: string[] = [];
let runId = "";

beforeAll(async () => {
  srv = await startTestServer();
  work = await mkdtemp(join(tmpdir(), "tinker-cli-session-"));
  for (let i = 0; i < 3; i++) {
    srv.clock.current = Date.UTC(2026, 0, 1, i);
    sessions.push(await srv.session({ index: String(i) }));
  }
  runId = await srv.model(sessions[0]!);
});

afterAll(async () => {
  await srv.close();
  await rm(work, { recursive: true, force: true });
});

const run = (args: string[]) => runInProcess(args, { env: testEnv(srv.url), cwd: work });

describe("tinker session list / info", () => {
  it("lists session ids newest first, with --limit", async () => {
    const { code, stdout } = await run(["session", "list"]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]?.trim()).toBe("3 sessions");
    const json = JSON.parse((await run(["--json", "session", "list", "--limit", "0"])).stdout);
    expectSchema("session-list", json);
    expect(json.sessions).toEqual([...sessions].reverse());
    const limited = JSON.parse((await run(["--json", "session", "list", "--limit", "2"])).stdout);
    expect(limited.sessions).toEqual([sessions[2], sessions[1]]);
  });

  it("shows a session's training runs and samplers", async () => {
    const { code, stdout } = await run(["session", "info", sessions[0]!]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]?.trim()).toBe(`Session: ${sessions[0]}`);
    const rows = tableLines(stdout);
    expect(rows).toContainEqual(["Training Runs", "1"]);
    expect(rows).toContainEqual(["-", runId]);
    const json = JSON.parse((await run(["--json", "session", "info", sessions[0]!])).stdout);
    expectSchema("session-info", json);
    expect(json).toMatchObject({ session_id: sessions[0], training_run_ids: [runId], sampler_ids: [] });
    const missing = await run(["session", "info", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Error: Resource not found");
  });
});

describe("tinker session export-trace", () => {
  it("prints the bare signed URL with --url-only (or JSON)", async () => {
    const { code, stdout, stderr } = await run(["session", "export-trace", sessions[1]!, "--url-only"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_download\/\S+\n$/);
    expect(stderr).toContain(`Exporting trace for session ${sessions[1]} (this may take a while)...`);
    const json = await run(["--json", "session", "export-trace", sessions[1]!, "--url-only"]);
    expect(json.stderr).not.toContain("Exporting trace");
    expectSchema("session-export-trace", JSON.parse(json.stdout));
  });

  it("downloads the trace to ./<id>.pftrace or -o FILE", async () => {
    const { code, stdout } = await run(["session", "export-trace", sessions[0]!]);
    expect(code).toBe(0);
    const file = join(work, `${sessions[0]}.pftrace`);
    expect(tableLines(stdout)).toContainEqual(["Saved to", file]);
    const trace = JSON.parse(await readFile(file, "utf8"));
    expect(trace.traceEvents[0].name).toBe(runId);

    const json = JSON.parse(
      (await run(["--json", "session", "export-trace", sessions[0]!, "-o", "t/x.pftrace"])).stdout,
    );
    expectSchema("session-export-trace", json);
    expect(json.destination).toBe(join(work, "t", "x.pftrace"));
    expect(json.file_size_bytes).toBe((await readFile(join(work, "t", "x.pftrace"))).length);
  });
});
