import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { SeqQueue, type SeqWork } from "./ordering.js";

function recorder() {
  const ran: number[] = [];
  const work = (seqId: number): SeqWork => ({
    seqId,
    requestId: `r${seqId}`,
    run: async () => {
      ran.push(seqId);
    },
  });
  return { ran, work };
}

describe("SeqQueue", () => {
  it("runs in seq_id order and holds early arrivals until the gap fills", async () => {
    const clock = new ManualClock();
    const queue = new SeqQueue(clock, 1, 1000, () => undefined);
    const { ran, work } = recorder();
    expect(queue.submit(work(3))).toEqual({ kind: "accepted" });
    expect(queue.submit(work(2))).toEqual({ kind: "accepted" });
    await queue.idle();
    expect(ran).toEqual([]);
    expect(queue.heldSeqIds).toEqual([2, 3]);
    queue.submit(work(1));
    await queue.idle();
    expect(ran).toEqual([1, 2, 3]);
    expect(queue.nextSeqId).toBe(4);
  });

  it("answers a repeated seq_id with the request id it already has", () => {
    const queue = new SeqQueue(new ManualClock(), 1, 1000, () => undefined);
    const { work } = recorder();
    queue.submit(work(1));
    queue.submit(work(3));
    expect(queue.submit({ ...work(1), requestId: "other" })).toEqual({ kind: "duplicate", requestId: "r1" });
    expect(queue.submit({ ...work(3), requestId: "other" })).toEqual({ kind: "duplicate", requestId: "r3" });
  });

  it("reports a seq_id it has passed as stale", () => {
    const queue = new SeqQueue(new ManualClock(), 5, 1000, () => undefined);
    expect(queue.submit(recorder().work(4))).toEqual({ kind: "stale", nextSeqId: 5 });
  });

  it("abandons held work when the gap does not fill in time, then accepts later seq_ids", async () => {
    const clock = new ManualClock();
    const abandoned: Array<{ held: number[]; missing: number[] }> = [];
    const queue = new SeqQueue(clock, 1, 1000, (held, missing) =>
      abandoned.push({ held: held.map((w) => w.seqId), missing }),
    );
    const { ran, work } = recorder();
    queue.submit(work(3));
    clock.advance(999);
    expect(abandoned).toEqual([]);
    clock.advance(1);
    expect(abandoned).toEqual([{ held: [3], missing: [1, 2] }]);
    expect(queue.submit(work(1))).toEqual({ kind: "stale", nextSeqId: 4 });
    queue.submit(work(4));
    await queue.idle();
    expect(ran).toEqual([4]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("restarts the gap timer when part of a gap fills", () => {
    const clock = new ManualClock();
    let fired = 0;
    const queue = new SeqQueue(clock, 1, 1000, () => fired++);
    const { work } = recorder();
    queue.submit(work(3));
    clock.advance(800);
    queue.submit(work(1));
    clock.advance(800);
    expect(fired).toBe(0);
    clock.advance(200);
    expect(fired).toBe(1);
  });

  it("runs unordered work after what is already runnable, and dispose drops held work", async () => {
    const queue = new SeqQueue(new ManualClock(), 1, 1000, () => undefined);
    const { ran, work } = recorder();
    queue.submit(work(1));
    queue.submitUnordered(async () => {
      ran.push(-1);
    });
    queue.submit(work(3));
    await queue.idle();
    expect(ran).toEqual([1, -1]);
    queue.dispose();
    expect(queue.heldSeqIds).toEqual([]);
  });
});
