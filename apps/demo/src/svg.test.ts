import { describe, expect, it } from "vitest";
import { lossCurveSvg, niceTicks, sparkline } from "./svg.js";

describe("niceTicks", () => {
  it("steps by 1, 2 or 5 times a power of ten", () => {
    expect(niceTicks(0, 12.2)).toEqual([0, 5, 10]);
    expect(niceTicks(0, 0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(1, 60)).toEqual([20, 40, 60]);
    expect(niceTicks(0, 1, 10)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it("returns the single value of an empty range", () => {
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe("lossCurveSvg", () => {
  const losses = [12.2, 6.1, 3.3, 2.0, 1.4, 1.1];
  const svg = lossCurveSvg(losses, { title: "loss <&> curve" });

  it("draws one polyline point per step, from the top-left down to the right", () => {
    const points = (/points="([^"]+)"/.exec(svg)?.[1] ?? "").split(" ").map((p) => p.split(",").map(Number));
    expect(points).toHaveLength(losses.length);
    const xs = points.map(([x]) => x!);
    const ys = points.map(([, y]) => y!);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // SVG y grows downwards: a falling loss is a rising y.
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    expect(Math.min(...xs)).toBe(56);
    expect(Math.max(...xs)).toBe(620);
  });

  it("puts the axis top at or above the highest loss and escapes the title", () => {
    expect(svg).toContain(">15</text>");
    expect(svg).toContain("loss &lt;&amp;&gt; curve");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("handles a single step", () => {
    expect(lossCurveSvg([2.5])).toContain('points="56,');
  });

  it("rejects empty and non-finite series", () => {
    expect(() => lossCurveSvg([])).toThrow(RangeError);
    expect(() => lossCurveSvg([1, Number.NaN])).toThrow(RangeError);
  });
});

describe("sparkline", () => {
  it("maps the range onto ▁…█ and samples long series down to the width", () => {
    expect(sparkline([8, 4, 0])).toBe("█▅▁");
    expect(
      sparkline(
        Array.from({ length: 100 }, (_, i) => 100 - i),
        10,
      ),
    ).toHaveLength(10);
    expect(sparkline([])).toBe("");
    expect(sparkline([1, 1])).toBe("▁▁");
  });
});
