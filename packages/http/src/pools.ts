import { Agent, type Dispatcher } from "undici";

/**
 * Connection pools by purpose (tinker-wire-spec.md §2.5; 0.38 adds `retrieve_futures`). Each kind
 * gets its own undici {@link Agent}, so a burst of one kind (big fwd/bwd uploads) never queues
 * behind another (long polls).
 */
export type PoolKind =
  | "session"
  | "sample"
  | "train"
  | "retrieve_promise"
  | "retrieve_futures"
  | "telemetry"
  | "rest_support_redirect";

/** All pool kinds. */
export const POOL_KINDS: readonly PoolKind[] = [
  "session",
  "sample",
  "train",
  "retrieve_promise",
  "retrieve_futures",
  "telemetry",
  "rest_support_redirect",
];

/** Empty-400 budget per pool: 16, +1 back per success, capped at 16 (§2.5). */
export const EMPTY_400_BUDGET = 16;

/** Settings shared by every pool's agent. */
export interface PoolSettings {
  /** TCP/TLS connect timeout in ms. */
  connectTimeoutMs: number;
  /** Offer h2 via ALPN on TLS (never for `train`). */
  http2: boolean;
  /**
   * undici's agent-level `headersTimeout`/`bodyTimeout` in ms. Every request passes its own
   * timeouts, so these only matter for requests that bypass the client; default 0 (disabled),
   * which guarantees undici's 300 s defaults never cut a long call.
   */
  agentTimeoutMs?: number;
}

// httpx keeps idle connections 5 s; undici's default is 4 s.
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

function createAgent(kind: PoolKind, settings: PoolSettings): Agent {
  return new Agent({
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connect: { timeout: settings.connectTimeoutMs },
    headersTimeout: settings.agentTimeoutMs ?? 0,
    bodyTimeout: settings.agentTimeoutMs ?? 0,
    // The Python SDK gives each concurrent training request its own client (cap 1), so large
    // uploads never share a connection; HTTP/1.1 gives each in-flight request its own socket.
    allowH2: settings.http2 && kind !== "train",
  });
}

/**
 * One lazily created agent per {@link PoolKind}, plus the per-pool empty-400 budget. `replace()`
 * swaps in a fresh agent (new connections) after a suspected Cloudflare rejection; the old one
 * closes once its in-flight requests finish.
 */
export class PoolSet {
  readonly #settings: PoolSettings;
  readonly #agents = new Map<PoolKind, Agent>();
  readonly #budgets = new Map<PoolKind, number>();
  #closed = false;

  constructor(settings: PoolSettings) {
    this.#settings = settings;
  }

  /** The dispatcher for `kind`. @throws Error after {@link PoolSet.close}. */
  dispatcher(kind: PoolKind): Dispatcher {
    if (this.#closed) throw new Error("The Tinker HTTP client is closed; create a new one.");
    let agent = this.#agents.get(kind);
    if (!agent) {
      agent = createAgent(kind, this.#settings);
      this.#agents.set(kind, agent);
    }
    return agent;
  }

  /** Opens fresh connections for `kind` from now on. */
  replace(kind: PoolKind): void {
    const old = this.#agents.get(kind);
    this.#agents.delete(kind);
    void old?.close().catch(() => {
      // Closing an agent whose sockets already died can reject; nothing to do.
    });
  }

  /** Remaining empty-400 conversions for `kind`. */
  budget(kind: PoolKind): number {
    return this.#budgets.get(kind) ?? EMPTY_400_BUDGET;
  }

  /** Takes one unit of the empty-400 budget; false when it is spent. */
  takeBudget(kind: PoolKind): boolean {
    const left = this.budget(kind);
    if (left <= 0) return false;
    this.#budgets.set(kind, left - 1);
    return true;
  }

  /** Gives one unit back after a successful request (capped). */
  creditSuccess(kind: PoolKind): void {
    this.#budgets.set(kind, Math.min(EMPTY_400_BUDGET, this.budget(kind) + 1));
  }

  /** Closes every agent, waiting for in-flight requests. */
  async close(): Promise<void> {
    this.#closed = true;
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.allSettled(agents.map((a) => a.close()));
  }
}
