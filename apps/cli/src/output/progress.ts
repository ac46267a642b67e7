import { SingleBar } from "cli-progress";
import type { OutputStream } from "../io.js";
import { formatSize } from "./format.js";

/**
 * Progress on stderr. A bar is drawn only on a terminal and only once the work has lasted
 * {@link PROGRESS_DELAY_MS}, so quick commands never flash one; everywhere else nothing is drawn
 * (commands print plain lines for the steps that matter instead).
 */

/** How long work runs before a bar appears, ms. */
export const PROGRESS_DELAY_MS = 300;

/** A progress indicator; every method is a no-op when no bar is shown. */
export interface Progress {
  /** Sets the amount done (items or bytes). */
  update(done: number): void;
  /** Adds `delta` to the amount done. */
  increment(delta?: number): void;
  /** Changes the total (when it becomes known). */
  setTotal(total: number): void;
  /** Removes the bar. */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where the bar goes (stderr). */
  stream: OutputStream;
  /** False disables the bar (JSON output, or not a terminal). */
  enabled: boolean;
  label: string;
  /** Total amount; 0 when unknown. */
  total: number;
  /** What is counted: `bytes` shows sizes, `items` plain counts. */
  unit: "items" | "bytes";
  /** Clock, ms. */
  now: () => number;
  /** Delay before the bar appears, ms (default {@link PROGRESS_DELAY_MS}). */
  delayMs?: number;
}

const noProgress: Progress = { update() {}, increment() {}, setTotal() {}, stop() {} };

/** Creates a progress indicator; see the module comment for when a bar is drawn. */
export function createProgress(options: ProgressOptions): Progress {
  const raw = options.stream.stream;
  if (!options.enabled || !options.stream.isTTY || raw === undefined) return noProgress;
  const started = options.now();
  const delay = options.delayMs ?? PROGRESS_DELAY_MS;
  let total = options.total;
  let done = 0;
  let bar: SingleBar | undefined;
  let stopped = false;
  const sizes = options.unit === "bytes";
  const draw = () => {
    if (stopped) return;
    const shown = sizes
      ? `${formatSize(done)}${total > 0 ? ` / ${formatSize(total)}` : ""}`
      : `${done}${total > 0 ? `/${total}` : ""}`;
    if (bar) {
      bar.setTotal(total);
      bar.update(done, { shown });
      return;
    }
    if (options.now() - started < delay) return;
    bar = new SingleBar({
      stream: raw,
      format: `${options.label} [{bar}] {percentage}% | {shown}`,
      hideCursor: true,
      clearOnComplete: true,
    });
    bar.start(total, done, { shown });
  };
  return {
    update(value) {
      done = value;
      draw();
    },
    increment(delta = 1) {
      done += delta;
      draw();
    },
    setTotal(value) {
      total = value;
      draw();
    },
    stop() {
      stopped = true;
      bar?.stop();
    },
  };
}
