import { randomUUID } from "node:crypto";
import { InvalidInputError } from "@tinker-ts/types";
import type { Authenticator, Principal } from "./auth.js";
import type { Backend } from "./backend/backend.js";
import { BackendUserError } from "./backend/backend.js";
import type { Catalogue } from "./catalogue.js";
import type { Clock, Timer } from "./clock.js";
import { HttpError, notFound } from "./errors.js";
import type { FaultInjector } from "./faults.js";
import type { FutureOutcome, FutureRegistry, FutureResult } from "./futures.js";
import type { Logger } from "./log.js";
import type { ClientConfigFlags, DynamicConfigFlags } from "./options.js";
import { SeqQueue } from "./ordering.js";
import type { CheckpointRecord, SamplerRecord, SessionRecord, TrainingRunRecord } from "./state/entities.js";
import type { Store } from "./state/store.js";
import type { TelemetryIntake } from "./telemetry-intake.js";
import { parseCheckpointPath } from "./tinker-path.js";

/**
 * The server's live state and the rules shared by the handlers: sessions and their expiry
 * (tinker-wire-spec.md §2.4), training models with their seq_id queues (§8.1), samplers and
 * their per-session seq_id de-duplication (§9.2), futures (§6), and checkpoint access.
 */

/** A loaded training model. */
export interface ModelRuntime {
  run: TrainingRunRecord;
  queue: SeqQueue;
  /** Ordered requests rejected at submission, by seq_id: a client retry gets the same error. */
  rejected: Map<number, HttpError>;
  /** Request id of the create_model / create-via-load request (re-sent on duplicates). */
  createRequestId: string;
}

/** What `/asample` answers (0.38 `UntypedAPIFuture` with one sequence id per sample). */
export interface SampleSubmission {
  request_id: string;
  sample_sequence_ids: string[];
}

/** A loaded sampler. */
export interface SamplerRuntime {
  record: SamplerRecord;
  /** The `{request_id, sample_sequence_ids}` reply per sample seq_id, for de-duplicating retries. */
  seqIds: Map<number, SampleSubmission>;
  /** Resolves when the backend has the sampler loaded. */
  ready: Promise<void>;
}

/** Everything handlers need, built once per server. */
export interface RuntimeParts {
  clock: Clock;
  store: Store;
  futures: FutureRegistry;
  faults: FaultInjector;
  auth: Authenticator;
  backend: Backend;
  catalogue: Catalogue;
  logger: Logger;
  telemetry: TelemetryIntake;
  clientConfig: ClientConfigFlags;
  dynamicConfig: DynamicConfigFlags;
  pollTimeoutMs: number;
  sessionExpiryMs: number;
  seqGapTimeoutMs: number;
  inlineResultLimitBytes: number;
  archiveWaitMs: number;
  downloadUrlTtlMs: number;
  adminToken: string | undefined;
}

/** Live state plus shared rules. */
export class ServerRuntime {
  readonly parts: RuntimeParts;
  readonly models = new Map<string, ModelRuntime>();
  readonly samplers = new Map<string, SamplerRuntime>();
  /** Set by the HTTP server once it listens; used for download URLs. */
  baseUrl = "";
  /** Archive builds by checkpoint path and save time; each resolves to the tar file's path. */
  readonly archives = new Map<string, Promise<string>>();
  /** Trace exports requested per session (pending on the first poll, ready after). */
  readonly traceExports = new Map<string, "pending" | "ready">();
  /** HMAC key of signed download URLs. */
  readonly downloadSecret = randomUUID();
  #sweepTimer: Timer | undefined;
  #closed = false;
  /** Futures whose work is running (see {@link ServerRuntime.idle}). */
  readonly #running = new Set<Promise<void>>();

  constructor(parts: RuntimeParts) {
    this.parts = parts;
  }

  get clock(): Clock {
    return this.parts.clock;
  }

  /** Starts the periodic sweep (session expiry, checkpoint TTLs). */
  start(): void {
    this.#scheduleSweep();
  }

  /** Stops timers and pending work. */
  close(): void {
    this.#closed = true;
    this.#sweepTimer?.cancel();
    for (const model of this.models.values()) model.queue.dispose();
    this.parts.futures.clear();
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    const period = Math.max(10, Math.min(this.parts.sessionExpiryMs / 4, 30_000));
    this.#sweepTimer = this.clock.setTimer(() => {
      void this.sweep().finally(() => this.#scheduleSweep());
    }, period);
  }

  /** Expires silent sessions and deletes checkpoints past their TTL. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const session of this.parts.store.sessions.values()) {
      if (session.status === "active" && now - session.last_seen_at > this.parts.sessionExpiryMs) {
        await this.endSession(session, "expired");
      }
    }
    for (const checkpoint of this.parts.store.allCheckpoints()) {
      if (checkpoint.expires_at !== undefined && checkpoint.expires_at <= now) {
        await this.parts.store.deleteCheckpoint(checkpoint);
        await this.audit(
          this.parts.store.runs.get(checkpoint.training_run_id)?.owner ?? "",
          "checkpoint_expired",
          {
            model_id: checkpoint.training_run_id,
            tinker_path: checkpoint.tinker_path,
          },
        );
      }
    }
  }

  /** Ends a session (expired by silence, or finished by the client) and frees what it holds. */
  async endSession(session: SessionRecord, status: "expired" | "finished", reason?: string): Promise<void> {
    session.status = status;
    if (reason) session.finish_reason = reason;
    await this.parts.store.putSession(session);
    const message =
      status === "expired"
        ? `Session ${session.session_id} expired after ${this.parts.sessionExpiryMs} ms without a heartbeat.`
        : `Session ${session.session_id} was finished by the client.`;
    for (const modelId of session.training_run_ids) {
      const model = this.models.get(modelId);
      if (!model) continue;
      model.queue.dispose();
      this.models.delete(modelId);
      this.parts.futures.failOwned(modelId, message, "user");
      await this.parts.backend.releaseModel(modelId);
    }
    for (const samplerId of session.sampler_ids) {
      if (!this.samplers.delete(samplerId)) continue;
      this.parts.futures.failOwned(samplerId, message, "user");
      await this.parts.backend.releaseSampler(samplerId);
    }
    this.parts.logger.info("session ended", { session_id: session.session_id, status });
  }

  /**
   * The caller's active session `id`, marked as seen.
   * @throws HttpError 404 unknown or not the caller's; 410 expired or finished.
   */
  requireSession(id: string, principal: Principal): SessionRecord {
    const session = this.parts.store.sessions.get(id);
    if (!session || session.owner !== principal.owner) throw notFound(`Session ${id} not found.`);
    if (session.status !== "active") {
      throw new HttpError(410, `Session ${id} is ${session.status}; create a new session.`);
    }
    session.last_seen_at = this.clock.now();
    return session;
  }

  /**
   * The caller's loaded model `modelId` (touching its session).
   * @throws HttpError 404 when unknown, unloaded, or not the caller's.
   */
  requireModel(modelId: string, principal: Principal): ModelRuntime {
    const model = this.models.get(modelId);
    if (!model || model.run.owner !== principal.owner) {
      throw notFound(`Model ${modelId} not found (unknown, unloaded, or its session expired).`);
    }
    const session = this.parts.store.sessions.get(model.run.session_id);
    if (session) session.last_seen_at = this.clock.now();
    model.run.last_request_time = this.clock.now();
    return model;
  }

  /** Registers a loaded model with its seq_id queue. */
  addModel(run: TrainingRunRecord, firstSeqId: number, createRequestId: string): ModelRuntime {
    const queue = new SeqQueue(this.clock, firstSeqId, this.parts.seqGapTimeoutMs, (abandoned, missing) => {
      const error =
        `seq_id ${missing.join(", ")} of model ${run.training_run_id} never arrived within ` +
        `${this.parts.seqGapTimeoutMs} ms, so later requests cannot run in order; resubmit them.`;
      for (const work of abandoned) this.settle(work.requestId, { kind: "failed", error, category: "user" });
      this.parts.logger.warn("seq_id gap timed out", { model_id: run.training_run_id, missing });
    });
    const runtime: ModelRuntime = { run, queue, rejected: new Map(), createRequestId };
    this.models.set(run.training_run_id, runtime);
    return runtime;
  }

  /** Registers a future owned by `owner` and returns its request id. */
  newFuture(requestType: string, owner?: string): string {
    return this.parts.futures.create(requestType, owner).requestId;
  }

  settle(requestId: string, outcome: FutureOutcome): void {
    this.parts.futures.settle(requestId, outcome);
  }

  /**
   * Runs `work` and settles the future with its result; a {@link BackendUserError} or
   * {@link HttpError} 4xx or an InvalidInputError fails it with category `user`, anything else
   * with `server`.
   */
  runInto(requestId: string, work: () => Promise<FutureResult>): Promise<void> {
    const running = this.#settleWith(requestId, work);
    this.#running.add(running);
    void running.finally(() => this.#running.delete(running));
    return running;
  }

  /** Resolves when the work running now (futures, archive builds) has finished, failed or not. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#running, ...this.archives.values()]);
  }

  async #settleWith(requestId: string, work: () => Promise<FutureResult>): Promise<void> {
    try {
      this.settle(requestId, { kind: "success", result: await work() });
    } catch (error) {
      const user =
        BackendUserError.isInstance(error) ||
        InvalidInputError.isInstance(error) ||
        (HttpError.isInstance(error) && error.status < 500);
      if (!user) this.parts.logger.error("request failed", { request_id: requestId, error: String(error) });
      this.settle(requestId, {
        kind: "failed",
        error: error instanceof Error ? error.message : String(error),
        category: user ? "user" : "server",
      });
    }
  }

  /**
   * Finds the checkpoint at `tinkerPath` that `principal` may read (own or public).
   * @throws HttpError 400 bad path, 404 missing or not visible.
   */
  requireReadableCheckpoint(tinkerPath: string, principal: Principal): CheckpointRecord {
    const parsed = parseCheckpointPath(tinkerPath);
    const checkpoint = this.parts.store.getCheckpoint(parsed.trainingRunId, parsed.checkpointId);
    const run = this.parts.store.runs.get(parsed.trainingRunId);
    if (!checkpoint || !run || (run.owner !== principal.owner && !checkpoint.public)) {
      throw notFound(`Checkpoint ${tinkerPath} not found.`);
    }
    return checkpoint;
  }

  /** Appends an audit-log entry. */
  async audit(
    owner: string,
    event: string,
    fields: { model_id?: string; tinker_path?: string; purpose?: string },
  ) {
    await this.parts.store.appendAudit({ timestamp: this.clock.now(), event, owner, ...fields });
  }

  /** A fresh random id (sessions). */
  newId(): string {
    return randomUUID();
  }
}
