/** Options of {@link lossCurveSvg}. */
export interface LossCurveOptions {
  /** Drawing size in CSS pixels (default 640 × 360). */
  readonly width?: number;
  readonly height?: number;
  /** Caption above the plot. */
  readonly title?: string;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );

/** Round tick values covering [min, max]: 1, 2 or 5 times a power of ten apart, about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * A standalone SVG line chart of a loss curve: step (1-based) on the x axis, loss on the y axis
 * from 0, with grid lines, tick labels and a caption. No script, no external resources, so it
 * opens in any browser or image viewer.
 *
 * @param losses one value per step (finite numbers; at least one).
 * @throws RangeError when `losses` is empty or holds a non-finite value.
 */
export function lossCurveSvg(losses: readonly number[], options: LossCurveOptions = {}): string {
  if (losses.length === 0 || losses.some((v) => !Number.isFinite(v))) {
    throw new RangeError("lossCurveSvg needs at least one finite loss value.");
  }
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const margin = { left: 56, right: 20, top: 40, bottom: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const top = Math.max(...losses, 1e-9);
  const yTicks = niceTicks(0, top);
  const last = yTicks[yTicks.length - 1]!;
  if (last < top)
    yTicks.push(
      Number((last + (yTicks.length > 1 ? last - yTicks[yTicks.length - 2]! : top)).toPrecision(12)),
    );
  const yMax = yTicks[yTicks.length - 1]!;
  const xMax = Math.max(losses.length, 2);
  const x = (step: number) => margin.left + ((step - 1) / (xMax - 1)) * plotW;
  const y = (loss: number) => margin.top + plotH - (loss / yMax) * plotH;
  const fmt = (v: number) => Number(v.toFixed(2)).toString();
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title !== undefined) {
    parts.push(
      `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
    );
  }
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${fmt(y(tick))}" y2="${fmt(y(tick))}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 8}" y="${fmt(y(tick) + 4)}" text-anchor="end">${tick}</text>`,
    );
  }
  for (const tick of niceTicks(1, xMax).filter((t) => Number.isInteger(t))) {
    parts.push(
      `<text x="${fmt(x(tick))}" y="${margin.top + plotH + 18}" text-anchor="middle">${tick}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`,
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">step</text>`,
    `<text x="14" y="${margin.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${margin.top + plotH / 2})">loss (nats/token)</text>`,
    `<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${losses.map((v, i) => `${fmt(x(i + 1))},${fmt(y(v))}`).join(" ")}"/>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

/** A one-line terminal sketch of a series with the eight block characters ▁…█ (at most `width` cells). */
export function sparkline(values: readonly number[], width = 40): string {
  if (values.length === 0) return "";
  const blocks = "▁▂▃▄▅▆▇█";
  const cells = Math.min(width, values.length);
  const sampled = Array.from({ length: cells }, (_, i) => values[Math.floor((i * values.length) / cells)]!);
  const min = Math.min(...sampled);
  const span = Math.max(...sampled) - min || 1;
  return sampled.map((v) => blocks[Math.round(((v - min) / span) * 7)]).join("");
}
