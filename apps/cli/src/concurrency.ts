/**
 * Runs `task` over `items` with at most `limit` running at once and resolves with the outcomes in
 * input order. A rejection is recorded as that item's outcome and does not stop the others; no
 * new task starts once `signal` is aborted (those items are left `undefined`).
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<(PromiseSettledResult<R> | undefined)[]> {
  const results: (PromiseSettledResult<R> | undefined)[] = new Array(items.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await task(items[index]!) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
