/**
 * The token cache: a bounded in-memory LRU in front of the Store, one network request per key at a time
 * (a promise map in the process, a Store lease across processes and machines), refresh ahead of expiry
 * in the background while the current token is still good, and `invalidate` for tokens an API refused.
 *
 * Keys are canonical strings from `tokenCacheKey`; records live in the instance's namespace under
 * `auth.token.<hash>`, sealed (access tokens are secrets), with a TTL ending at the token's expiry.
 */
import { isEntrakitError } from "../../errors.ts";
import type { Json, Store, StoreEntry } from "../../store/types.ts";
import type { AccessToken } from "../types.ts";
import { DEFAULT_REFRESH_POLICY, type Freshness, freshness, type RefreshPolicy } from "./freshness.ts";
import { storeKeyOf } from "./key.ts";
import { acquireOrObserve, DEFAULT_LEASE_WAIT, holdLease, type LeaseWaitOptions } from "./lease-wait.ts";
import { LruMap } from "./lru.ts";

export interface TokenCacheOptions {
  /** Shares tokens across processes and machines; without one the cache lives in this process only. */
  store?: Store;
  /** The integration instance's namespace. Default `entrakit`. */
  namespace?: string;
  /** In-memory entries kept (least recently used dropped first). Default 10,000. */
  maxEntries?: number;
  /** See `RefreshPolicy`. Defaults: 5 minutes before expiry (or `refresh_in`), 30 s expiry buffer. */
  refreshMarginMs?: number;
  expiryBufferMs?: number;
  /** Lease lifetime: how long a dead holder can block others. Default 15 s. */
  leaseTtlMs?: number;
  /** How long to wait for another process's fetch before failing. Default 60 s. */
  waitTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
  /** Called with errors of background refreshes (the caller was already served a valid token). */
  onBackgroundError?: (error: unknown) => void;
}

/** Counters for tests, benchmarks and `auth-test` output. */
export interface TokenCacheStats {
  memoryHits: number;
  storeHits: number;
  /** Tokens this process fetched from the network. */
  fetches: number;
  /** Tokens another process fetched while this one waited on the lease. */
  waitedForOthers: number;
  backgroundRefreshes: number;
  backgroundFailures: number;
  /** Stored records that could not be opened (corrupted) and were fetched again. */
  unreadableRecords: number;
}

interface Entry {
  token: AccessToken;
  obtainedAt: number;
  /** The Store record's version (0 without a Store). */
  version: number;
}

/** What a load will accept from the Store instead of fetching. */
type Want = { kind: "usable" } | { kind: "fresh" } | { kind: "newer"; than: number | undefined };

export type FetchToken = () => Promise<AccessToken>;

export class TokenCache {
  readonly #store: Store | undefined;
  readonly #namespace: string;
  readonly #memory: LruMap<string, Entry>;
  readonly #inFlight = new Map<string, Promise<Entry>>();
  readonly #policy: RefreshPolicy;
  readonly #wait: LeaseWaitOptions;
  readonly #now: () => number;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly stats: TokenCacheStats = {
    memoryHits: 0,
    storeHits: 0,
    fetches: 0,
    waitedForOthers: 0,
    backgroundRefreshes: 0,
    backgroundFailures: 0,
    unreadableRecords: 0,
  };

  constructor(options: TokenCacheOptions = {}) {
    this.#store = options.store;
    this.#namespace = options.namespace ?? "entrakit";
    this.#memory = new LruMap(options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
    this.#policy = {
      refreshMarginMs: options.refreshMarginMs ?? DEFAULT_REFRESH_POLICY.refreshMarginMs,
      expiryBufferMs: options.expiryBufferMs ?? DEFAULT_REFRESH_POLICY.expiryBufferMs,
    };
    this.#wait = {
      ...DEFAULT_LEASE_WAIT,
      leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_WAIT.leaseTtlMs,
      waitTimeoutMs: options.waitTimeoutMs ?? DEFAULT_LEASE_WAIT.waitTimeoutMs,
      now: this.#now,
      random: options.random ?? Math.random,
    };
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
  }

  get namespace(): string {
    return this.#namespace;
  }

  /** Entries held in memory (bounded by `maxEntries`). */
  get size(): number {
    return this.#memory.size;
  }

  /**
   * A valid token for `key`: from memory, else the Store, else `fetch` (once per key across every
   * process sharing the Store). With `forceRefresh`, only a token newer than the one this process last
   * saw for the key is accepted, so a 401 on a token leads to exactly one new token fleet-wide.
   */
  getToken(key: string, fetch: FetchToken, options: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    const cached = this.#memory.get(key);
    if (options.forceRefresh) {
      const than = cached?.version;
      return this.#flight(`${key}\u0000newer`, () => this.#load(key, fetch, { kind: "newer", than })).then(
        (e) => e.token,
      );
    }
    if (cached) {
      const state = this.#state(cached);
      if (state !== "expired") {
        this.stats.memoryHits++;
        if (state === "refresh") this.#refreshInBackground(key, fetch);
        return Promise.resolve(cached.token);
      }
    }
    return this.#flight(key, () => this.#load(key, fetch, { kind: "usable" })).then((e) => e.token);
  }

  /**
   * Forgets a token the API refused: the memory entry, and the stored record if it still holds that
   * token (a newer token another process already stored is kept). Without `token`, forgets whatever
   * is cached for the key.
   */
  async invalidate(key: string, token?: string): Promise<void> {
    const cached = this.#memory.peek(key);
    if (cached && (token === undefined || cached.token.token === token)) this.#memory.delete(key);
    if (!this.#store) return;
    const storeKey = storeKeyOf(key);
    let stored: StoreEntry<Json> | undefined;
    try {
      stored = await this.#store.get<Json>(this.#namespace, storeKey);
    } catch (error) {
      // A corrupted record holds no token worth keeping; under a wrong master key nothing is touched.
      if (!(isEntrakitError(error) && error.code === "sealed_data")) throw error;
      if (/is corrupted/.test(error.message)) await this.#store.delete(this.#namespace, storeKey);
      return;
    }
    if (!stored) return;
    const record = stored.value as unknown as StoredToken;
    if (token !== undefined && record.token !== token) return;
    await this.#store.delete(this.#namespace, storeKey, { expectedVersion: stored.version });
  }

  /** Resolves once no fetch of this cache is in flight (background refreshes included). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  /** Drops the in-memory entries (after a reset of the instance's stored auth state). */
  clearMemory(): void {
    this.#memory.clear();
  }

  #state(entry: Entry): Freshness {
    return freshness(
      {
        expiresOn: entry.token.expiresOn,
        obtainedAt: entry.obtainedAt,
        ...(entry.token.refreshOn !== undefined ? { refreshOn: entry.token.refreshOn } : {}),
      },
      this.#now(),
      this.#policy,
    );
  }

  /** In-process single flight: callers of one flight key share one promise. */
  #flight(flightKey: string, load: () => Promise<Entry>): Promise<Entry> {
    const pending = this.#inFlight.get(flightKey);
    if (pending) return pending;
    const shared = load().finally(() => {
      if (this.#inFlight.get(flightKey) === shared) this.#inFlight.delete(flightKey);
    });
    this.#inFlight.set(flightKey, shared);
    return shared;
  }

  #refreshInBackground(key: string, fetch: FetchToken): void {
    const flightKey = `${key}\u0000background`;
    if (this.#inFlight.has(flightKey)) return;
    this.stats.backgroundRefreshes++;
    this.#flight(flightKey, () => this.#load(key, fetch, { kind: "fresh" })).catch((error: unknown) => {
      this.stats.backgroundFailures++;
      this.#onBackgroundError(error);
    });
  }

  #accepts(entry: Entry | undefined, want: Want): entry is Entry {
    if (!entry) return false;
    const state = this.#state(entry);
    if (state === "expired") return false;
    if (want.kind === "usable") return true;
    if (want.kind === "fresh") return state === "fresh";
    return want.than !== undefined && entry.version > want.than;
  }

  async #load(key: string, fetch: FetchToken, want: Want): Promise<Entry> {
    const store = this.#store;
    if (!store) return this.#fetch(key, fetch);
    const storeKey = storeKeyOf(key);
    const read = async (): Promise<Entry | undefined> => {
      try {
        const stored = await store.get<Json>(this.#namespace, storeKey);
        return stored ? fromStored(stored.value as unknown as StoredToken, stored.version) : undefined;
      } catch (error) {
        // An access token can always be fetched again: a corrupted record is replaced by the next
        // fetch. Under a wrong master key that write fails with the store's own clear error.
        if (isEntrakitError(error) && error.code === "sealed_data") {
          this.stats.unreadableRecords++;
          return undefined;
        }
        throw error;
      }
    };
    const found = await read();
    // "Newer than what this process last saw"; with nothing seen, newer than what is stored now.
    const effective: Want =
      want.kind === "newer" && want.than === undefined ? { kind: "newer", than: found?.version ?? 0 } : want;
    if (this.#accepts(found, effective)) return this.#remember(key, found);
    const outcome = await acquireOrObserve(
      store,
      this.#namespace,
      storeKey,
      async () => {
        const committed = await read();
        return this.#accepts(committed, effective) ? committed : undefined;
      },
      this.#wait,
      "fetch the same token",
    );
    if ("value" in outcome) {
      this.stats.waitedForOthers++;
      return this.#remember(key, outcome.value);
    }
    return holdLease(store, outcome.lease, this.#wait.leaseTtlMs, async () => {
      // Another holder may have committed between our read and our lease.
      const again = await read();
      if (this.#accepts(again, effective)) return this.#remember(key, again);
      const fetched = await this.#fetch(key, fetch);
      const ttlMs = fetched.token.expiresOn - this.#now();
      if (ttlMs <= 0) return fetched;
      const written = await store.set(this.#namespace, storeKey, toStored(fetched), { seal: true, ttlMs });
      if (written.ok) fetched.version = written.version;
      return fetched;
    });
  }

  async #fetch(key: string, fetch: FetchToken): Promise<Entry> {
    const obtainedAt = this.#now();
    const token = await fetch();
    this.stats.fetches++;
    const entry: Entry = { token, obtainedAt, version: 0 };
    this.#memory.set(key, entry);
    return entry;
  }

  /** Keeps a token read from the Store in memory. */
  #remember(key: string, entry: Entry): Entry {
    this.stats.storeHits++;
    this.#memory.set(key, entry);
    return entry;
  }
}

/** The sealed record: the token, its times and scopes (no identifiers: the key is a hash). */
interface StoredToken {
  token: string;
  expiresOn: number;
  refreshOn?: number;
  obtainedAt: number;
  scopes: string[];
}

function toStored(entry: Entry): Json {
  const record: StoredToken = {
    token: entry.token.token,
    expiresOn: entry.token.expiresOn,
    obtainedAt: entry.obtainedAt,
    scopes: [...entry.token.scopes],
  };
  if (entry.token.refreshOn !== undefined) record.refreshOn = entry.token.refreshOn;
  return record as unknown as Json;
}

function fromStored(record: StoredToken, version: number): Entry {
  const token: AccessToken = { token: record.token, expiresOn: record.expiresOn, scopes: record.scopes };
  if (record.refreshOn !== undefined) token.refreshOn = record.refreshOn;
  return { token, obtainedAt: record.obtainedAt, version };
}
