/**
 * Offset pagination as the Python CLI does it (tinker-wire-spec.md §13 `run list`): the first
 * request asks for `min(batch, limit)` (or a full batch when the limit is 0 = all), the target is
 * `min(limit or total_count, total_count)`, and further pages start at the number fetched so far
 * until the target is reached or a page comes back short.
 */

/** One page: its items, and the total the server reports (undefined when it reports none). */
export interface Page<T> {
  items: T[];
  totalCount: number | undefined;
}

/** Options of {@link fetchPages}. */
export interface FetchPagesOptions<T> {
  /** Most items to fetch; 0 fetches all. */
  limit: number;
  /** Page size. */
  batchSize: number;
  fetchPage(limit: number, offset: number): Promise<Page<T>>;
  /** Called after every page: items so far and the target (0 when unknown). */
  onProgress?: ((fetched: number, target: number) => void) | undefined;
}

/** What {@link fetchPages} gathered. */
export interface PagedResult<T> {
  items: T[];
  /** The server's total, or undefined when it reports none. */
  totalCount: number | undefined;
}

/** Fetches up to `limit` items page by page; see the module comment. */
export async function fetchPages<T>(options: FetchPagesOptions<T>): Promise<PagedResult<T>> {
  const { limit, batchSize } = options;
  const firstSize = limit > 0 ? Math.min(batchSize, limit) : batchSize;
  const first = await options.fetchPage(firstSize, 0);
  const items = [...first.items];
  const totalCount = first.totalCount;
  // Without a total, keep going until a short page (or the limit).
  const target =
    totalCount === undefined
      ? limit > 0
        ? limit
        : Number.POSITIVE_INFINITY
      : Math.min(limit > 0 ? limit : totalCount, totalCount);
  // With a total, the first page's length does not end the listing (as in the Python CLI).
  let lastPageFull = totalCount !== undefined || first.items.length >= firstSize;
  options.onProgress?.(items.length, Number.isFinite(target) ? target : 0);
  while (items.length < target && lastPageFull) {
    const size = Math.min(batchSize, target - items.length);
    const page = await options.fetchPage(size, items.length);
    items.push(...page.items);
    lastPageFull = page.items.length >= size;
    options.onProgress?.(items.length, Number.isFinite(target) ? target : 0);
  }
  return { items, totalCount };
}

/**
 * The title of a listing, as the Python CLI words it: `No <plural> found`, `1 <singular>`,
 * `N <plural>`, then ` (K more not shown, use --limit to see more)` when the total is larger.
 */
export function listTitle(
  count: number,
  totalCount: number | undefined,
  words: { singular: string; plural: string; suffix?: string },
): string {
  const suffix = words.suffix ?? "";
  if (count === 0) return `No ${words.plural} found${suffix}`;
  let title = count === 1 ? `1 ${words.singular}${suffix}` : `${count} ${words.plural}${suffix}`;
  if (totalCount !== undefined && totalCount > count) {
    const more = totalCount - count;
    title += ` (${more} more not shown, use --limit to see more)`;
  }
  return title;
}
