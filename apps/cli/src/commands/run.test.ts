import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, startTestServer, type TestServer, testEnv } from "../cli.test-helpers.js";
import { expectAligned, tableLines } from "../output/table.test-helpers.js";
import { expectSchema } from "../schema.test-helpers.js";

let srv: TestServer;
const runIds: string[] = [];
let tinkerPath = "";

beforeAll(async () => {
  srv = await startTestServer();
  const session = await srv.session({ purpose: "cli-test" });
  for (let i = 0; i < 3; i++) {
    srv.clock.current = Date.UTC(2026, 0, 1 + i);
    const model = await srv.model(session, { seq: i, rank: 4 + i });
    runIds.push(model);
  }
  tinkerPath = await srv.save(runIds[0]!, "step-1");
});

afterAll(async () => {
  await srv.close();
});

const run = (args: string[]) => runInProcess(args, { env: testEnv(srv.url), now: Date.UTC(2026, 0, 10) });

describe("tinker run list", () => {
  it("prints the runs as a table with the Python CLI's title and default columns", async () => {
    const { code, stdout, stderr } = await run(["run", "list"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]?.trim()).toBe("3 training runs");
    expectAligned(stdout);
    expect(tableLines(stdout)[0]).toEqual(["Run ID", "Base Model", "LoRA", "Last Update", "Status"]);
    for (const id of runIds) expect(stdout).toContain(id);
    expect(stdout).toContain("Rank 4");
    expect(stdout).toContain("1 week ago");
  });

  it("pages with --limit and says how many more there are", async () => {
    const { stdout } = await run(["run", "list", "--limit", "2"]);
    expect(stdout.split("\n")[0]?.trim()).toBe("2 training runs (1 more not shown, use --limit to see more)");
    const one = await run(["run", "list", "--limit", "1"]);
    expect(one.stdout.split("\n")[0]?.trim()).toBe(
      "1 training run (2 more not shown, use --limit to see more)",
    );
  });

  it("shows the columns asked for, and refuses unknown ones with exit 2", async () => {
    const { stdout } = await run(["run", "list", "-c", "id,owner,checkpoint,checkpoint_time"]);
    expect(tableLines(stdout)[0]).toEqual(["Run ID", "Owner", "Last Checkpoint", "Checkpoint Time"]);
    expect(stdout).toContain("weights/step-1");
    const bad = await run(["run", "list", "-c", "id,nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain(
      "Unknown column(s): nope. Available: id, model, owner, lora, updated, status",
    );
  });

  it("prints {runs: [...]} with --format json, valid against schema/run-list.json", async () => {
    const { code, stdout } = await run(["--format", "json", "run", "list", "--limit", "0"]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expectSchema("run-list", json);
    expect(json.runs.map((r: { training_run_id: string }) => r.training_run_id).sort()).toEqual(
      [...runIds].sort(),
    );
    const first = json.runs.find((r: { training_run_id: string }) => r.training_run_id === runIds[0]);
    expect(first.last_checkpoint.tinker_path).toBe(tinkerPath);
    // The save of its checkpoint (at the clock's 2026-01-03) was its last request.
    expect(first.last_request_time).toBe("2026-01-03T00:00:00Z");
  });
});

describe("tinker run info", () => {
  it("prints the Property/Value rows", async () => {
    const { code, stdout } = await run(["run", "info", runIds[0]!]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]?.trim()).toBe(`Training Run: ${runIds[0]}`);
    const rows = tableLines(stdout);
    expect(rows[0]).toEqual(["Property", "Value"]);
    expect(rows).toContainEqual(["LoRA", "Yes (Rank 4)"]);
    expect(rows).toContainEqual(["Last Training Checkpoint", "weights/step-1"]);
    expect(stdout).toContain(`  - Path`);
    expect(stdout).toContain(tinkerPath);
  });

  it("prints the run as JSON, valid against schema/run-info.json", async () => {
    const { stdout } = await run(["--json", "run", "info", runIds[1]!]);
    const json = JSON.parse(stdout);
    expectSchema("run-info", json);
    expect(json).toMatchObject({ training_run_id: runIds[1], lora_rank: 5, last_checkpoint: null });
  });

  it("maps an unknown run to 'Resource not found' with the server's detail (exit 1)", async () => {
    const { code, stdout, stderr } = await run(["run", "info", "no-such-run"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("Error: Resource not found");
    expect(stderr).toContain("Details: Training run no-such-run not found.");
  });
});
