import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { WorkerSpec } from "../backend.js";
import { EncodeBatchError } from "../errors.js";
import type { Piece } from "../rank-encoder.js";
import { ENCODE_WORKER_SOURCE } from "./worker-source.js";

/** A chunk of a batch, handed to one worker. */
interface Task {
  id: number;
  texts: Piece[][];
  addSpecialTokens: boolean;
  resolve: (ids: Int32Array[]) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  /** Tasks posted to the worker and not answered yet, oldest first (it runs them in order). */
  tasks: Task[];
}

type WorkerReply = { ready: true } | { id: number; ids: Int32Array[] } | { id: number; error: string };

/** Bounds of the chunk size, in UTF-16 code units, that balance load against messaging overhead. */
const MIN_CHUNK_CHARS = 4_096;
const MAX_CHUNK_CHARS = 262_144;
/**
 * Chunks per worker in a batch. Workers take the next chunk when done, so the last one finishes at
 * most about a chunk after the others; the cost of a char varies a hundredfold (a 3 000-char run of
 * one letter costs as much as 30 000 chars of prose), so chunks are kept small: a message costs
 * well under a millisecond, a chunk tens of milliseconds.
 */
const CHUNKS_PER_WORKER = 16;
/**
 * Tasks posted to a worker at once. With one, a worker waits after each chunk until the main
 * thread, which competes with the workers for the cores, wakes up to send the next (1–3 ms on two
 * busy cores); with two, the next is already in the worker's queue.
 */
const TASKS_IN_FLIGHT = 2;

const requireFromHere = createRequire(import.meta.url);

/**
 * Worker threads that each hold a copy of one tokenizer and encode chunks of a batch. Workers start
 * on the first batch (building a large tokenizer takes about a second) and stay until
 * {@link EncodePool.close}; they do not keep the process alive while idle.
 */
export class EncodePool {
  readonly #spec: WorkerSpec;
  readonly #size: number;
  #workers: PoolWorker[] = [];
  readonly #queue: Task[] = [];
  #nextId = 0;
  #pending = 0;

  /** @param size number of worker threads (≥ 1). */
  constructor(spec: WorkerSpec, size: number) {
    this.#spec = spec;
    this.#size = size;
  }

  /**
   * Encodes every text and returns the ids in input order. `split` gives the pieces a worker
   * encodes (`TokenizerBackend.splitForWorker`); texts are split a chunk at a time, each chunk sent
   * as soon as it is split, so that workers start while the rest is split.
   */
  async encode(
    texts: readonly string[],
    split: (text: string) => Piece[],
    addSpecialTokens: boolean,
  ): Promise<Int32Array[]> {
    this.#start();
    const totalChars = texts.reduce((sum, text) => sum + text.length, 0);
    const perChunk = totalChars / (this.#size * CHUNKS_PER_WORKER);
    const target = Math.min(MAX_CHUNK_CHARS, Math.max(MIN_CHUNK_CHARS, perChunk));
    const chunks: Promise<Int32Array[]>[] = [];
    let start = 0;
    let chars = 0;
    for (let i = 0; i < texts.length; i++) {
      chars += texts[i]!.length;
      if (chars >= target || i === texts.length - 1) {
        chunks.push(this.#submit(texts.slice(start, i + 1).map(split), addSpecialTokens));
        start = i + 1;
        chars = 0;
      }
    }
    return (await Promise.all(chunks)).flat();
  }

  /** Stops the workers; a later {@link EncodePool.encode} starts new ones. */
  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  #submit(texts: Piece[][], addSpecialTokens: boolean): Promise<Int32Array[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, texts, addSpecialTokens, resolve, reject });
      this.#setPending(+1);
      this.#dispatch();
    });
  }

  #start(): void {
    while (this.#workers.length < this.#size) {
      const worker = new Worker(ENCODE_WORKER_SOURCE, {
        eval: true,
        workerData: {
          spec: this.#spec,
          // Resolved here, where the package's dependencies are visible; the worker's eval'd code
          // has no location of its own to resolve them from.
          tokenizersModule: requireFromHere.resolve("@huggingface/tokenizers"),
          tiktokenModule: requireFromHere.resolve("js-tiktoken/lite"),
          tiktokenWasmModule: requireFromHere.resolve("tiktoken/lite"),
        },
      });
      const entry: PoolWorker = { worker, ready: false, tasks: [] };
      if (this.#pending === 0) worker.unref();
      worker.on("message", (reply: WorkerReply) => this.#onReply(entry, reply));
      worker.on("error", (error) => this.#onFailure(entry, error));
      worker.on("exit", (code) => {
        if (code !== 0) this.#onFailure(entry, new Error(`exited with code ${code}`));
      });
      this.#workers.push(entry);
    }
  }

  #onReply(entry: PoolWorker, reply: WorkerReply): void {
    if ("ready" in reply) {
      entry.ready = true;
    } else {
      const task = entry.tasks.shift()!;
      this.#setPending(-1);
      if ("ids" in reply) task.resolve(reply.ids);
      else task.reject(new EncodeBatchError(`encodeBatch failed in a worker thread: ${reply.error}`));
    }
    this.#dispatch();
  }

  /** A worker died: its tasks fail, and so does the queue if no worker is left to run it. */
  #onFailure(entry: PoolWorker, error: Error): void {
    if (!this.#workers.includes(entry)) return;
    this.#workers = this.#workers.filter((w) => w !== entry);
    const failure = new EncodeBatchError(`An encodeBatch worker thread failed: ${error.message}`, {
      cause: error,
    });
    const failed = entry.tasks.splice(0);
    if (this.#workers.length === 0) failed.push(...this.#queue.splice(0));
    for (const task of failed) {
      this.#setPending(-1);
      task.reject(failure);
    }
    void entry.worker.terminate();
  }

  /** Posts queued tasks to ready workers, a task to each in turn, up to {@link TASKS_IN_FLIGHT} each. */
  #dispatch(): void {
    for (let depth = 1; depth <= TASKS_IN_FLIGHT; depth++) {
      for (const entry of this.#workers) {
        if (!entry.ready || entry.tasks.length >= depth) continue;
        const task = this.#queue.shift();
        if (!task) return;
        entry.tasks.push(task);
        entry.worker.postMessage({ id: task.id, texts: task.texts, addSpecialTokens: task.addSpecialTokens });
      }
    }
  }

  /** Workers are referenced only while work is pending, so an idle pool never holds the process open. */
  #setPending(delta: number): void {
    const before = this.#pending;
    this.#pending += delta;
    if (before === 0 && this.#pending > 0) for (const w of this.#workers) w.worker.ref();
    if (before > 0 && this.#pending === 0) for (const w of this.#workers) w.worker.unref();
  }
}
