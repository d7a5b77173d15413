/**
 * The Store contract: namespaced key/value records with versions (compare-and-set), TTLs, leases with
 * fencing values, and values sealed at rest. One namespace per integration instance is its "integration
 * context". Callers use `Store`; backends (SQLite, Redis, memory) implement the smaller `StoreBackend`,
 * which only ever sees opaque strings, so sealing happens in one place above every backend.
 */

/** A JSON value. Stored values are always JSON; `undefined` is not storable. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Milliseconds since the epoch. Injected so TTLs and leases are testable without sleeping. */
export type NowFn = () => number;

/** A record as read back. */
export interface StoreEntry<T extends Json = Json> {
  value: T;
  /**
   * Positive integer, strictly increasing for a key over its whole history (also across delete and
   * re-create), so a stale version can never match a newer record (no ABA).
   */
  version: number;
  /** Milliseconds since the epoch when the record disappears; absent when it never expires. */
  expiresAt?: number;
  /** True when the value was sealed at rest (AES-256-GCM under the master key). */
  sealed: boolean;
}

export interface SetOptions {
  /**
   * Compare-and-set: write only when the record's current version equals this. `0` means "only when the
   * key does not exist (or has expired)". Omitted: write unconditionally.
   */
  expectedVersion?: number;
  /** Time to live in milliseconds (> 0). Omitted: the record never expires. */
  ttlMs?: number;
  /** Seal the value at rest: the backend receives only ciphertext bound to namespace + key. */
  seal?: boolean;
}

/** The outcome of a write. A CAS mismatch is a normal result, not an error. */
export type SetResult =
  | { ok: true; version: number }
  /** `currentVersion` is 0 when the key does not exist. */
  | { ok: false; conflict: true; currentVersion: number };

export interface DeleteOptions {
  /** Delete only when the current version equals this. */
  expectedVersion?: number;
}

export interface ClearOptions {
  /** Delete only the keys starting with this prefix (e.g. only tokens), not the whole namespace. */
  prefix?: string;
}

export interface UpdateOptions {
  ttlMs?: number;
  seal?: boolean;
  /** How many CAS conflicts to absorb before giving up with a `conflict` error. Default 16. */
  maxAttempts?: number;
}

/**
 * A lease: a lock with an owner, an expiry and a fencing value. Fencing values for one lease name only
 * ever increase (each successful acquisition gets a larger one), so a holder whose lease expired can be
 * told apart from the one that took over. Leases are not re-entrant: acquiring a held lease fails even for
 * the same owner, so owners should be unique per process and attempt.
 */
export interface Lease {
  namespace: string;
  name: string;
  owner: string;
  fence: number;
  /**
   * Milliseconds since the epoch, by this process's clock (Redis itself expires the lease after its TTL
   * on the server's clock).
   */
  expiresAt: number;
}

export interface LeaseOptions {
  owner: string;
  /** Lifetime in milliseconds (> 0); renew before it runs out to keep holding the lease. */
  ttlMs: number;
}

export type StoreKind = "sqlite" | "redis" | "memory";

/** The public Store API. Every method may reject with an `EntrakitError` (`store`, `sealed_data`, ...). */
export interface Store {
  readonly kind: StoreKind;
  /** Where the data lives, safe to print (a path, or a Redis URL without password). */
  readonly location: string;

  get<T extends Json = Json>(namespace: string, key: string): Promise<StoreEntry<T> | undefined>;
  set(namespace: string, key: string, value: Json, options?: SetOptions): Promise<SetResult>;
  /**
   * Read-modify-write with CAS retries. `mutate` gets the current value (undefined when absent) and
   * returns the new value, or `undefined` to delete the record. Resolves to the record written (or
   * undefined after a delete). Rejects with code `conflict` after `maxAttempts` lost races.
   */
  update<T extends Json = Json>(
    namespace: string,
    key: string,
    mutate: (current: T | undefined) => T | undefined,
    options?: UpdateOptions,
  ): Promise<StoreEntry<T> | undefined>;
  /** Resolves true when a record was deleted (false when absent or the version did not match). */
  delete(namespace: string, key: string, options?: DeleteOptions): Promise<boolean>;
  /** The live keys of a namespace (optionally only those starting with `prefix`), sorted. */
  list(namespace: string, prefix?: string): Promise<string[]>;
  /** Deletes the namespace's keys (or only those under `options.prefix`); resolves to how many. */
  clear(namespace: string, options?: ClearOptions): Promise<number>;
  /** Every namespace holding at least one live record, sorted. Reserved namespaces (`__...`) excluded. */
  namespaces(): Promise<string[]>;

  /** Resolves to the lease, or undefined when someone else holds it and it has not expired. */
  acquireLease(namespace: string, name: string, options: LeaseOptions): Promise<Lease | undefined>;
  /** Extends a lease still held by its owner (same fence); undefined when it was lost meanwhile. */
  renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  /** Releases a lease only if `lease.owner` and `lease.fence` still hold it; resolves true if released. */
  releaseLease(lease: Lease): Promise<boolean>;

  close(): Promise<void>;
}

/** A stored record as the backend sees it: an opaque string (plain JSON or a sealed envelope). */
export interface RawEntry {
  data: string;
  version: number;
  expiresAt?: number;
}

export interface RawSetOptions {
  expectedVersion?: number;
  ttlMs?: number;
}

/** What each backend implements. Same semantics as `Store`, over strings, without sealing. */
export interface StoreBackend {
  readonly kind: StoreKind;
  readonly location: string;
  get(namespace: string, key: string): Promise<RawEntry | undefined>;
  set(namespace: string, key: string, data: string, options?: RawSetOptions): Promise<SetResult>;
  delete(namespace: string, key: string, expectedVersion?: number): Promise<boolean>;
  list(namespace: string, prefix?: string): Promise<string[]>;
  clear(namespace: string, prefix?: string): Promise<number>;
  /** Includes reserved namespaces. */
  namespaces(): Promise<string[]>;
  acquireLease(namespace: string, name: string, options: LeaseOptions): Promise<Lease | undefined>;
  renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  releaseLease(lease: Lease): Promise<boolean>;
  close(): Promise<void>;
}

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /**
   * `sqlite:` (default file), `sqlite:/path/file.db`, `redis://...`, `rediss://...` or `memory:`.
   * Default: `$ENTRAKIT_STORE`, else `sqlite:`.
   */
  url?: string;
  /**
   * The master key (32 bytes) for sealing. Default: `$ENTRAKIT_MASTER_KEY` (base64), else the key file
   * (`master.key`, mode 0600) next to the store, generated on first use.
   */
  masterKey?: Uint8Array;
  /** Where the key file lives. Default: the SQLite file's directory, else the entrakit home directory. */
  keyFile?: string;
  /** Environment to read `ENTRAKIT_*`, `XDG_STATE_HOME` and `HOME` from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Clock for TTLs and leases on the SQLite and memory backends (Redis uses the server's clock). */
  now?: NowFn;
}
