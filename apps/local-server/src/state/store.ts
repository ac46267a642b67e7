import { appendFile, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { atomicWriteDir, atomicWriteJson, fileSegment, fromFileSegment } from "./atomic-fs.js";
import {
  type AuditRecord,
  type CheckpointRecord,
  kindSegment,
  type SamplerRecord,
  type SessionRecord,
  type TrainingRunRecord,
  type UsageRecord,
} from "./entities.js";

/**
 * Everything the server must remember across restarts, kept in memory and mirrored under the
 * data directory:
 *
 * ```
 * sessions/<id>.json
 * samplers/<id>.json
 * runs/<run>/run.json
 * runs/<run>/checkpoints/{weights,sampler_weights}/<name>/{meta.json, adapter files…}
 * audit.jsonl, usage.jsonl
 * ```
 *
 * Entity files and checkpoint directories are written atomically (see atomic-fs.ts), and a
 * checkpoint is acknowledged to the client only after its directory has been renamed into place,
 * so a server killed with SIGKILL restarts with every acknowledged checkpoint intact. Leftover
 * `.tmp-*` entries from an interrupted write are removed on open.
 */
export class Store {
  readonly dir: string;
  readonly sessions = new Map<string, SessionRecord>();
  readonly runs = new Map<string, TrainingRunRecord>();
  readonly samplers = new Map<string, SamplerRecord>();
  /** Checkpoints by run id, then by checkpoint id (`weights/<name>`). */
  readonly checkpoints = new Map<string, Map<string, CheckpointRecord>>();
  readonly audit: AuditRecord[] = [];
  readonly usage: UsageRecord[] = [];
  #pendingUsage: string[] = [];
  #usageFlush: Promise<void> = Promise.resolve();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens (creating if needed) the store under `dir` and loads what it holds. */
  static async open(dir: string): Promise<Store> {
    const store = new Store(dir);
    await mkdir(dir, { recursive: true });
    await store.#load();
    return store;
  }

  async putSession(session: SessionRecord): Promise<void> {
    this.sessions.set(session.session_id, session);
    await atomicWriteJson(join(this.dir, "sessions", `${fileSegment(session.session_id)}.json`), session);
  }

  async putRun(run: TrainingRunRecord): Promise<void> {
    this.runs.set(run.training_run_id, run);
    await atomicWriteJson(join(this.#runDir(run.training_run_id), "run.json"), run);
  }

  async putSampler(sampler: SamplerRecord): Promise<void> {
    this.samplers.set(sampler.sampler_id, sampler);
    await atomicWriteJson(join(this.dir, "samplers", `${fileSegment(sampler.sampler_id)}.json`), sampler);
  }

  /** The checkpoint with `checkpointId` (`weights/<name>`) of `runId`, if any. */
  getCheckpoint(runId: string, checkpointId: string): CheckpointRecord | undefined {
    return this.checkpoints.get(runId)?.get(checkpointId);
  }

  /** Every checkpoint of every run. */
  allCheckpoints(): CheckpointRecord[] {
    return [...this.checkpoints.values()].flatMap((byId) => [...byId.values()]);
  }

  /**
   * Writes a checkpoint's files and metadata durably, replacing one of the same id, and only
   * then makes it visible in memory.
   */
  async saveCheckpoint(record: CheckpointRecord, files: Record<string, Uint8Array>): Promise<void> {
    await atomicWriteDir(this.checkpointDir(record), {
      ...files,
      "meta.json": `${JSON.stringify(record, null, 2)}\n`,
    });
    this.#indexCheckpoint(record);
  }

  /** Rewrites a checkpoint's metadata (publish, TTL). */
  async updateCheckpoint(record: CheckpointRecord): Promise<void> {
    await atomicWriteJson(join(this.checkpointDir(record), "meta.json"), record);
    this.#indexCheckpoint(record);
  }

  async deleteCheckpoint(record: CheckpointRecord): Promise<void> {
    this.checkpoints.get(record.training_run_id)?.delete(record.checkpoint_id);
    await rm(this.checkpointDir(record), { recursive: true, force: true });
  }

  /** Reads the files of a checkpoint (without its metadata). */
  async readCheckpointFiles(record: CheckpointRecord): Promise<Record<string, Uint8Array>> {
    const files: Record<string, Uint8Array> = {};
    for (const name of record.files) files[name] = await readFile(join(this.checkpointDir(record), name));
    return files;
  }

  /** Directory holding a checkpoint's files. */
  checkpointDir(record: CheckpointRecord): string {
    return join(
      this.#runDir(record.training_run_id),
      "checkpoints",
      kindSegment(record.checkpoint_type),
      fileSegment(record.name),
    );
  }

  async appendAudit(entry: AuditRecord): Promise<void> {
    this.audit.push(entry);
    await appendFile(join(this.dir, "audit.jsonl"), `${JSON.stringify(entry)}\n`);
  }

  /**
   * Records usage. Lines are appended in batches (one write per event-loop turn) because usage
   * arrives with every sample and forward_backward; it is billing data, not an acknowledgement.
   */
  appendUsage(entry: UsageRecord): void {
    this.usage.push(entry);
    this.#pendingUsage.push(`${JSON.stringify(entry)}\n`);
    if (this.#pendingUsage.length === 1) {
      this.#usageFlush = this.#usageFlush.then(() => {
        const lines = this.#pendingUsage.splice(0).join("");
        return appendFile(join(this.dir, "usage.jsonl"), lines).catch(() => undefined);
      });
    }
  }

  /** Resolves when buffered usage lines are on disk. */
  flush(): Promise<void> {
    return this.#usageFlush;
  }

  #runDir(runId: string): string {
    return join(this.dir, "runs", fileSegment(runId));
  }

  #indexCheckpoint(record: CheckpointRecord): void {
    let byId = this.checkpoints.get(record.training_run_id);
    if (!byId) {
      byId = new Map();
      this.checkpoints.set(record.training_run_id, byId);
    }
    byId.set(record.checkpoint_id, record);
  }

  async #load(): Promise<void> {
    for (const session of await readJsonDir<SessionRecord>(join(this.dir, "sessions"))) {
      this.sessions.set(session.session_id, session);
    }
    for (const sampler of await readJsonDir<SamplerRecord>(join(this.dir, "samplers"))) {
      this.samplers.set(sampler.sampler_id, sampler);
    }
    const runsDir = join(this.dir, "runs");
    for (const runSegment of await listDir(runsDir)) {
      const runDir = join(runsDir, runSegment);
      const run = await readJson<TrainingRunRecord>(join(runDir, "run.json"));
      if (run && run.training_run_id === fromFileSegment(runSegment)) this.runs.set(run.training_run_id, run);
      for (const kind of ["weights", "sampler_weights"]) {
        const kindDir = join(runDir, "checkpoints", kind);
        for (const entry of await listDir(kindDir)) {
          const path = join(kindDir, entry);
          if (entry.startsWith(".tmp-") || entry.startsWith(".trash-")) {
            await rm(path, { recursive: true, force: true });
            continue;
          }
          const record = await readJson<CheckpointRecord>(join(path, "meta.json"));
          if (record) this.#indexCheckpoint(record);
        }
      }
    }
    this.audit.push(...(await readJsonLines<AuditRecord>(join(this.dir, "audit.jsonl"))));
    this.usage.push(...(await readJsonLines<UsageRecord>(join(this.dir, "usage.jsonl"))));
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

async function readJsonDir<T>(dir: string): Promise<T[]> {
  const out: T[] = [];
  for (const entry of await listDir(dir)) {
    const path = join(dir, entry);
    if (entry.startsWith(".tmp-")) {
      await rm(path, { force: true });
      continue;
    }
    if (!entry.endsWith(".json") || !(await stat(path)).isFile()) continue;
    const value = await readJson<T>(path);
    if (value) out.push(value);
  }
  return out;
}

/** Reads a JSON-lines file; a torn last line (crash during append) is skipped. */
async function readJsonLines<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A line cut short by a crash is the only way to get here; it was never acknowledged.
    }
  }
  return out;
}
