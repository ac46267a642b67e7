import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OTHER_KEY, runInProcess, startTestServer, type TestServer, testEnv } from "../cli.test-helpers.js";
import { expectAligned, tableLines } from "../output/table.test-helpers.js";
import { expectSchema } from "../schema.test-helpers.js";
import { type CraftedEntry, craftTar } from "../tar.test-helpers.js";

let srv: TestServer;
let session: string;
let work: string;
const NOW = Date.UTC(2026, 0, 3);

beforeAll(async () => {
  srv = await startTestServer();
  session = await srv.session();
});

afterAll(async () => {
  await srv.close();
});

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "tinker-cli-ckpt-"));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

let seq = 0;
/** A new run with the given checkpoints, each saved at its own (server-clock) time. */
async function runWith(checkpoints: { name: string; kind?: "weights" | "sampler"; at: number }[]) {
  srv.clock.current = checkpoints[0]?.at ?? Date.UTC(2026, 0, 1);
  const model = await srv.model(session, { seq: seq++ });
  const paths: string[] = [];
  for (const c of checkpoints) {
    srv.clock.current = c.at;
    paths.push(await srv.save(model, c.name, c.kind ?? "weights"));
  }
  return { runId: model, paths };
}

const run = (args: string[], stdin?: string[]) =>
  runInProcess(args, { env: testEnv(srv.url), now: NOW, cwd: work, ...(stdin ? { stdin } : {}) });

async function remaining(runId: string): Promise<string[]> {
  const reply = (await srv.call("GET", `/api/v1/training_runs/${runId}/checkpoints`)) as {
    checkpoints: { checkpoint_id: string }[];
  };
  return reply.checkpoints.map((c) => c.checkpoint_id).sort();
}

const hour = (h: number, day = 1) => Date.UTC(2026, 0, day, h);

describe("tinker checkpoint list", () => {
  it("lists one run's checkpoints, titled with the run", async () => {
    const { runId, paths } = await runWith([
      { name: "a", at: hour(1) },
      { name: "b", kind: "sampler", at: hour(2) },
    ]);
    const { code, stdout } = await run(["checkpoint", "list", "--run-id", runId]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]?.trim()).toBe(`2 checkpoints for run ${runId}`);
    expectAligned(stdout);
    const rows = tableLines(stdout);
    expect(rows[0]).toEqual(["Checkpoint ID", "Type", "Size", "Public", "Created", "Expires", "Path"]);
    expect(rows).toContainEqual([
      "sampler_weights/b",
      "sampler",
      expect.stringMatching(/^\d+ B$/),
      "No",
      "1 day ago",
      "Never",
      paths[1],
    ]);
    for (const p of paths) expect(stdout).toContain(p);

    const json = JSON.parse((await run(["--json", "checkpoint", "list", "--run-id", runId])).stdout);
    expectSchema("checkpoint-list", json);
    expect(json.run_id).toBe(runId);
    expect(json.checkpoints.map((c: { tinker_path: string }) => c.tinker_path).sort()).toEqual(
      [...paths].sort(),
    );
  });

  it("lists the caller's checkpoints across runs with --limit, newest first", async () => {
    await runWith([{ name: "x", at: hour(5, 2) }]);
    const all = JSON.parse((await run(["--json", "checkpoint", "list", "--limit", "0"])).stdout);
    expectSchema("checkpoint-list", all);
    expect(all.run_id).toBeUndefined();
    const times = all.checkpoints.map((c: { time: string }) => Date.parse(c.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const limited = await run(["checkpoint", "list", "--limit", "1"]);
    expect(limited.stdout.split("\n")[0]?.trim()).toBe(
      `1 checkpoint (${all.checkpoints.length - 1} more not shown, use --limit to see more)`,
    );
  });

  it("says when a run has none", async () => {
    const { runId } = await runWith([]);
    const { stdout } = await run(["checkpoint", "list", "--run-id", runId]);
    expect(stdout.split("\n")[0]?.trim()).toBe(`No checkpoints found for run ${runId}`);
  });
});

describe("tinker checkpoint info / publish / unpublish / set-ttl", () => {
  it("shows a checkpoint with its run's LoRA rank, and its JSON", async () => {
    const { runId, paths } = await runWith([{ name: "final", at: hour(3) }]);
    const { code, stdout } = await run(["checkpoint", "info", paths[0]!]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]?.trim()).toBe("Checkpoint: weights/final");
    expect(tableLines(stdout)).toContainEqual(["Training Run ID", runId]);
    expect(tableLines(stdout)).toContainEqual(["LoRA", "Yes (Rank 8)"]);
    const json = JSON.parse((await run(["--json", "checkpoint", "info", paths[0]!])).stdout);
    expectSchema("checkpoint-info", json);
    expect(json).toMatchObject({ tinker_path: paths[0], is_lora: true, lora_rank: 8, public: false });
  });

  it("reports a missing checkpoint of an existing run, and refuses a path that is not tinker:// (exit 2)", async () => {
    const { runId } = await runWith([]);
    const missing = await run(["checkpoint", "info", `tinker://${runId}/weights/nope`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Error: Checkpoint not found: tinker://${runId}/weights/nope`);
    const bad = await run(["checkpoint", "info", "weights/nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Error: Invalid checkpoint path: weights/nope");
    expect(bad.stderr).toContain("tinker://run-id/weights/0001");
  });

  it("publishes and unpublishes quietly; a repeat is a no-op with a note", async () => {
    const { paths } = await runWith([{ name: "pub", at: hour(4) }]);
    const path = paths[0]!;
    const published = await run(["checkpoint", "publish", path]);
    expect(published).toEqual({ code: 0, stdout: "", stderr: "" });
    const info = JSON.parse((await run(["--json", "checkpoint", "info", path])).stdout);
    expect(info.public).toBe(true);
    const again = await run(["--json", "checkpoint", "publish", path]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`Warning: Checkpoint ${path} is already public; nothing to do.\n`);
    expect(JSON.parse(again.stdout)).toEqual({ tinker_path: path, public: true });
    const json = await run(["--json", "checkpoint", "unpublish", path]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ tinker_path: path, public: false });
    expectSchema("checkpoint-publish", JSON.parse(json.stdout));
  });

  it("sets and removes a TTL, and needs exactly one of --ttl and --remove", async () => {
    const { paths } = await runWith([{ name: "ttl", at: hour(5) }]);
    const path = paths[0]!;
    srv.clock.current = NOW;
    const set = await run(["--json", "checkpoint", "set-ttl", path, "--ttl", "7200"]);
    expect(set.code).toBe(0);
    expectSchema("checkpoint-set-ttl", JSON.parse(set.stdout));
    let info = JSON.parse((await run(["--json", "checkpoint", "info", path])).stdout);
    expect(Date.parse(info.expires_at)).toBe(NOW + 7_200_000);
    expect(tableLines((await run(["checkpoint", "info", path])).stdout)).toContainEqual([
      "Expires",
      "in 2 hours",
    ]);
    expect(await run(["checkpoint", "set-ttl", path, "--remove"])).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    info = JSON.parse((await run(["--json", "checkpoint", "info", path])).stdout);
    expect(info.expires_at).toBeNull();

    const neither = await run(["checkpoint", "set-ttl", path]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("Error: Must specify either --ttl <seconds> or --remove");
    const both = await run(["checkpoint", "set-ttl", path, "--ttl", "60", "--remove"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("Error: Cannot specify both --ttl and --remove");
    const zero = await run(["checkpoint", "set-ttl", path, "--ttl", "0"]);
    expect(zero.code).toBe(2);
  });

  it("maps another user's checkpoint to a 404 on publish", async () => {
    const other = await srv.session({}, OTHER_KEY);
    const model = await srv.model(other, { key: OTHER_KEY });
    const path = await srv.save(model, "theirs", "weights", OTHER_KEY);
    const { code, stderr } = await run(["checkpoint", "publish", path]);
    expect(code).toBe(1);
    expect(stderr).toContain("Error: Resource not found");
  });
});

describe("tinker checkpoint delete", () => {
  /** 8 training checkpoints at 00:00–07:00 on Jan 1 and 4 sampler ones at 00:00–03:00 on Jan 2. */
  const twelve = () =>
    runWith([
      ...Array.from({ length: 8 }, (_, i) => ({ name: `w${i}`, at: hour(i) })),
      ...Array.from({ length: 4 }, (_, i) => ({ name: `s${i}`, kind: "sampler" as const, at: hour(i, 2) })),
    ]);

  it("deletes a run's checkpoints matching --type, --before and --after (strict bounds) with -y", async () => {
    const { runId } = await twelve();
    const first = await run([
      "checkpoint",
      "delete",
      "--run-id",
      runId,
      "--type",
      "weights",
      "--after",
      "2026-01-01T01:00:00Z",
      "--before",
      "2026-01-01T04:00:00",
      "-y",
    ]);
    expect(first.stderr).toBe("");
    expect(first).toMatchObject({ code: 0, stdout: "Deleted 2 checkpoint(s)\n" });
    expect(await remaining(runId)).not.toContain("weights/w2");
    expect(await remaining(runId)).not.toContain("weights/w3");
    expect(await remaining(runId)).toHaveLength(10);

    // A date alone is midnight UTC, and --after is strict: s0 (at midnight) stays.
    const second = await run([
      "--json",
      "checkpoint",
      "delete",
      "--run-id",
      runId,
      "--type",
      "sampler",
      "--after",
      "2026-01-02",
      "--yes",
    ]);
    expect(second.code).toBe(0);
    const json = JSON.parse(second.stdout);
    expectSchema("checkpoint-delete", json);
    expect(json.deleted_count).toBe(3);
    expect(json.deleted.map((p: string) => p.split("/").pop()).sort()).toEqual(["s1", "s2", "s3"]);
    expect(await remaining(runId)).toEqual(
      [
        "sampler_weights/s0",
        "weights/w0",
        "weights/w1",
        "weights/w4",
        "weights/w5",
        "weights/w6",
        "weights/w7",
      ].sort(),
    );

    const none = await run(["checkpoint", "delete", "--run-id", runId, "--before", "2025-12-31", "-y"]);
    expect(none).toMatchObject({
      code: 0,
      stdout: `No checkpoints found for run ${runId} matching filters\n`,
    });
  });

  it("asks first, listing path, size, age and total; 'n' cancels and EOF aborts", async () => {
    const { runId } = await twelve();
    const cancelled = await run(
      ["checkpoint", "delete", "--run-id", runId, "--before", "2026-01-01T02:00:00Z"],
      ["n"],
    );
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toBe("");
    expect(cancelled.stderr).toContain("Will delete 2 checkpoint(s):");
    expect(cancelled.stderr).toMatch(/ {2}- tinker:\/\/\S+\/weights\/w0 \(\d+ B, created 2 days ago\)/);
    expect(cancelled.stderr).toMatch(/Total size: \d+ B/);
    expect(cancelled.stderr).toContain("WARNING: This action is permanent and cannot be undone.");
    expect(cancelled.stderr).toContain("Are you sure you want to delete 2 checkpoint(s)? [y/N]: ");
    expect(cancelled.stderr).toContain("Deletion cancelled.");
    expect(await remaining(runId)).toHaveLength(12);

    const aborted = await run([
      "checkpoint",
      "delete",
      "--run-id",
      runId,
      "--before",
      "2026-01-01T02:00:00Z",
    ]);
    expect(aborted.code).toBe(1);
    expect(aborted.stderr).toContain("Error: Aborted: no answer to the confirmation");

    const confirmed = await run(
      ["checkpoint", "delete", "--run-id", runId, "--before", "2026-01-01T02:00:00Z"],
      ["y"],
    );
    expect(confirmed).toMatchObject({ code: 0, stdout: "Deleted 2 checkpoint(s)\n" });
    expect(await remaining(runId)).toHaveLength(10);
  });

  it("deletes explicit paths in parallel, reporting each failure without stopping the rest (exit 1)", async () => {
    const { runId, paths } = await runWith(
      Array.from({ length: 5 }, (_, i) => ({ name: `p${i}`, at: hour(i) })),
    );
    const missing = `tinker://${runId}/weights/missing`;
    const result = await run(["--json", "checkpoint", "delete", paths[0]!, missing, ...paths.slice(1), "-y"]);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expectSchema("checkpoint-delete", json);
    expect(json.deleted_count).toBe(5);
    expect(json.failed).toHaveLength(1);
    expect(json.failed[0].tinker_path).toBe(missing);
    expect(json.failed[0].error).toContain("404");
    expect(result.stderr).toContain(`Failed to delete 1 checkpoint(s):\n  - ${missing}: `);
    expect(await remaining(runId)).toEqual([]);
  });

  it("lists explicit paths in the confirmation", async () => {
    const { paths } = await runWith([{ name: "c", at: hour(1) }]);
    const result = await run(["checkpoint", "delete", paths[0]!], ["no"]);
    expect(result.stderr).toContain(`Will delete 1 checkpoint(s):\n  - ${paths[0]}\n`);
    expect(result.stderr).toContain("Deletion cancelled.");
  });

  it("rejects bad combinations of arguments with exit 2, before any request", async () => {
    const cases: [string[], string][] = [
      [[], "Must specify checkpoint paths or --run-id"],
      [["tinker://r/weights/a", "--run-id", "r"], "Cannot specify both checkpoint paths and --run-id"],
      [["tinker://r/weights/a", "--type", "weights"], "--type, --before, and --after require --run-id"],
      [["--run-id", "r", "--before", "yesterday"], "Invalid date: yesterday"],
      [["not-a-path"], "Invalid checkpoint path: not-a-path"],
      [["--run-id", "r", "--type", "bogus"], "argument 'bogus' is invalid"],
    ];
    for (const [args, message] of cases) {
      const result = await run(["checkpoint", "delete", ...args, "-y"]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});

describe("tinker checkpoint download", () => {
  it("downloads the archive and extracts it into <output>/<run>_weights_<name>", async () => {
    const { runId, paths } = await runWith([{ name: "dl", at: hour(1) }]);
    const out = join(work, "models");
    const { code, stdout, stderr } = await run([
      "--json",
      "checkpoint",
      "download",
      paths[0]!,
      "-o",
      "models",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expectSchema("checkpoint-download", json);
    const target = join(out, `${runId}_weights_dl`);
    expect(json).toMatchObject({ checkpoint_path: paths[0], destination: target, files: 4 });
    expect((await readdir(target)).sort()).toEqual([
      "adapter_config.json",
      "adapter_model.safetensors",
      "checkpoint_complete",
      "optimizer.safetensors",
    ]);
    expect(JSON.parse(await readFile(join(target, "adapter_config.json"), "utf8"))).toMatchObject({ r: 8 });
    // Nothing but the target is left: no .part, no temporary directory.
    expect(await readdir(out)).toEqual([`${runId}_weights_dl`]);

    const again = await run(["checkpoint", "download", paths[0]!, "-o", "models"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Error: Target directory already exists: ${target}`);
    expect(again.stderr).toContain("Use --force to overwrite");

    const forced = await run(["checkpoint", "download", paths[0]!, "-o", "models", "--force"]);
    expect(forced.code).toBe(0);
    expect(tableLines(forced.stdout)).toContainEqual(["Downloaded to", target]);
    expect(forced.stderr).toContain(`Downloading ${paths[0]} ...`);
  });

  const hostile: [string, CraftedEntry, RegExp][] = [
    ["path traversal", { name: "../../escaped.txt", body: "gotcha" }, /a path with '\.\.'/],
    ["an absolute path", { name: "/tmp/tinker-cli-escaped.txt", body: "gotcha" }, /an absolute path/],
    ["a symlink", { name: "link", type: "symlink", linkname: "/etc" }, /symbolic link "link"/],
    ["a hardlink", { name: "hard", type: "hardlink", linkname: "/etc/passwd" }, /hard link "hard"/],
    [
      "a huge declared size",
      { name: "big.bin", body: "x", pax: { size: String(2 ** 40) } },
      /declares 1099511627776 bytes/,
    ],
  ];
  for (const [what, entry, reason] of hostile) {
    it(`refuses an archive with ${what} served by the server, keeping the existing target intact`, async () => {
      const name = `evil-${what.replaceAll(" ", "-")}`;
      const { runId, paths } = await runWith([{ name, at: hour(1) }]);
      expect((await run(["checkpoint", "download", paths[0]!])).code).toBe(0);
      const target = join(work, `${runId}_weights_${name}`);
      // Swap the server's built archive for a hostile one: the next signed URL serves it.
      const archives = join(srv.server.dataDir, "archives");
      const tar = (await readdir(archives, { recursive: true })).map(String).find((f) => f.includes(name));
      await writeFile(join(archives, tar!), craftTar([{ name: "adapter_config.json", body: "{}" }, entry]));
      const { code, stdout, stderr } = await run(["checkpoint", "download", paths[0]!, "--force"]);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toContain("Error: Refusing to extract the checkpoint archive: ");
      expect(stderr).toMatch(reason);
      await expect(stat(join(work, "..", "escaped.txt"))).rejects.toThrow();
      await expect(stat("/tmp/tinker-cli-escaped.txt")).rejects.toThrow();
      expect((await readdir(target)).sort()).toContain("adapter_model.safetensors");
      // Only the intact target: no temporary directory, and the hostile .part was deleted.
      expect(await readdir(work)).toEqual([`${runId}_weights_${name}`]);
    });
  }
});
