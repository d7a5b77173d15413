/**
 * The instance context in the Store, in pieces, so that merging 100,000 items never builds one giant
 * record. Layout (keys of the instance's namespace):
 *   `context.head`          : the small values as a tree, where each keyed list (`Prefix(val.id && ...)`)
 *                             is a placeholder, plus per list its path, key fields and chunk references;
 *   `context.c.<base>.<tag>.<n>[.ids]` : a chunk of at most CONTEXT_CHUNK_SIZE items, and its items' ids.
 *   `context`               : the single record of earlier versions, read while no head exists.
 * Chunks are never changed once written: a merge writes new chunks for what changed, then swaps the head
 * with a compare-and-set on its version (the commit). A concurrent merge loses the CAS and starts over,
 * so no update is lost; a crash before the CAS leaves the old head and its chunks whole. Merges also take
 * turns under a lease, so they rarely conflict at all (the CAS stays the guarantee if a lease expires). Chunk names carry
 * the head version their writer started from (`base`): once the head moved past it, such a chunk that the
 * head does not reference can never become referenced, and the next commit deletes it.
 * Reading assembles exactly the JSON the single-record layout held (runtime/context.ts semantics).
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { leaseOwner } from "../auth/cache/lease-wait.ts";
import { EntrakitError } from "../errors.ts";
import type { Json, Lease, Store } from "../store/types.ts";
import {
  asList,
  type Context,
  identity,
  isPlainObject,
  mergeEntry,
  parentOf,
  parseContextKey,
  storedForm,
} from "./context.ts";
import { fieldOrPages, PagedList } from "./paged-list.ts";
import { type CommandOutputs, contextKeyOf } from "./result.ts";

/** The single-record layout of earlier versions: read while there is no head, removed by the first merge. */
export const LEGACY_CONTEXT_KEY = "context";
export const CONTEXT_HEAD_KEY = "context.head";
const CHUNK_PREFIX = "context.c.";
const CHUNK_BASE = /^context\.c\.(\d+)\./;
/** Items per chunk: ~300 KB of risky users, so a merge holds one chunk's text at a time. */
const CONTEXT_CHUNK_SIZE = 1000;
/** The key of a keyed list's stand-in in the head's tree; its value is the list's id (its dotted path). */
const PLACEHOLDER = "\u0000list";
const MAX_ATTEMPTS = 16;
/** Merges take turns under this lease, so a big merge is not starved by small ones winning the CAS. */
const MERGE_LEASE = "context.merge";
const MERGE_LEASE_TTL_MS = 15_000;
/** How long a merge waits for its turn before it goes ahead on the CAS alone (a holder may have died). */
const MERGE_WAIT_MS = 5_000;

interface ChunkRef {
  /** Key of the items record (a JSON list). */
  items: string;
  /** Key of the ids record: each item's identity, or null for an item without one. */
  ids: string;
  n: number;
}

interface ListMeta {
  path: string[];
  fields: string[];
  chunks: ChunkRef[];
}

interface Head {
  tree: Context;
  lists: Record<string, ListMeta>;
}

export interface ContextStoreOptions {
  /** Items per chunk (tests use small ones to cross chunk borders). Default CONTEXT_CHUNK_SIZE. */
  chunkSize?: number;
}

/** A chunk the head referenced is gone: a newer commit replaced it meanwhile, so start over. */
class ChunkGone extends Error {}

interface Loaded {
  head: Head;
  /** The head's version, 0 when there is none yet (the CAS then means "create"). */
  version: number;
}

async function loadHead(store: Store, namespace: string): Promise<Loaded> {
  const entry = await store.get<Json>(namespace, CONTEXT_HEAD_KEY);
  if (entry) return { head: entry.value as unknown as Head, version: entry.version };
  const legacy = await store.get<Json>(namespace, LEGACY_CONTEXT_KEY);
  return { head: { tree: (legacy?.value ?? {}) as Context, lists: {} }, version: 0 };
}

async function readChunk<T>(store: Store, namespace: string, key: string): Promise<T> {
  const entry = await store.get<Json>(namespace, key);
  if (!entry) throw new ChunkGone(key);
  return entry.value as T;
}

function isPlaceholder(value: unknown, id: string): boolean {
  return isPlainObject(value) && value[PLACEHOLDER] === id;
}

/** The object holding a list's placeholder (every segment above a placeholder is an object). */
function holderOf(tree: Context, path: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = tree;
  for (const segment of path.slice(0, -1)) {
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return isPlainObject(node) ? node : undefined;
}

/** How a list's path stands to a merge's path. */
function relation(list: readonly string[], path: readonly string[]): "same" | "under" | "over" | "apart" {
  const shorter = Math.min(list.length, path.length);
  for (let i = 0; i < shorter; i++) if (list[i] !== path[i]) return "apart";
  if (list.length === path.length) return "same";
  // "under": the list lies inside the merged value; "over": the merge reaches into the list.
  return list.length > path.length ? "under" : "over";
}

async function readList(store: Store, namespace: string, list: ListMeta): Promise<unknown[]> {
  const all: unknown[] = [];
  for (const chunk of list.chunks) {
    for (const item of await readChunk<unknown[]>(store, namespace, chunk.items)) all.push(item);
  }
  return all;
}

/**
 * Reads new item `index` for a keyed merge. Paged items are parsed a page at a time, in the order the
 * merge asks for them; when that order would parse pages far more often than a walk through them (items
 * in another order than the stored list), they are materialised once instead.
 */
function itemReader(
  array: readonly unknown[],
  paged: PagedList | undefined,
  plans: readonly { hits: Int32Array }[],
  appended: readonly number[],
): (index: number) => unknown {
  if (!paged) return (index) => array[index];
  let parses = 0;
  let current = -1;
  const visit = (index: number) => {
    const page = paged.pageOf(index);
    if (page !== current) parses++;
    current = page;
  };
  for (const plan of plans) for (const index of plan.hits) if (index >= 0) visit(index);
  for (const index of appended) visit(index);
  if (parses <= 2 * paged.pageCount + 16) return (index) => paged.at(index);
  const all = paged.toArray();
  return (index) => all[index];
}

/** One merge attempt: the head it started from, and the chunks it wrote (removed if it loses the CAS). */
class Merge {
  readonly #store: Store;
  readonly #namespace: string;
  readonly #chunkSize: number;
  readonly #stem: string;
  #next = 0;
  readonly written: string[] = [];
  readonly head: Head;

  constructor(store: Store, namespace: string, loaded: Loaded, chunkSize: number) {
    this.#store = store;
    this.#namespace = namespace;
    this.#chunkSize = chunkSize;
    this.#stem = `${CHUNK_PREFIX}${loaded.version}.${randomBytes(6).toString("base64url")}.`;
    this.head = loaded.head;
  }

  async #write(key: string, value: unknown): Promise<void> {
    this.written.push(key);
    await this.#store.set(this.#namespace, key, value as Json);
  }

  async #writeChunk(items: unknown[], ids: (string | null)[]): Promise<ChunkRef> {
    const key = `${this.#stem}${this.#next++}`;
    await this.#write(key, items);
    await this.#write(`${key}.ids`, ids);
    return { items: key, ids: `${key}.ids`, n: items.length };
  }

  async #writeItems(items: unknown[]): Promise<string> {
    const key = `${this.#stem}${this.#next++}`;
    await this.#write(key, items);
    return key;
  }

  async #writeChunks(items: unknown[], ids: (string | null)[]): Promise<ChunkRef[]> {
    const chunks: ChunkRef[] = [];
    for (let start = 0; start < items.length; start += this.#chunkSize) {
      const end = start + this.#chunkSize;
      chunks.push(await this.#writeChunk(items.slice(start, end), ids.slice(start, end)));
    }
    return chunks;
  }

  /** Puts a list back into the tree as plain JSON, for merges that reach into it or treat it whole. */
  async #materialize(id: string): Promise<void> {
    const list = this.head.lists[id]!;
    const holder = holderOf(this.head.tree, list.path)!;
    holder[list.path[list.path.length - 1]!] = storedForm(await readList(this.#store, this.#namespace, list));
    delete this.head.lists[id];
  }

  /** Forgets the lists a merge replaced (their placeholder is no longer where it was). */
  #dropDetached(): void {
    for (const [id, list] of Object.entries(this.head.lists)) {
      if (!isPlaceholder(holderOf(this.head.tree, list.path)?.[list.path[list.path.length - 1]!], id)) {
        delete this.head.lists[id];
      }
    }
  }

  async apply(key: string, value: unknown): Promise<void> {
    const { path, selector } = parseContextKey(key);
    const fields = selector.kind === "key" ? selector.fields : [];
    for (const [id, list] of Object.entries(this.head.lists)) {
      const how = relation(list.path, path);
      const keep =
        how === "apart" ||
        (how === "same" && selector.kind === "key" && fields.join("\u0000") === list.fields.join("\u0000")) ||
        // An overwrite merges objects field by field: a list inside them stays as it is, or is replaced.
        (how === "under" && selector.kind === "overwrite");
      if (!keep) await this.#materialize(id);
    }
    if (selector.kind !== "key") {
      // A copy: merging mutates what it merges into, and a lost CAS runs the same entries again.
      mergeEntry(this.head.tree, key, value instanceof PagedList ? value.toArray() : structuredClone(value));
      this.#dropDetached();
      return;
    }
    const id = path.join(".");
    let list = this.head.lists[id];
    if (!list) {
      const parent = parentOf(this.head.tree, path);
      const leaf = path[path.length - 1]!;
      const existing = asList(parent[leaf]);
      const ids = existing.map((item) => identity(item, fields) ?? null);
      list = { path, fields, chunks: await this.#writeChunks(existing, ids) };
      parent[leaf] = { [PLACEHOLDER]: id };
      this.head.lists[id] = list;
    }
    await this.#mergeKeyed(list, value);
  }

  /**
   * The keyed merge of runtime/context.ts, chunk by chunk: an item whose id is already there replaces it
   * in place (the last occurrence, as there), new ids append in order, an id given twice keeps its first
   * place and its last value. Only the new items are indexed; the stored ids are read one chunk at a time,
   * from the end, and dropped, so a merge never holds the list's ids all at once. Paged items
   * (runtime/paged-list.ts) are read a page at a time: first for their ids, then, once it is known where
   * each one goes, for the items themselves, in the order the chunks are written.
   */
  async #mergeKeyed(list: ListMeta, value: unknown): Promise<void> {
    const paged = value instanceof PagedList ? value : undefined;
    const array = paged ? [] : asList(value);
    const count = paged ? paged.length : array.length;
    // firstOf: each id's first index among the new items; lastOf[first]: the index of its last value.
    const firstOf = new Map<string, number>();
    const lastOf = new Int32Array(count);
    const ids: (string | null)[] = [];
    let index = 0;
    for (const item of paged ? paged.items() : array) {
      const id = identity(item, list.fields) ?? null;
      ids.push(id);
      const first = id === null ? undefined : firstOf.get(id);
      if (first === undefined) {
        if (id !== null) firstOf.set(id, index);
        lastOf[index] = index;
      } else {
        lastOf[first] = index;
      }
      index++;
    }
    const placed = new Uint8Array(count);
    const chunks = [...list.chunks];
    // Where the new items go, as indexes: hits[position] is the new item for that stored place, or -1.
    const plans: { chunk: number; hits: Int32Array; size: number }[] = [];
    for (let c = chunks.length - 1; c >= 0 && firstOf.size > 0; c--) {
      const chunk = chunks[c]!;
      const stored = await readChunk<(string | null)[]>(this.#store, this.#namespace, chunk.ids);
      const hits = new Int32Array(chunk.n).fill(-1);
      let size = 0;
      for (let position = stored.length - 1; position >= 0; position--) {
        const id = stored[position];
        const first = id === null || id === undefined ? undefined : firstOf.get(id);
        if (first === undefined || placed[first] === 1) continue;
        placed[first] = 1;
        hits[position] = lastOf[first]!;
        size++;
      }
      if (size > 0) plans.push({ chunk: c, hits, size });
    }
    const appended: number[] = [];
    const appendedIds: (string | null)[] = [];
    for (let index = 0; index < count; index++) {
      const id = ids[index]!;
      if (id !== null && (firstOf.get(id) !== index || placed[index] === 1)) continue;
      appended.push(lastOf[index]!);
      appendedIds.push(id);
    }
    firstOf.clear();

    const itemAt = itemReader(array, paged, plans, appended);
    for (const plan of plans) {
      const chunk = chunks[plan.chunk]!;
      // A chunk whose every item is replaced is not read at all.
      const old =
        plan.size === chunk.n ? [] : await readChunk<unknown[]>(this.#store, this.#namespace, chunk.items);
      const next: unknown[] = [];
      for (let i = 0; i < chunk.n; i++) next.push(plan.hits[i]! >= 0 ? itemAt(plan.hits[i]!) : old[i]);
      // Same ids at the same places: the ids record is shared with the old chunk.
      chunks[plan.chunk] = { items: await this.#writeItems(next), ids: chunk.ids, n: chunk.n };
    }
    const last = chunks[chunks.length - 1];
    let from = 0;
    if (appended.length > 0 && last && last.n < this.#chunkSize) {
      from = Math.min(this.#chunkSize - last.n, appended.length);
      const lastItems = await readChunk<unknown[]>(this.#store, this.#namespace, last.items);
      const lastIds = await readChunk<(string | null)[]>(this.#store, this.#namespace, last.ids);
      for (let k = 0; k < from; k++) lastItems.push(itemAt(appended[k]!));
      chunks[chunks.length - 1] = await this.#writeChunk(
        lastItems,
        lastIds.concat(appendedIds.slice(0, from)),
      );
    }
    for (let start = from; start < appended.length; start += this.#chunkSize) {
      const end = Math.min(start + this.#chunkSize, appended.length);
      const items: unknown[] = [];
      for (let k = start; k < end; k++) items.push(itemAt(appended[k]!));
      chunks.push(await this.#writeChunk(items, appendedIds.slice(start, end)));
    }
    paged?.release();
    list.chunks = chunks;
  }

  async discard(): Promise<void> {
    for (const key of this.written) await this.#store.delete(this.#namespace, key);
  }
}

/**
 * Deletes what the head committed at `version` left behind: chunks it does not reference that were
 * written from an older head (their writers' CAS can no longer succeed), and the old single record.
 */
async function collectGarbage(store: Store, namespace: string, head: Head, version: number): Promise<void> {
  const live = new Set<string>();
  for (const list of Object.values(head.lists)) {
    for (const chunk of list.chunks) live.add(chunk.items).add(chunk.ids);
  }
  for (const key of await store.list(namespace, LEGACY_CONTEXT_KEY)) {
    const base = CHUNK_BASE.exec(key)?.[1];
    const dead =
      key === LEGACY_CONTEXT_KEY || (base !== undefined && Number(base) < version && !live.has(key));
    if (dead) await store.delete(namespace, key);
  }
}

function conflict(namespace: string): EntrakitError {
  return new EntrakitError(
    "conflict",
    `the context of instance "${namespace}" kept changing under ${MAX_ATTEMPTS} merge attempts.`,
    { hint: "Another process is merging into it in a tight loop; run the command again later." },
  );
}

/**
 * Waits for the merge lease, at most MERGE_WAIT_MS: a process killed mid-merge keeps it until its TTL
 * runs out, and the next run should not wait that long. Resolves undefined when the wait ran out; the
 * merge then goes ahead on the CAS alone.
 */
async function takeTurn(store: Store, namespace: string): Promise<Lease | undefined> {
  const owner = leaseOwner();
  const giveUp = Date.now() + MERGE_WAIT_MS;
  for (let pause = 2; Date.now() < giveUp; pause = Math.min(pause * 2, 100)) {
    const lease = await store.acquireLease(namespace, MERGE_LEASE, { owner, ttlMs: MERGE_LEASE_TTL_MS });
    if (lease) return lease;
    await sleep(pause);
  }
  return undefined;
}

/** Merges commands' outputs into the instance context; concurrent merges from any process all land. */
export function mergeStoredContext(
  store: Store,
  namespace: string,
  outputs: readonly CommandOutputs[],
  options: ContextStoreOptions = {},
): Promise<void> {
  // Paged items (runtime/paged-list.ts) are merged as the list, read a page at a time.
  const entries = outputs.map((output) => ({
    key: contextKeyOf(output),
    value: fieldOrPages(output, "data"),
  }));
  return mergeStoredEntries(store, namespace, entries, options);
}

/** Merges entry-context values (`{"Key(selector)": value}`, in order) into the instance context. */
export async function mergeStoredEntries(
  store: Store,
  namespace: string,
  entries: readonly { key: string; value: unknown }[],
  options: ContextStoreOptions = {},
): Promise<void> {
  if (entries.length === 0) return;
  const chunkSize = options.chunkSize ?? CONTEXT_CHUNK_SIZE;
  const lease = await takeTurn(store, namespace);
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const loaded = await loadHead(store, namespace);
      const merge = new Merge(store, namespace, loaded, chunkSize);
      try {
        for (const entry of entries) await merge.apply(entry.key, entry.value);
      } catch (error) {
        await merge.discard();
        if (error instanceof ChunkGone) continue;
        throw error;
      }
      const committed = await store.set(namespace, CONTEXT_HEAD_KEY, merge.head as unknown as Json, {
        expectedVersion: loaded.version,
      });
      if (!committed.ok) {
        await merge.discard();
        continue;
      }
      await collectGarbage(store, namespace, merge.head, committed.version);
      return;
    }
  } finally {
    if (lease) await store.releaseLease(lease);
  }
  throw conflict(namespace);
}

/** The whole context as one JSON value, as the single-record layout held it; `{}` when nothing ran yet. */
export async function readStoredContext(store: Store, namespace: string): Promise<Context> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { head } = await loadHead(store, namespace);
    try {
      for (const list of Object.values(head.lists)) {
        const holder = holderOf(head.tree, list.path)!;
        holder[list.path[list.path.length - 1]!] = storedForm(await readList(store, namespace, list));
      }
      return head.tree;
    } catch (error) {
      if (!(error instanceof ChunkGone)) throw error;
    }
  }
  throw conflict(namespace);
}

/** Empties the context: an empty head (so merges still racing lose their CAS), then the pieces go. */
export async function clearStoredContext(store: Store, namespace: string): Promise<void> {
  if ((await store.list(namespace, LEGACY_CONTEXT_KEY)).length === 0) return;
  const empty: Head = { tree: {}, lists: {} };
  const written = await store.set(namespace, CONTEXT_HEAD_KEY, empty as unknown as Json);
  if (written.ok) await collectGarbage(store, namespace, empty, written.version);
}
