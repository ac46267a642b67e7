import { describe, expect, it } from "vitest";
import { fetchPages, listTitle, type Page } from "./paging.js";

/** A listing of `total` items served in pages, recording each request; `cap` limits a page. */
function source(total: number, options: { reportTotal?: boolean; cap?: number } = {}) {
  const requests: [number, number][] = [];
  const fetchPage = async (limit: number, offset: number): Promise<Page<number>> => {
    requests.push([limit, offset]);
    const size = Math.min(limit, options.cap ?? limit);
    const items = Array.from({ length: Math.max(0, Math.min(size, total - offset)) }, (_, i) => offset + i);
    return { items, totalCount: options.reportTotal === false ? undefined : total };
  };
  return { requests, fetchPage };
}

describe("fetchPages", () => {
  it("asks for min(batch, limit) first and stops at the limit", async () => {
    const s = source(250);
    const result = await fetchPages({ limit: 20, batchSize: 100, fetchPage: s.fetchPage });
    expect(result.items).toHaveLength(20);
    expect(result.totalCount).toBe(250);
    expect(s.requests).toEqual([[20, 0]]);
  });

  it("fetches everything with limit 0, in batches, reporting progress", async () => {
    const s = source(250);
    const progress: [number, number][] = [];
    const result = await fetchPages({
      limit: 0,
      batchSize: 100,
      fetchPage: s.fetchPage,
      onProgress: (a, b) => progress.push([a, b]),
    });
    expect(result.items).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(s.requests).toEqual([
      [100, 0],
      [100, 100],
      [50, 200],
    ]);
    expect(progress).toEqual([
      [100, 250],
      [200, 250],
      [250, 250],
    ]);
  });

  it("keeps going after a short first page when the total says there is more, and stops on a later short page", async () => {
    const s = source(300, { cap: 60 });
    const result = await fetchPages({ limit: 150, batchSize: 100, fetchPage: s.fetchPage });
    expect(s.requests).toEqual([
      [100, 0],
      [90, 60],
    ]);
    expect(result.items).toHaveLength(120);
  });

  it("without a total, pages until a short page or the limit", async () => {
    const s = source(130, { reportTotal: false });
    const all = await fetchPages({ limit: 0, batchSize: 50, fetchPage: s.fetchPage });
    expect(all.items).toHaveLength(130);
    expect(all.totalCount).toBeUndefined();
    const some = await fetchPages({
      limit: 60,
      batchSize: 50,
      fetchPage: source(130, { reportTotal: false }).fetchPage,
    });
    expect(some.items).toHaveLength(60);
  });
});

describe("listTitle", () => {
  const words = { singular: "training run", plural: "training runs" };
  it("words counts and what is left out like the Python CLI", () => {
    expect(listTitle(0, 0, words)).toBe("No training runs found");
    expect(listTitle(1, 1, words)).toBe("1 training run");
    expect(listTitle(3, undefined, words)).toBe("3 training runs");
    expect(listTitle(20, 21, words)).toBe("20 training runs (1 more not shown, use --limit to see more)");
    expect(listTitle(20, 25, { ...words, suffix: " for run r" })).toBe(
      "20 training runs for run r (5 more not shown, use --limit to see more)",
    );
  });
});
