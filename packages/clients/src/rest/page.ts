/** How a paginated listing is read: one page at an offset, its items, and where the next page starts. */
export interface PageSource<Page, Item> {
  /** Fetches the page starting at `offset`. */
  readonly fetch: (offset: number) => Promise<Page>;
  /** The items of a page, in order. */
  readonly items: (page: Page) => readonly Item[];
  /**
   * The offset of the next page, or `undefined` when `page` (fetched at `offset`) was the last:
   * `total_count` is reached, or the page came back shorter than the page size.
   */
  readonly next: (page: Page, offset: number) => number | undefined;
}

/**
 * The result of a listing call (tinker-wire-spec.md §3.2, §10.2): await it for the single page the
 * call names (`limit`, `offset`), or iterate it with `for await` to walk every item from that
 * offset on, page by page (offset pagination; the next page is fetched only when needed).
 *
 * ```ts
 * const page = await rest.listTrainingRuns({ limit: 50 });          // one page
 * for await (const run of rest.listTrainingRuns({ limit: 50 })) {}  // every run
 * ```
 */
export class PagePromise<Page, Item> implements PromiseLike<Page>, AsyncIterable<Item> {
  readonly #source: PageSource<Page, Item>;
  readonly #offset: number;
  #first: Promise<Page> | undefined;

  /** @internal */
  constructor(source: PageSource<Page, Item>, offset: number) {
    this.#source = source;
    this.#offset = offset;
  }

  // biome-ignore lint/suspicious/noThenProperty: awaiting a listing gives its first page, by design.
  then<R1 = Page, R2 = never>(
    onfulfilled?: ((value: Page) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#first ??= this.#source.fetch(this.#offset);
    return this.#first.then(onfulfilled, onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    let offset: number | undefined = this.#offset;
    let page = this.#first;
    while (offset !== undefined) {
      const current: Page = await (page ?? this.#source.fetch(offset));
      page = undefined;
      yield* this.#source.items(current);
      offset = this.#source.next(current, offset);
    }
  }
}
