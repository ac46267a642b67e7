import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, startTestServer, type TestServer, testEnv } from "../cli.test-helpers.js";
import { expectAligned, tableLines } from "../output/table.test-helpers.js";
import { expectSchema } from "../schema.test-helpers.js";
import { displayRow, flattenRow } from "./billing.js";

let srv: TestServer;
let work: string;
let session = "";
const WINDOW = ["2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z"];

beforeAll(async () => {
  srv = await startTestServer();
  work = await mkdtemp(join(tmpdir(), "tinker-cli-billing-"));
  srv.clock.current = Date.UTC(2026, 0, 1, 0, 30);
  session = await srv.session({ team: "a,b" });
  const model = await srv.model(session);
  await srv.save(model, "one");
  srv.clock.current = Date.UTC(2026, 0, 1, 5);
});

afterAll(async () => {
  await srv.close();
  await rm(work, { recursive: true, force: true });
});

const run = (args: string[]) => runInProcess(args, { env: testEnv(srv.url), cwd: work });

describe("tinker billing usage", () => {
  it("prints hourly rows with event_info flattened, and null for unavailable costs", async () => {
    const { code, stdout } = await run(["billing", "usage", ...WINDOW]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]?.trim()).toBe("4 hourly usage row(s)");
    expectAligned(stdout);
    const [head, ...rows] = tableLines(stdout);
    expect(head?.slice(0, 3)).toEqual(["bucket_start", "bucket_end", "base_model"]);
    expect(head?.slice(-4)).toEqual(["type", "count", "free", "gigabyte_hours"]);
    expect(rows).toHaveLength(4);
    expect(rows.some((row) => row.includes("null"))).toBe(true);
    expect(stdout).toContain("2026-01-01T02:00:00Z");
  });

  it("prints the nested rows and the sessions with --format json", async () => {
    const json = JSON.parse((await run(["--json", "billing", "usage", ...WINDOW])).stdout);
    expectSchema("billing-usage", json);
    expect(json.data).toHaveLength(4);
    expect(json.data[0].event_info).toEqual({ type: "checkpoint", count: 1 });
    expect(json.data[1].event_info.type).toBe("storage");
    expect(json.sessions[session]).toEqual({ user_metadata: { team: "a,b" } });
    expect(json.cost_data_through).toBeNull();
  });

  it("writes CSV to a file (with a note on stderr) or to stdout", async () => {
    const file = await run(["billing", "usage", ...WINDOW, "--csv", "usage.csv", "--sessions-csv", "-"]);
    expect(file.code).toBe(0);
    expect(file.stderr).toBe("Wrote 4 row(s) to usage.csv\n");
    expect(file.stdout).toBe(`session_id,user_metadata\r\n${session},"{""team"":""a,b""}"\r\n`);
    const csv = await readFile(join(work, "usage.csv"), "utf8");
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(
      "bucket_start,bucket_end,base_model,user_id,user_name,session_id,project_id,estimated_cost_usd," +
        "effective_rate_usd_per_million_tokens,effective_rate_usd_per_gigabyte_month,type,count,free,gigabyte_hours",
    );
    expect(lines[1]).toMatch(
      /^2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Qwen\/Qwen3-8B,user-\w+,,[\w-]+,,,,,checkpoint,1,,$/,
    );
    // Python's str(float): 3.51e-07, not 3.51e-7.
    expect(lines[3]).toMatch(/,storage,,False,3\.51e-07$/);
    expect(lines).toHaveLength(6);
    const stdout = await run(["billing", "usage", ...WINDOW, "--csv", "-"]);
    expect(stdout.stdout).toBe(csv);
  });

  it("says when the window is empty, and maps the server's 400 for a bad window", async () => {
    const empty = await run(["billing", "usage", "2025-01-01T00:00:00Z", "2025-01-01T01:00:00Z"]);
    expect(empty.stdout.split("\n")[0]?.trim()).toBe("No billing usage in this window");
    const bad = await run(["billing", "usage", "2026-01-01T00:30:00Z", "2026-01-01T03:00:00Z"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Error: Invalid request");
    expect(bad.stderr).toContain("aligned to the hour");
  });
});

describe("row helpers", () => {
  it("flattens event_info and marks unavailable applicable costs", () => {
    const row = {
      bucket_start: "x",
      estimated_cost_usd: null,
      event_info: { type: "training", token_count: 5 },
    };
    expect(flattenRow(row)).toEqual({
      bucket_start: "x",
      estimated_cost_usd: null,
      type: "training",
      token_count: 5,
    });
    expect(displayRow(flattenRow(row))).toMatchObject({
      estimated_cost_usd: "null",
      effective_rate_usd_per_million_tokens: "null",
    });
    expect(displayRow({ type: "checkpoint", estimated_cost_usd: null })).toEqual({
      type: "checkpoint",
      estimated_cost_usd: null,
    });
    expect(flattenRow({ a: 1 })).toEqual({ a: 1 });
  });
});
