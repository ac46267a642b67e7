import { describe, expect, it } from "vitest";
import type { LogLine } from "./futures.test-helpers.js";
import {
  PAUSE_GRACE_PERIOD_MS,
  parseQueueState,
  QUEUE_STATE_LOG_INTERVAL_MS,
  QueueStateLogger,
  SamplingQueueStateLogger,
} from "./queue-state.js";

function harness() {
  const lines: LogLine[] = [];
  const clock = { t: 1_000_000, now: () => clock.t };
  const logger = {
    debug: (message: string) => lines.push({ level: "debug", message }),
    info: (message: string) => lines.push({ level: "info", message }),
    warn: (message: string) => lines.push({ level: "warn", message }),
    error: (message: string) => lines.push({ level: "error", message }),
  };
  return {
    lines,
    clock,
    logger,
    warnings: () => lines.filter((l) => l.level === "warn").map((l) => l.message),
  };
}

describe("parseQueueState", () => {
  it("keeps the known wire states and maps anything else to unknown", () => {
    expect(parseQueueState("active")).toBe("active");
    expect(parseQueueState("paused_capacity")).toBe("paused_capacity");
    expect(parseQueueState("paused_rate_limit")).toBe("paused_rate_limit");
    expect(parseQueueState("paused_for_lunch")).toBe("unknown");
    expect(parseQueueState(3)).toBe("unknown");
    expect(parseQueueState(undefined)).toBe("unknown");
  });
});

describe("QueueStateLogger (training / model creation, §6.6 with the 0.38 grace period)", () => {
  it("reports a pause only once it has lasted the grace period, then at most once a minute", () => {
    const h = harness();
    const observer = new QueueStateLogger("model-1", "Training", h);
    observer.onQueueStateChange("paused_rate_limit", undefined);
    h.clock.t += PAUSE_GRACE_PERIOD_MS - 1;
    observer.onQueueStateChange("paused_rate_limit", undefined);
    expect(h.warnings()).toEqual([]);
    h.clock.t += 1;
    observer.onQueueStateChange("paused_rate_limit", undefined);
    expect(h.warnings()).toEqual([
      "Training for model-1 is paused. Reason: concurrent training clients rate limit hit.",
    ]);
    h.clock.t += QUEUE_STATE_LOG_INTERVAL_MS - 1;
    observer.onQueueStateChange("paused_rate_limit", "server says wait");
    expect(h.warnings()).toHaveLength(1);
    h.clock.t += 1;
    observer.onQueueStateChange("paused_rate_limit", "server says wait");
    expect(h.warnings()[1]).toBe("Training for model-1 is paused. Reason: server says wait.");
  });

  it("restarts the grace period when the state changes, and never logs active", () => {
    const h = harness();
    const observer = new QueueStateLogger("Qwen/Qwen3-8B", "Model creation", h);
    observer.onQueueStateChange("paused_capacity", undefined);
    h.clock.t += PAUSE_GRACE_PERIOD_MS;
    observer.onQueueStateChange("active", undefined);
    observer.onQueueStateChange("paused_capacity", undefined);
    expect(h.warnings()).toEqual([]);
    h.clock.t += PAUSE_GRACE_PERIOD_MS;
    observer.onQueueStateChange("paused_capacity", undefined);
    expect(h.warnings()).toEqual([
      "Model creation for Qwen/Qwen3-8B is paused. Reason: Tinker backend is running short on capacity, please wait.",
    ]);
  });

  it("uses 'unknown' as the default reason of other states and 'Operation' as the default prefix", () => {
    const h = harness();
    const observer = new QueueStateLogger("x", undefined, { ...h, pauseGracePeriodMs: 0 });
    observer.onQueueStateChange("unknown", undefined);
    expect(h.warnings()).toEqual(["Operation for x is paused. Reason: unknown."]);
  });

  it("treats an empty server reason as absent", () => {
    const h = harness();
    const observer = new QueueStateLogger("m", "Training", { ...h, pauseGracePeriodMs: 0 });
    observer.onQueueStateChange("paused_capacity", "");
    expect(h.warnings()).toEqual([
      "Training for m is paused. Reason: Tinker backend is running short on capacity, please wait.",
    ]);
  });
});

describe("SamplingQueueStateLogger (§6.6)", () => {
  it("logs the first pause at once, then at most once a minute, and ignores active", () => {
    const h = harness();
    const observer = new SamplingQueueStateLogger("sampler-7", h);
    observer.onQueueStateChange("active", undefined);
    observer.onQueueStateChange("paused_rate_limit", undefined);
    h.clock.t += QUEUE_STATE_LOG_INTERVAL_MS - 1;
    observer.onQueueStateChange("paused_capacity", undefined);
    h.clock.t += 1;
    observer.onQueueStateChange("paused_capacity", undefined);
    h.clock.t += QUEUE_STATE_LOG_INTERVAL_MS;
    observer.onQueueStateChange("unknown", "maintenance");
    expect(h.warnings()).toEqual([
      "Sampling is paused for sampler sampler-7. Reason: concurrent sampler weights limit hit",
      "Sampling is paused for sampler sampler-7. Reason: Tinker backend is running short on capacity, please wait",
      "Sampling is paused for sampler sampler-7. Reason: maintenance",
    ]);
  });

  it("defaults to 'unknown' for an unknown state without a reason", () => {
    const h = harness();
    new SamplingQueueStateLogger("s", h).onQueueStateChange("unknown", undefined);
    expect(h.warnings()).toEqual(["Sampling is paused for sampler s. Reason: unknown"]);
  });
});
