/**
 * The default backend: one SQLite file (node:sqlite) in WAL mode, safe to share between processes on one
 * machine. Writes that compare versions run in `BEGIN IMMEDIATE` transactions, so the read and the write
 * happen under SQLite's single write lock; waiting writers queue on the busy timeout. The file is created
 * mode 0600 (SQLite gives the -wal/-shm files the same mode) in a directory created mode 0700.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { EntrakitError } from "../errors.ts";
import type {
  Lease,
  LeaseOptions,
  NowFn,
  RawEntry,
  RawSetOptions,
  SetResult,
  StoreBackend,
} from "./types.ts";

export interface SqliteBackendOptions {
  path: string;
  now?: NowFn;
  /** How long a writer waits for another process's transaction before failing. Default 10 s. */
  busyTimeoutMs?: number;
}

// A rowid table with `data` last. Its first layout (a WITHOUT ROWID table keyed by ns and key, `data`
// before `expires_at`) kept whole values in the b-tree's divider cells: a lookup passing a 30 MB value
// (a 100,000-user context) read and copied all of it, and an expiry scan read every value. Stores in that
// layout are copied over once, in the opening transaction (MIGRATE_KV).
const KV_TABLE = `(
  ns TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER, data TEXT NOT NULL,
  PRIMARY KEY (ns, key)
)`;
const MIGRATE_KV = `
ALTER TABLE kv RENAME TO kv_without_rowid;
CREATE TABLE kv ${KV_TABLE};
INSERT INTO kv (ns, key, version, expires_at, data)
  SELECT ns, key, version, expires_at, data FROM kv_without_rowid;
DROP TABLE kv_without_rowid;
`;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv ${KV_TABLE};
CREATE TABLE IF NOT EXISTS sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO sequence (id, value) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS leases (
  ns TEXT NOT NULL, name TEXT NOT NULL, owner TEXT, fence INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (ns, name)
) WITHOUT ROWID;
`;

/** Rows deleted lazily: expired records are purged once every this many writes. */
const PURGE_EVERY = 500;

/** GLOB pattern matching keys that start with `prefix` (GLOB is binary and case-sensitive). */
function prefixGlob(prefix: string): string {
  return `${prefix.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

interface Row {
  version: number;
  data: string;
  expires_at: number | null;
}

export class SqliteBackend implements StoreBackend {
  readonly kind = "sqlite" as const;
  readonly location: string;
  readonly #db: DatabaseSync;
  readonly #now: NowFn;
  readonly #statements = new Map<string, StatementSync>();
  #writes = 0;

  constructor(options: SqliteBackendOptions) {
    this.location = options.path;
    this.#now = options.now ?? Date.now;
    this.#db = this.#guard("open", () => {
      mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
      // Create the file ourselves so it is 0600 from the start, whatever the umask.
      closeSync(openSync(options.path, "a", 0o600));
      chmodSync(options.path, 0o600);
      const db = new DatabaseSync(options.path);
      db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
      db.exec("PRAGMA journal_mode = WAL");
      // NORMAL in WAL mode survives a killed process (only a power cut can lose the last commits).
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec("BEGIN IMMEDIATE");
      try {
        const kv = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get() as
          | { sql: string }
          | undefined;
        if (kv && /WITHOUT ROWID/i.test(kv.sql)) db.exec(MIGRATE_KV);
        db.exec(`${SCHEMA} COMMIT;`);
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
      return db;
    });
  }

  #guard<T>(what: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof EntrakitError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const busy = /locked|busy/i.test(message);
      throw new EntrakitError(
        "store",
        `the SQLite store ${this.location} failed to ${what}: ${busy ? "it stayed locked by another process" : message}.`,
        {
          cause: error,
          hint: busy
            ? "Another process holds a long write transaction; retry, or raise the busy timeout."
            : "Check that the file is readable and writable by you and not corrupted (`entrakit store info`).",
        },
      );
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #transaction<T>(what: string, run: () => T): T {
    return this.#guard(what, () => {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = run();
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  #liveRow(namespace: string, key: string, now: number): Row | undefined {
    const row = this.#statement("SELECT version, data, expires_at FROM kv WHERE ns = ? AND key = ?").get(
      namespace,
      key,
    ) as Row | undefined;
    return row && (row.expires_at === null || row.expires_at > now) ? row : undefined;
  }

  /** The live record's version, without reading its value (which may be megabytes). */
  #liveVersion(namespace: string, key: string, now: number): number | undefined {
    const row = this.#statement("SELECT version, expires_at FROM kv WHERE ns = ? AND key = ?").get(
      namespace,
      key,
    ) as Omit<Row, "data"> | undefined;
    return row && (row.expires_at === null || row.expires_at > now) ? row.version : undefined;
  }

  async get(namespace: string, key: string): Promise<RawEntry | undefined> {
    return this.#guard("read", () => {
      const row = this.#liveRow(namespace, key, this.#now());
      if (!row) return undefined;
      const entry: RawEntry = { data: row.data, version: row.version };
      if (row.expires_at !== null) entry.expiresAt = row.expires_at;
      return entry;
    });
  }

  async set(namespace: string, key: string, data: string, options: RawSetOptions = {}): Promise<SetResult> {
    const result = this.#transaction("write", (): SetResult => {
      const now = this.#now();
      const current = this.#liveVersion(namespace, key, now) ?? 0;
      if (options.expectedVersion !== undefined && current !== options.expectedVersion) {
        return { ok: false, conflict: true, currentVersion: current };
      }
      const { value: version } = this.#statement(
        "UPDATE sequence SET value = value + 1 WHERE id = 1 RETURNING value",
      ).get() as { value: number };
      const expiresAt = options.ttlMs === undefined ? null : now + options.ttlMs;
      this.#statement(
        "INSERT OR REPLACE INTO kv (ns, key, version, data, expires_at) VALUES (?, ?, ?, ?, ?)",
      ).run(namespace, key, version, data, expiresAt);
      return { ok: true, version };
    });
    if (++this.#writes % PURGE_EVERY === 0) this.#purgeExpired();
    return result;
  }

  #purgeExpired(): void {
    this.#guard("purge expired records", () => {
      this.#statement("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?").run(this.#now());
    });
  }

  async delete(namespace: string, key: string, expectedVersion?: number): Promise<boolean> {
    return this.#guard("delete", () => {
      const { changes } = this.#statement(
        `DELETE FROM kv WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)
         AND (? IS NULL OR version = ?)`,
      ).run(namespace, key, this.#now(), expectedVersion ?? null, expectedVersion ?? null);
      return Number(changes) > 0;
    });
  }

  async list(namespace: string, prefix = ""): Promise<string[]> {
    return this.#guard("list keys", () => {
      const rows = this.#statement(
        "SELECT key FROM kv WHERE ns = ? AND key GLOB ? AND (expires_at IS NULL OR expires_at > ?)",
      ).all(namespace, prefixGlob(prefix), this.#now()) as { key: string }[];
      return rows.map((row) => row.key).sort();
    });
  }

  async clear(namespace: string, prefix = ""): Promise<number> {
    return this.#transaction("clear", () => {
      const now = this.#now();
      const { changes } = this.#statement(
        "DELETE FROM kv WHERE ns = ? AND key GLOB ? AND (expires_at IS NULL OR expires_at > ?)",
      ).run(namespace, prefixGlob(prefix), now);
      this.#statement("DELETE FROM kv WHERE ns = ? AND key GLOB ? AND expires_at <= ?").run(
        namespace,
        prefixGlob(prefix),
        now,
      );
      return Number(changes);
    });
  }

  async namespaces(): Promise<string[]> {
    return this.#guard("list namespaces", () => {
      const rows = this.#statement(
        "SELECT DISTINCT ns FROM kv WHERE expires_at IS NULL OR expires_at > ?",
      ).all(this.#now()) as { ns: string }[];
      return rows.map((row) => row.ns).sort();
    });
  }

  async acquireLease(namespace: string, name: string, options: LeaseOptions): Promise<Lease | undefined> {
    return this.#guard("acquire a lease", () => {
      const now = this.#now();
      // One statement: take the lease if free or expired, bumping the fence; no row back when held.
      const row = this.#statement(
        `INSERT INTO leases (ns, name, owner, fence, expires_at) VALUES (?, ?, ?, 1, ?)
         ON CONFLICT (ns, name) DO UPDATE SET owner = excluded.owner, fence = leases.fence + 1,
           expires_at = excluded.expires_at
         WHERE leases.owner IS NULL OR leases.expires_at <= ?
         RETURNING fence, expires_at`,
      ).get(namespace, name, options.owner, now + options.ttlMs, now) as
        | { fence: number; expires_at: number }
        | undefined;
      return row
        ? { namespace, name, owner: options.owner, fence: row.fence, expiresAt: row.expires_at }
        : undefined;
    });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    return this.#guard("renew a lease", () => {
      const now = this.#now();
      const { changes } = this.#statement(
        `UPDATE leases SET expires_at = ? WHERE ns = ? AND name = ? AND owner = ? AND fence = ? AND expires_at > ?`,
      ).run(now + ttlMs, lease.namespace, lease.name, lease.owner, lease.fence, now);
      return Number(changes) > 0 ? { ...lease, expiresAt: now + ttlMs } : undefined;
    });
  }

  async releaseLease(lease: Lease): Promise<boolean> {
    return this.#guard("release a lease", () => {
      const { changes } = this.#statement(
        `UPDATE leases SET owner = NULL, expires_at = 0
         WHERE ns = ? AND name = ? AND owner = ? AND fence = ? AND expires_at > ?`,
      ).run(lease.namespace, lease.name, lease.owner, lease.fence, this.#now());
      return Number(changes) > 0;
    });
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
