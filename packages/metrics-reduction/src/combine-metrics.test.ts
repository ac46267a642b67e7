import { TinkerError } from "@tinker-ts/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { combineMetrics, type DroppedMetric, type MetricsChunk } from "./combine-metrics.js";
import { MetricsReductionError } from "./errors.js";
import { hash2, hashUnordered } from "./hash-reductions.js";

/** A chunk with `count` datums; the records' contents do not matter to metrics. */
const chunk = (metrics: Record<string, number>, count = 1): MetricsChunk => ({
  metrics,
  loss_fn_outputs: { length: count },
});

function thrownBy(run: () => unknown): MetricsReductionError {
  try {
    run();
  } catch (error) {
    if (MetricsReductionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MetricsReductionError");
}

describe("combineMetrics", () => {
  it("reports each dropped metric with its reason, in first-chunk key order", () => {
    const dropped: DroppedMetric[] = [];
    const combined = combineMetrics(
      [
        chunk({ "a:p99": 1, "b:sum": 2, "c:sum": 3, "h:hash_unordered": 4 }),
        chunk({ "a:p99": 1, "c:sum": 3 }),
      ],
      { onDroppedMetric: (metric) => dropped.push(metric) },
    );
    expect(combined).toEqual({ "c:sum": 6 });
    expect(dropped).toEqual([
      { key: "a:p99", reason: "unknown_reduction" },
      { key: "b:sum", reason: "missing_in_chunk" },
      { key: "h:hash_unordered", reason: "unknown_reduction" },
    ]);
  });

  it("follows the hash reduction of the chosen SDK release", () => {
    const chunks = [
      chunk({ "h:hash2": -1, "u:hash_unordered": -1 }),
      chunk({ "h:hash2": 3, "u:hash_unordered": 3 }),
    ];
    expect(combineMetrics(chunks)).toEqual({ "h:hash2": Number(hash2([-1, 3])) });
    expect(combineMetrics(chunks, { sdkVersion: "0.38.0" })).toEqual({ "h:hash2": 2 });
    expect(combineMetrics(chunks, { sdkVersion: "0.25.0" })).toEqual({
      "u:hash_unordered": Number(hashUnordered([3, -1])),
    });
  });

  it("keeps the exact hash only in the bigint; the record holds the nearest double", () => {
    // 2^63 + 2^10 needs 54 significant bits; as a double it rounds (half to even) to 2^63.
    const values = [2 ** 63, 2 ** 10];
    const exact = hash2(values);
    expect(exact).toBe(2n ** 63n + 2n ** 10n);
    const combined = combineMetrics(values.map((value) => chunk({ "h:hash2": value })));
    expect(combined["h:hash2"]).toBe(Number(exact));
    expect(BigInt(combined["h:hash2"]!)).not.toBe(exact);
  });

  it("ignores metrics of later chunks that the first chunk does not have", () => {
    expect(combineMetrics([chunk({}), chunk({ "a:sum": 1, "not a key": 2 })])).toEqual({});
  });

  it("rejects a first-chunk key without exactly one colon, naming the key", () => {
    for (const key of ["loss", "a:b:sum", "::"]) {
      const error = thrownBy(() => combineMetrics([chunk({ [key]: 1 })]));
      expect(error.failure).toBe("malformed_key");
      expect(error.metricKey).toBe(key);
      expect(error.message).toContain(`"${key}"`);
      expect(TinkerError.isInstance(error)).toBe(true);
    }
  });

  it("rejects :mean and :slack when every chunk has zero loss_fn_outputs", () => {
    for (const key of ["a:mean", "a:slack"]) {
      const error = thrownBy(() => combineMetrics([chunk({ [key]: 1 }, 0), chunk({ [key]: 2 }, 0)]));
      expect(error.failure).toBe("zero_total_weight");
      expect(error.metricKey).toBe(key);
    }
  });

  it("rejects a hash of a non-finite value, naming the metric", () => {
    const error = thrownBy(() => combineMetrics([chunk({ "h:hash2": 1 }), chunk({ "h:hash2": Number.NaN })]));
    expect(error.failure).toBe("non_finite_hash_input");
    expect(error.message).toContain('"h:hash2"');
  });
});

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 });

describe("combineMetrics properties", () => {
  it("sums singleton chunks of integers exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const combined = combineMetrics(values.map((value) => chunk({ "n:sum": value })));
          expect(combined["n:sum"]).toBe(values.reduce((a, b) => a + b, 0));
        },
      ),
    );
  });

  it("keeps the weighted mean within [min, max] (up to rounding) and slack non-negative", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(finite, fc.nat({ max: 50 })), { minLength: 1, maxLength: 40 }),
        (pairs) => {
          fc.pre(pairs.some(([, weight]) => weight > 0));
          const metrics = (value: number) => ({
            "v:mean": value,
            "v:min": value,
            "v:max": value,
            "v:slack": value,
          });
          const combined = combineMetrics(pairs.map(([value, weight]) => chunk(metrics(value), weight)));
          const { "v:mean": mean, "v:min": min, "v:max": max, "v:slack": slack } = combined;
          const tolerance = 1e-9 * Math.max(Math.abs(min!), Math.abs(max!), 1);
          expect(mean!).toBeGreaterThanOrEqual(min! - tolerance);
          expect(mean!).toBeLessThanOrEqual(max! + tolerance);
          expect(slack!).toBeGreaterThanOrEqual(-tolerance);
        },
      ),
    );
  });

  it("returns a single chunk's sum, min, max, unique and unit-weight mean unchanged, with zero slack", () => {
    // -0 is left out: numpy's sums start from +0, so a -0 sum or mean comes back as +0 (a fixture case).
    fc.assert(
      fc.property(
        finite.filter((value) => !Object.is(value, -0)),
        (value) => {
          const metrics = {
            "a:sum": value,
            "a:min": value,
            "a:max": value,
            "a:unique": value,
            "a:mean": value,
          };
          expect(combineMetrics([chunk({ ...metrics, "a:slack": value })])).toEqual({
            ...metrics,
            "a:slack": 0,
          });
        },
      ),
    );
  });

  it("expands :unique into one key per chunk holding that chunk's value", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 30 }), (values) => {
        const combined = combineMetrics(values.map((value) => chunk({ "c:unique": value })));
        const keys = values.map((_, i) => (i === 0 ? "c:unique" : `c:unique_${i}`));
        expect(Object.keys(combined)).toEqual(keys);
        expect(keys.map((key) => combined[key])).toEqual(values);
      }),
    );
  });

  it("gives every first-chunk key a result or exactly one drop report", () => {
    const key = fc.tuple(
      fc.constantFrom("a", "b", "c"),
      fc.constantFrom("sum", "max", "p50", "mean", "hash2"),
    );
    const metrics = fc.dictionary(
      key.map(([name, reduction]) => `${name}:${reduction}`),
      finite,
    );
    fc.assert(
      fc.property(fc.array(metrics, { minLength: 1, maxLength: 5 }), (all) => {
        const dropped: string[] = [];
        const combined = combineMetrics(
          all.map((metricsOfChunk) => chunk(metricsOfChunk)),
          { onDroppedMetric: ({ key: droppedKey }) => dropped.push(droppedKey) },
        );
        expect([...Object.keys(combined), ...dropped].sort()).toEqual(Object.keys(all[0]!).sort());
      }),
    );
  });
});
