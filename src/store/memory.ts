/**
 * The in-process backend, for tests and one-shot commands. Same semantics as the durable backends,
 * including never-reused versions and ever-increasing fences, under an injected clock. Arguments are
 * validated by the Store layer above it.
 */
import type {
  Lease,
  LeaseOptions,
  NowFn,
  RawEntry,
  RawSetOptions,
  SetResult,
  StoreBackend,
} from "./types.ts";

interface MemoryRecord {
  data: string;
  version: number;
  expiresAt: number | undefined;
}

interface MemoryLease {
  owner: string | undefined;
  fence: number;
  expiresAt: number;
}

export class MemoryBackend implements StoreBackend {
  readonly kind = "memory" as const;
  readonly location = "memory:";
  readonly #now: NowFn;
  readonly #records = new Map<string, Map<string, MemoryRecord>>();
  readonly #leases = new Map<string, MemoryLease>();
  #sequence = 0;

  constructor(now: NowFn = Date.now) {
    this.#now = now;
  }

  #live(namespace: string, key: string): MemoryRecord | undefined {
    const record = this.#records.get(namespace)?.get(key);
    if (record?.expiresAt !== undefined && record.expiresAt <= this.#now()) {
      this.#records.get(namespace)?.delete(key);
      return undefined;
    }
    return record;
  }

  async get(namespace: string, key: string): Promise<RawEntry | undefined> {
    const record = this.#live(namespace, key);
    if (!record) return undefined;
    return record.expiresAt === undefined
      ? { data: record.data, version: record.version }
      : { data: record.data, version: record.version, expiresAt: record.expiresAt };
  }

  async set(namespace: string, key: string, data: string, options: RawSetOptions = {}): Promise<SetResult> {
    const current = this.#live(namespace, key);
    if (options.expectedVersion !== undefined && (current?.version ?? 0) !== options.expectedVersion) {
      return { ok: false, conflict: true, currentVersion: current?.version ?? 0 };
    }
    const version = ++this.#sequence;
    const expiresAt = options.ttlMs === undefined ? undefined : this.#now() + options.ttlMs;
    let records = this.#records.get(namespace);
    if (!records) {
      records = new Map();
      this.#records.set(namespace, records);
    }
    records.set(key, { data, version, expiresAt });
    return { ok: true, version };
  }

  async delete(namespace: string, key: string, expectedVersion?: number): Promise<boolean> {
    const current = this.#live(namespace, key);
    if (!current || (expectedVersion !== undefined && current.version !== expectedVersion)) return false;
    this.#records.get(namespace)?.delete(key);
    return true;
  }

  async list(namespace: string, prefix = ""): Promise<string[]> {
    const keys = [...(this.#records.get(namespace)?.keys() ?? [])];
    return keys.filter((key) => key.startsWith(prefix) && this.#live(namespace, key)).sort();
  }

  async clear(namespace: string, prefix = ""): Promise<number> {
    const keys = await this.list(namespace, prefix);
    for (const key of keys) this.#records.get(namespace)?.delete(key);
    return keys.length;
  }

  async namespaces(): Promise<string[]> {
    const names: string[] = [];
    for (const namespace of this.#records.keys()) {
      if ((await this.list(namespace)).length > 0) names.push(namespace);
    }
    return names.sort();
  }

  async acquireLease(namespace: string, name: string, options: LeaseOptions): Promise<Lease | undefined> {
    const id = `${namespace}\u0000${name}`;
    const now = this.#now();
    const held = this.#leases.get(id);
    if (held?.owner !== undefined && held.expiresAt > now) return undefined;
    const lease = { owner: options.owner, fence: (held?.fence ?? 0) + 1, expiresAt: now + options.ttlMs };
    this.#leases.set(id, lease);
    return { namespace, name, ...lease };
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const held = this.#heldBy(lease);
    if (!held) return undefined;
    held.expiresAt = this.#now() + ttlMs;
    return { ...lease, expiresAt: held.expiresAt };
  }

  async releaseLease(lease: Lease): Promise<boolean> {
    const held = this.#heldBy(lease);
    if (!held) return false;
    held.owner = undefined;
    held.expiresAt = 0;
    return true;
  }

  #heldBy(lease: Lease): MemoryLease | undefined {
    const held = this.#leases.get(`${lease.namespace}\u0000${lease.name}`);
    const ok = held?.owner === lease.owner && held.fence === lease.fence && held.expiresAt > this.#now();
    return ok ? held : undefined;
  }

  async close(): Promise<void> {}
}
