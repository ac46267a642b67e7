import type { StepReport } from "@tinker-ts/examples/sft-basic";
import cliProgress from "cli-progress";

/** Shows training progress: a redrawn bar on a terminal, plain lines otherwise. */
export interface Progress {
  /** Called once per finished step. */
  update(report: StepReport): void;
  /** Ends the display (the bar leaves its last state on screen). */
  stop(): void;
}

/** Where progress is written. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

const describe = (r: StepReport) =>
  `step ${String(r.step + 1).padStart(String(r.steps).length)}/${r.steps}  loss ${r.loss.toFixed(3)}  ${Math.round(r.tokensPerSecond).toLocaleString("en-US")} tokens/s`;

/**
 * A progress display for `total` steps on `stream`: a cli-progress bar (step, loss, tokens/s)
 * when the stream is a terminal; otherwise one plain line every `every` steps and at the last,
 * so logs and CI output stay readable.
 */
export function createProgress(stream: ProgressStream, total: number, every = 10): Progress {
  if (stream.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: "  training |{bar}| step {value}/{total} | loss {loss} | {tps} tokens/s | {elapsed}s",
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { loss: "-", tps: "-", elapsed: "0" });
    return {
      update: (r) =>
        bar.update(r.step + 1, {
          loss: r.loss.toFixed(3),
          tps: Math.round(r.tokensPerSecond).toLocaleString("en-US"),
          elapsed: (r.elapsedMs / 1000).toFixed(1),
        }),
      stop: () => bar.stop(),
    };
  }
  return {
    update: (r) => {
      if (r.step === 0 || (r.step + 1) % every === 0 || r.step + 1 === r.steps)
        stream.write(`  ${describe(r)}\n`);
    },
    stop: () => {},
  };
}
