import { describe, expect, it } from "vitest";
import { linkAbort } from "./link-abort.js";

describe("linkAbort", () => {
  it("aborts every linked controller with the source's reason", () => {
    const source = new AbortController();
    const a = new AbortController();
    const b = new AbortController();
    linkAbort(source.signal, a);
    linkAbort(source.signal, b);
    const reason = new Error("closed");
    source.abort(reason);
    expect(a.signal.reason).toBe(reason);
    expect(b.signal.reason).toBe(reason);
  });

  it("aborts at once when the source already has", () => {
    const source = new AbortController();
    source.abort("gone");
    const target = new AbortController();
    const unlink = linkAbort(source.signal, target);
    expect(target.signal.aborted).toBe(true);
    expect(target.signal.reason).toBe("gone");
    unlink();
  });

  it("leaves an unlinked controller alone, and unlinking twice is harmless", () => {
    const source = new AbortController();
    const kept = new AbortController();
    const dropped = new AbortController();
    linkAbort(source.signal, kept);
    const unlink = linkAbort(source.signal, dropped);
    unlink();
    unlink();
    source.abort();
    expect(kept.signal.aborted).toBe(true);
    expect(dropped.signal.aborted).toBe(false);
  });

  it("puts one listener on a source however many controllers it feeds", () => {
    const source = new AbortController();
    let added = 0;
    const add = source.signal.addEventListener.bind(source.signal);
    source.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added += 1;
      add(...args);
    }) as typeof add;
    const unlinks = Array.from({ length: 50 }, () => linkAbort(source.signal, new AbortController()));
    expect(added).toBe(1);
    for (const unlink of unlinks) unlink();
    // Emptied and filled again, the source's one listener still aborts what is linked.
    const late = new AbortController();
    linkAbort(source.signal, late);
    source.abort("late");
    expect(added).toBe(1);
    expect(late.signal.reason).toBe("late");
  });
});
