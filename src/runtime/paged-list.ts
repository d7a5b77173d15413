/**
 * A long list of JSON items kept as the pages it arrived in, each page as its JSON text in a Buffer
 * (outside the JS heap, one object for the GC however many items it holds). A 100,000-item walk then
 * keeps no parsed item alive while pages arrive: the consumers that stream (the table renderer, the JSON
 * writer, the context merge) parse one page at a time and drop it, so almost nothing survives a
 * young-generation collection and V8 has no reason to grow it.
 *
 * Results still look ordinary: `pagedField` puts the list on an object as a getter that materialises a
 * fresh array when read (tests, small callers, anything that does not know about pages), and keeps the
 * list itself where `pagedFieldOf` finds it for the streaming consumers.
 */

type Item = unknown;

export class PagedList {
  readonly #pages: Buffer[] = [];
  readonly #starts: number[] = [];
  #length = 0;
  /** The last page parsed by `at`, for runs of nearby indexes. */
  #cached: { page: number; items: Item[] } | undefined;

  /** Appends one page's items (copied as JSON text; the array can be dropped right after). */
  push(items: readonly Item[]): void {
    if (items.length === 0) return;
    this.#starts.push(this.#length);
    this.#pages.push(Buffer.from(JSON.stringify(items), "utf8"));
    this.#length += items.length;
  }

  get length(): number {
    return this.#length;
  }

  get pageCount(): number {
    return this.#pages.length;
  }

  /** The items of page `index`, freshly parsed. */
  page(index: number): Item[] {
    return JSON.parse(this.#pages[index]!.toString("utf8")) as Item[];
  }

  /** The pages' items, one freshly parsed page at a time. */
  *pages(): Generator<Item[]> {
    for (let index = 0; index < this.#pages.length; index++) yield this.page(index);
  }

  /** The items in order, parsed a page at a time. */
  *items(): Generator<Item> {
    for (const page of this.pages()) yield* page;
  }

  /** The page holding item `index`. */
  pageOf(index: number): number {
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#starts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Item `index` (parses its page unless it is the page parsed last). */
  at(index: number): Item {
    if (index < 0 || index >= this.#length) return undefined;
    const page = this.pageOf(index);
    if (this.#cached?.page !== page) this.#cached = { page, items: this.page(page) };
    return this.#cached.items[index - this.#starts[page]!];
  }

  /** Forgets the page `at` kept. */
  release(): void {
    this.#cached = undefined;
  }

  /** Every item in one new array. */
  toArray(): Item[] {
    const all: Item[] = [];
    for (const item of this.items()) all.push(item);
    return all;
  }

  /** `JSON.stringify` of a list that was not streamed: the array. */
  toJSON(): Item[] {
    return this.toArray();
  }
}

const PAGED = Symbol("entrakit.pagedFields");

interface WithPaged {
  [PAGED]?: Map<string, PagedList>;
}

/**
 * Gives `target[field]` the list's items: an enumerable getter that materialises a fresh array on each
 * read. Streaming consumers take the list itself through `pagedFieldOf` and never call the getter.
 */
export function pagedField<T extends object>(target: T, field: string, list: PagedList): T {
  Object.defineProperty(target, field, { get: () => list.toArray(), enumerable: true, configurable: true });
  const holder = target as WithPaged;
  if (!holder[PAGED]) Object.defineProperty(target, PAGED, { value: new Map(), enumerable: false });
  holder[PAGED]!.set(field, list);
  return target;
}

/** The PagedList behind `target[field]`, or undefined when the field is an ordinary value. */
export function pagedFieldOf(target: unknown, field: string): PagedList | undefined {
  if (typeof target !== "object" || target === null) return undefined;
  return (target as WithPaged)[PAGED]?.get(field);
}

/** `target[field]`, as the list itself where it is paged (so reading it materialises nothing). */
export function fieldOrPages(target: object, field: string): unknown {
  return pagedFieldOf(target, field) ?? (target as Record<string, unknown>)[field];
}
