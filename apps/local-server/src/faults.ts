import type { Clock } from "./clock.js";
import { HttpError } from "./errors.js";
import { createPrng, type Prng } from "./prng.js";

/**
 * Fault injection for reliability tests. Rules give, per endpoint, the probability of each
 * fault; one uniform draw per request (from a seeded PRNG, so runs are reproducible) picks at
 * most one fault. Latency is added independently. A fault replaces the handler: the request is
 * not processed, exactly like a proxy or overloaded server failing it, so a client retry with
 * the same seq_id is safe. Every injected fault is counted, per kind and per endpoint.
 * A queue pause makes `retrieve_future` answer `try_again` with a paused `queue_state` for a
 * while (tinker-wire-spec.md §6.3, §6.6).
 */

/** Kinds of injected faults. */
export const faultKinds = [
  "server_error",
  "rate_limit",
  "rate_limit_retry_after",
  "timeout",
  "gone",
  "payment_required",
  "empty_400",
  "drop",
] as const;

/** One kind of injected fault: 5xx, 429, 429 with Retry-After, 408, 410, 402, empty 400, dropped connection. */
export type FaultKind = (typeof faultKinds)[number];

/** Fault probabilities (0–1) for requests matching `endpoint`. */
export type FaultRule = { endpoint: string; latency_ms?: number; latency_probability?: number } & Partial<
  Record<FaultKind, number>
>;

/** Queue states a pause can report (the wire literal of `TryAgainResponse.queue_state`). */
export type PausedQueueState = "paused_capacity" | "paused_rate_limit";

/** A pause of the queue, as configured (duration) or active (deadline). */
export interface QueuePause {
  state: PausedQueueState;
  reason?: string;
  duration_ms: number;
}

/** The whole fault configuration (`--faults FILE`, or `PUT /_admin/faults`). */
export interface FaultConfig {
  /** PRNG seed (default 1). Changing the config re-seeds. */
  seed?: number;
  /** Retry-After seconds sent with `rate_limit_retry_after` (default 1). */
  retry_after_seconds?: number;
  /** The first matching rule applies; `endpoint` is a path like `/api/v1/asample`, or `*`. */
  rules: FaultRule[];
  /** A queue pause to start when this config is applied. */
  pause_queue?: QueuePause;
}

/** What the dispatcher must do for one request. */
export interface FaultDecision {
  fault: FaultKind | undefined;
  latencyMs: number;
}

/** Counts of injected faults. */
export interface FaultCounters {
  total: number;
  by_kind: Record<string, number>;
  by_endpoint: Record<string, Record<string, number>>;
  latency_injections: number;
  requests_seen: number;
}

/**
 * Checks a fault config received from a file or the admin endpoint.
 * @throws HttpError 400 naming the first invalid field.
 */
export function parseFaultConfig(value: unknown): FaultConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "Fault config must be a JSON object with a 'rules' array.");
  }
  const raw = value as Record<string, unknown>;
  const rules = raw["rules"] ?? [];
  if (!Array.isArray(rules)) throw new HttpError(400, "Fault config 'rules' must be an array.");
  const config: FaultConfig = { rules: [] };
  if (raw["seed"] !== undefined) config.seed = requireNumber(raw["seed"], "seed");
  if (raw["retry_after_seconds"] !== undefined) {
    config.retry_after_seconds = requireNumber(raw["retry_after_seconds"], "retry_after_seconds");
  }
  rules.forEach((rule: unknown, index) => {
    if (typeof rule !== "object" || rule === null)
      throw new HttpError(400, `rules[${index}] must be an object.`);
    const r = rule as Record<string, unknown>;
    if (typeof r["endpoint"] !== "string")
      throw new HttpError(400, `rules[${index}].endpoint must be a string.`);
    const parsed: FaultRule = { endpoint: r["endpoint"] };
    let sum = 0;
    for (const [key, v] of Object.entries(r)) {
      if (key === "endpoint") continue;
      if (key === "latency_ms" || key === "latency_probability") {
        parsed[key] = requireNumber(v, `rules[${index}].${key}`);
        continue;
      }
      if (!(faultKinds as readonly string[]).includes(key)) {
        throw new HttpError(400, `rules[${index}].${key} is not a fault kind (${faultKinds.join(", ")}).`);
      }
      const p = requireNumber(v, `rules[${index}].${key}`);
      if (p < 0 || p > 1) throw new HttpError(400, `rules[${index}].${key} must be a probability in [0, 1].`);
      parsed[key as FaultKind] = p;
      sum += p;
    }
    if (sum > 1) throw new HttpError(400, `rules[${index}]: fault probabilities add up to ${sum} > 1.`);
    config.rules.push(parsed);
  });
  const pause = raw["pause_queue"];
  if (pause !== undefined) config.pause_queue = parseQueuePause(pause);
  return config;
}

/** Checks a queue pause (`state`, optional `reason`, `duration_ms`). */
export function parseQueuePause(value: unknown): QueuePause {
  const p = (value ?? {}) as Record<string, unknown>;
  if (p["state"] !== "paused_capacity" && p["state"] !== "paused_rate_limit") {
    throw new HttpError(400, "pause state must be 'paused_capacity' or 'paused_rate_limit'.");
  }
  const pause: QueuePause = {
    state: p["state"],
    duration_ms: requireNumber(p["duration_ms"], "duration_ms"),
  };
  if (p["reason"] !== undefined) {
    if (typeof p["reason"] !== "string") throw new HttpError(400, "pause reason must be a string.");
    pause.reason = p["reason"];
  }
  return pause;
}

function requireNumber(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new HttpError(400, `${name} must be a number.`);
  return value;
}

/** Decides, counts and reports injected faults. */
export class FaultInjector {
  #config: FaultConfig = { rules: [] };
  #prng: Prng = createPrng(1);
  #counters: FaultCounters = emptyCounters();
  #pause: { state: PausedQueueState; reason: string | undefined; until: number } | undefined;
  #clock: Clock;

  constructor(clock: Clock, config?: FaultConfig) {
    this.#clock = clock;
    if (config) this.configure(config);
  }

  /** Current configuration. */
  get config(): FaultConfig {
    return this.#config;
  }

  /** Replaces the configuration, re-seeds the PRNG and starts its queue pause, if any. */
  configure(config: FaultConfig): void {
    this.#config = config;
    this.#prng = createPrng(config.seed ?? 1);
    if (config.pause_queue) this.pauseQueue(config.pause_queue);
  }

  /** Seconds sent in Retry-After for `rate_limit_retry_after`. */
  get retryAfterSeconds(): number {
    return this.#config.retry_after_seconds ?? 1;
  }

  /** Pauses the queue for `pause.duration_ms` ms from now. */
  pauseQueue(pause: QueuePause): void {
    this.#pause = { state: pause.state, reason: pause.reason, until: this.#clock.now() + pause.duration_ms };
  }

  /** The active pause, if any (ends by itself at its deadline). */
  activePause(): { state: PausedQueueState; reason: string | undefined; until: number } | undefined {
    if (this.#pause && this.#pause.until <= this.#clock.now()) this.#pause = undefined;
    return this.#pause;
  }

  /**
   * Decides the fate of one request to `path` (the concrete path, matched exactly against
   * rules, or `*`). Counts what it injects.
   */
  decide(path: string): FaultDecision {
    this.#counters.requests_seen++;
    const rule = this.#config.rules.find((r) => r.endpoint === path || r.endpoint === "*");
    if (!rule) return { fault: undefined, latencyMs: 0 };
    let latencyMs = 0;
    if (rule.latency_ms && this.#prng.next() < (rule.latency_probability ?? 1)) {
      latencyMs = rule.latency_ms;
      this.#counters.latency_injections++;
    }
    const draw = this.#prng.next();
    let cumulative = 0;
    for (const kind of faultKinds) {
      cumulative += rule[kind] ?? 0;
      if (draw < cumulative) {
        this.#count(path, kind);
        return { fault: kind, latencyMs };
      }
    }
    return { fault: undefined, latencyMs };
  }

  /** A copy of the counters. */
  counters(): FaultCounters {
    return structuredClone(this.#counters);
  }

  /** Zeroes the counters. */
  resetCounters(): void {
    this.#counters = emptyCounters();
  }

  #count(path: string, kind: FaultKind): void {
    this.#counters.total++;
    this.#counters.by_kind[kind] = (this.#counters.by_kind[kind] ?? 0) + 1;
    const perPath = this.#counters.by_endpoint[path] ?? {};
    perPath[kind] = (perPath[kind] ?? 0) + 1;
    this.#counters.by_endpoint[path] = perPath;
  }
}

function emptyCounters(): FaultCounters {
  return { total: 0, by_kind: {}, by_endpoint: {}, latency_injections: 0, requests_seen: 0 };
}
