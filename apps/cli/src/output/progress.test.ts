import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { captureStream } from "../cli.test-helpers.js";
import { createProgress } from "./progress.js";

/** A fake terminal: a stream that says it is a TTY and records what is drawn. */
function terminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  let drawn = "";
  stream.on("data", (chunk: Buffer) => {
    drawn += chunk.toString("utf8");
  });
  return { out: { write: () => {}, isTTY: true, columns: 80, stream }, drawn: () => drawn };
}

describe("createProgress", () => {
  it("draws nothing when disabled or not on a terminal", () => {
    const plain = captureStream();
    const bar = createProgress({
      stream: plain,
      enabled: true,
      label: "x",
      total: 10,
      unit: "items",
      now: () => 1e6,
    });
    bar.update(5);
    bar.stop();
    expect(plain.text).toBe("");
    const tty = terminal();
    const off = createProgress({
      stream: tty.out,
      enabled: false,
      label: "x",
      total: 10,
      unit: "items",
      now: () => 0,
    });
    off.increment();
    expect(tty.drawn()).toBe("");
  });

  it("appears on a terminal only after the delay, showing counts or sizes", async () => {
    let now = 0;
    const tty = terminal();
    const bar = createProgress({
      stream: tty.out,
      enabled: true,
      label: "Downloading",
      total: 0,
      unit: "bytes",
      now: () => now,
    });
    bar.update(100);
    expect(tty.drawn()).toBe("");
    now = 1000;
    bar.setTotal(4096);
    await new Promise((resolve) => setImmediate(resolve));
    expect(tty.drawn()).toContain("Downloading");
    expect(tty.drawn()).toContain("100 B / 4.0 KB");
    bar.update(2048);
    bar.increment(1024);
    bar.stop();
    const stopped = tty.drawn().length;
    bar.update(4096);
    expect(tty.drawn().length).toBe(stopped);

    const items = terminal();
    const counter = createProgress({
      stream: items.out,
      enabled: true,
      label: "Deleting",
      total: 3,
      unit: "items",
      now: () => 1e6,
      delayMs: 0,
    });
    counter.increment();
    await new Promise((resolve) => setImmediate(resolve));
    expect(items.drawn()).toContain("1/3");
    counter.stop();
  });
});
