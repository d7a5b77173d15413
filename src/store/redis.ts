/**
 * The fleet backend: Redis through ioredis. Every read-compare-write is one Lua script, so it is atomic
 * on the server; leases are `SET NX PX` with an owner+fence value, released and renewed only by a
 * compare-and-delete / compare-and-expire script. Keys carry the namespace as a hash tag
 * (`entrakit:{<namespace>}:...`) so one namespace stays on one Redis Cluster slot.
 *
 * When the server goes away, commands fail fast with a `store` error (no long offline queue) while the
 * client keeps reconnecting in the background; operations succeed again once the server is back.
 */
import { Redis } from "ioredis";
import { EntrakitError } from "../errors.ts";
import { redactRedisUrl } from "./redis-url.ts";
import type { Lease, LeaseOptions, RawEntry, RawSetOptions, SetResult, StoreBackend } from "./types.ts";

export interface RedisBackendOptions {
  /** `redis://` or `rediss://` URL; an optional `?prefix=` query names the key prefix. */
  url: string;
  /** Prefix of every Redis key this store writes (so several stores can share one Redis). Default `entrakit:`. */
  keyPrefix?: string;
  /** Per-command timeout. Default 5 s. */
  commandTimeoutMs?: number;
}

/** Encodes a namespace or key so it is glob-safe and cannot break the hash tag (`{`, `}`, `*`, ...). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Takes our own `prefix` query parameter off the URL; ioredis would treat it as a connection option. */
function splitPrefix(url: string): { url: string; prefix?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EntrakitError("configuration", "the Redis store URL is not a valid URL.", {
      hint: "Use redis://[user:password@]host:6379[/db][?prefix=name:] (or rediss:// for TLS).",
    });
  }
  const prefix = parsed.searchParams.get("prefix");
  if (prefix === null) return { url };
  parsed.searchParams.delete("prefix");
  return { url: parsed.toString(), prefix };
}

const SET_SCRIPT = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[1] ~= '' and cur ~= tonumber(ARGV[1]) then return {0, cur} end
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'v', v, 'd', ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) else redis.call('PERSIST', KEYS[1]) end
return {1, v}`;

const GET_SCRIPT = `
local r = redis.call('HMGET', KEYS[1], 'v', 'd')
if not r[1] then return false end
return {r[1], r[2], redis.call('PTTL', KEYS[1])}`;

const DELETE_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'v')
if not cur then return 0 end
if ARGV[1] ~= '' and tonumber(cur) ~= tonumber(ARGV[1]) then return 0 end
return redis.call('DEL', KEYS[1])`;

// The fence counter outlives the lease so fences only ever increase.
const ACQUIRE_SCRIPT = `
local fence = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
if not redis.call('SET', KEYS[1], fence .. ':' .. ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
redis.call('SET', KEYS[2], fence)
return fence`;

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

type ScriptName = "ekSet" | "ekGet" | "ekDelete" | "ekAcquire" | "ekRenew" | "ekRelease";
const SCRIPTS: Record<ScriptName, { keys: number; lua: string }> = {
  ekSet: { keys: 2, lua: SET_SCRIPT },
  ekGet: { keys: 1, lua: GET_SCRIPT },
  ekDelete: { keys: 1, lua: DELETE_SCRIPT },
  ekAcquire: { keys: 2, lua: ACQUIRE_SCRIPT },
  ekRenew: { keys: 1, lua: RENEW_SCRIPT },
  ekRelease: { keys: 1, lua: RELEASE_SCRIPT },
};

type ScriptClient = Redis & Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

export class RedisBackend implements StoreBackend {
  readonly kind = "redis" as const;
  readonly location: string;
  readonly #client: ScriptClient;
  readonly #prefix: string;
  /** The last connection error, which says more than the failing command's own error. */
  #connectionError: string | undefined;

  constructor(options: RedisBackendOptions) {
    this.location = redactRedisUrl(options.url);
    const { url, prefix } = splitPrefix(options.url);
    this.#prefix = options.keyPrefix ?? prefix ?? "entrakit:";
    const client = new Redis(url, {
      lazyConnect: true,
      // Fail a command after one reconnect attempt instead of queueing it for minutes...
      maxRetriesPerRequest: 1,
      // ...but keep reconnecting forever, so the store recovers by itself when Redis is back.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      connectTimeout: 5000,
      commandTimeout: options.commandTimeoutMs ?? 5000,
    });
    // Connection errors surface through the failing command; without a listener ioredis prints them.
    client.on("error", (error: Error) => {
      this.#connectionError = error.message;
    });
    client.on("ready", () => {
      this.#connectionError = undefined;
    });
    for (const [name, script] of Object.entries(SCRIPTS)) {
      client.defineCommand(name, { numberOfKeys: script.keys, lua: script.lua });
    }
    this.#client = client as ScriptClient;
  }

  async #run<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error))
        .split("\n")[0]!
        .replace(/\.+$/, "");
      const auth = /NOAUTH|WRONGPASS|NOPERM/i.test(message);
      const unreachable =
        /max retries per request|Connection is closed|ECONN|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|timed out/i;
      const reason = auth
        ? "authentication was refused"
        : unreachable.test(message)
          ? `the server is unreachable${this.#connectionError ? ` (${this.#connectionError})` : ""}`
          : message;
      throw new EntrakitError("store", `the Redis store at ${this.location} failed to ${what}: ${reason}.`, {
        cause: error,
        hint: auth
          ? "Check the user and password in the store URL (ENTRAKIT_STORE)."
          : "Check that Redis is running and reachable; entrakit reconnects by itself when it is back.",
      });
    }
  }

  #space(namespace: string): string {
    return `${this.#prefix}{${encode(namespace)}}`;
  }

  #recordKey(namespace: string, key: string): string {
    return `${this.#space(namespace)}:k:${encode(key)}`;
  }

  async get(namespace: string, key: string): Promise<RawEntry | undefined> {
    const reply = (await this.#run("read", () => this.#client.ekGet(this.#recordKey(namespace, key)))) as
      | [string, string, number]
      | null;
    if (!reply) return undefined;
    const entry: RawEntry = { data: reply[1], version: Number(reply[0]) };
    if (reply[2] >= 0) entry.expiresAt = Date.now() + reply[2];
    return entry;
  }

  async set(namespace: string, key: string, data: string, options: RawSetOptions = {}): Promise<SetResult> {
    const [ok, version] = (await this.#run("write", () =>
      this.#client.ekSet(
        this.#recordKey(namespace, key),
        `${this.#space(namespace)}:seq`,
        options.expectedVersion ?? "",
        data,
        options.ttlMs ?? "",
      ),
    )) as [number, number];
    return ok === 1 ? { ok: true, version } : { ok: false, conflict: true, currentVersion: version };
  }

  async delete(namespace: string, key: string, expectedVersion?: number): Promise<boolean> {
    const deleted = await this.#run("delete", () =>
      this.#client.ekDelete(this.#recordKey(namespace, key), expectedVersion ?? ""),
    );
    return deleted === 1;
  }

  /** SCAN over a glob; every part of the pattern except the trailing `*` is encoded, hence literal. */
  async #scan(pattern: string): Promise<string[]> {
    return this.#run("list keys", async () => {
      const found = new Set<string>();
      let cursor = "0";
      do {
        const [next, keys] = await this.#client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        for (const key of keys) found.add(key);
        cursor = next;
      } while (cursor !== "0");
      return [...found];
    });
  }

  /** The key prefix as a SCAN glob: a user-chosen prefix may hold glob characters. */
  #globSpace(namespace: string): string {
    return this.#space(namespace).replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  }

  async list(namespace: string, prefix = ""): Promise<string[]> {
    const head = `${this.#space(namespace)}:k:`;
    const keys = await this.#scan(`${this.#globSpace(namespace)}:k:${encode(prefix)}*`);
    return keys.map((key) => decodeURIComponent(key.slice(head.length))).sort();
  }

  async clear(namespace: string, prefix = ""): Promise<number> {
    const keys = await this.#scan(`${this.#globSpace(namespace)}:k:${encode(prefix)}*`);
    let deleted = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const batch = keys.slice(i, i + 500);
      deleted += await this.#run("clear", () => this.#client.del(...batch));
    }
    return deleted;
  }

  async namespaces(): Promise<string[]> {
    const glob = this.#prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
    const keys = await this.#scan(`${glob}{*}:k:*`);
    const names = new Set<string>();
    for (const key of keys) {
      const end = key.indexOf("}:k:", this.#prefix.length);
      if (end > 0) names.add(decodeURIComponent(key.slice(this.#prefix.length + 1, end)));
    }
    return [...names].sort();
  }

  #leaseKeys(namespace: string, name: string): [string, string] {
    const space = this.#space(namespace);
    return [`${space}:lease:${encode(name)}`, `${space}:fence:${encode(name)}`];
  }

  async acquireLease(namespace: string, name: string, options: LeaseOptions): Promise<Lease | undefined> {
    const [leaseKey, fenceKey] = this.#leaseKeys(namespace, name);
    const fence = await this.#run("acquire a lease", () =>
      this.#client.ekAcquire(leaseKey, fenceKey, options.owner, options.ttlMs),
    );
    if (fence === null) return undefined;
    return {
      namespace,
      name,
      owner: options.owner,
      fence: Number(fence),
      expiresAt: Date.now() + options.ttlMs,
    };
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const [leaseKey] = this.#leaseKeys(lease.namespace, lease.name);
    const renewed = await this.#run("renew a lease", () =>
      this.#client.ekRenew(leaseKey, `${lease.fence}:${lease.owner}`, ttlMs),
    );
    return renewed === 1 ? { ...lease, expiresAt: Date.now() + ttlMs } : undefined;
  }

  async releaseLease(lease: Lease): Promise<boolean> {
    const [leaseKey] = this.#leaseKeys(lease.namespace, lease.name);
    const released = await this.#run("release a lease", () =>
      this.#client.ekRelease(leaseKey, `${lease.fence}:${lease.owner}`),
    );
    return released === 1;
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }
}
