import { afterAll, afterEach } from "vitest";

/**
 * Fails the run on any unhandled promise rejection: the test during which one surfaces fails,
 * and one that surfaces after the last test fails the file. The clients promise that a future's
 * failure is kept until someone awaits it; this setup holds every test to that.
 */
const unhandled: unknown[] = [];
const onUnhandledRejection = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on("unhandledRejection", onUnhandledRejection);

function check(): void {
  if (unhandled.length === 0) return;
  const reasons = unhandled
    .splice(0)
    .map((reason) => (reason instanceof Error ? reason.stack : String(reason)));
  throw new Error(`Unhandled promise rejection(s):\n${reasons.join("\n---\n")}`);
}

afterEach(check);
afterAll(() => {
  process.off("unhandledRejection", onUnhandledRejection);
  check();
});
