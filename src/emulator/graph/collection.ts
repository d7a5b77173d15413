/**
 * A pageable set of records: the records in insertion order plus one sorted index per order asked for,
 * built on first use and dropped when a record changes. A page is a keyset walk of that index from the
 * cursor, testing the filter until one item more than the page size is found (which also tells whether
 * the page is the last one), so serving a page costs O(log n + items scanned), never a sort.
 */
import type { GraphRecord } from "./entities.ts";
import type { Predicate } from "./odata-filter.ts";
import type { Cursor, OrderBy } from "./odata-query.ts";
import { orderKey } from "./odata-query.ts";

export interface Page<T> {
  items: T[];
  /** Cursor after the last item, when more items match beyond this page. */
  next: Cursor | undefined;
}

export class Collection<T extends GraphRecord & { id: string }> {
  readonly #records: T[] = [];
  readonly #byId = new Map<string, T>();
  #indexes = new Map<string, { order: Int32Array; keys: string[] }>();

  constructor(records: Iterable<T> = []) {
    for (const record of records) this.add(record);
  }

  get size(): number {
    return this.#records.length;
  }

  get(id: string): T | undefined {
    return this.#byId.get(id.toLowerCase());
  }

  all(): readonly T[] {
    return this.#records;
  }

  /** Adds or replaces (same id) a record. */
  add(record: T): void {
    const existing = this.#byId.get(record.id.toLowerCase());
    if (existing) this.#records[this.#records.indexOf(existing)] = record;
    else this.#records.push(record);
    this.#byId.set(record.id.toLowerCase(), record);
    this.changed();
  }

  /** Call after mutating records in place: sorted indexes are rebuilt on the next page request. */
  changed(): void {
    this.#indexes.clear();
  }

  page(order: OrderBy, cursor: Cursor | undefined, top: number, predicate: Predicate | undefined): Page<T> {
    const { order: index, keys } = this.#index(order);
    const records = this.#records;
    const n = index.length;
    const step = order.descending ? -1 : 1;
    let pos = order.descending ? n - 1 : 0;
    if (cursor) {
      // First position strictly after the cursor's (key, id) in ascending terms.
      const after = upperBound(index, keys, records, cursor.key, cursor.id);
      pos = order.descending ? after - 1 : after;
      // Descending walks down from the last position strictly before the cursor.
      if (order.descending) {
        while (
          pos >= 0 &&
          compareKey(keys[index[pos]!]!, records[index[pos]!]!.id, cursor.key, cursor.id) >= 0
        ) {
          pos -= 1;
        }
      }
    }
    const items: T[] = [];
    let more = false;
    for (; pos >= 0 && pos < n; pos += step) {
      const record = records[index[pos]!]!;
      if (predicate && !predicate(record)) continue;
      if (items.length === top) {
        more = true;
        break;
      }
      items.push(record);
    }
    const last = items[items.length - 1];
    const next =
      more && last
        ? { order: orderKey(order), key: sortValue(last, order.property), id: last.id }
        : undefined;
    return { items, next };
  }

  #index(order: OrderBy): { order: Int32Array; keys: string[] } {
    const cached = this.#indexes.get(order.property);
    if (cached) return cached;
    const records = this.#records;
    const keys = records.map((record) => sortValue(record, order.property));
    const index = Int32Array.from(records.keys());
    index.sort((a, b) => compareKey(keys[a]!, records[a]!.id, keys[b]!, records[b]!.id));
    const built = { order: index, keys };
    this.#indexes.set(order.property, built);
    return built;
  }
}

function sortValue(record: GraphRecord, property: string): string {
  const value = record[property];
  return typeof value === "string" ? value : "";
}

function compareKey(keyA: string, idA: string, keyB: string, idB: string): number {
  if (keyA !== keyB) return keyA < keyB ? -1 : 1;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

function upperBound<T extends { id: string }>(
  index: Int32Array,
  keys: string[],
  records: T[],
  key: string,
  id: string,
): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = index[mid]!;
    if (compareKey(keys[at]!, records[at]!.id, key, id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
