/**
 * The Store every caller uses, over any backend: argument checks, JSON encoding, and sealing. Sealing
 * lives here so that no backend ever sees a secret. A marker record (`__entrakit`/`seal`) remembers which
 * master key sealed the store, so a wrong or missing key is refused before anything is read or written.
 */
import { EntrakitError } from "../errors.ts";
import { corruptedRecordError, isSealed, type MasterKey, open, seal, WRONG_KEY_HINT } from "./seal.ts";
import type {
  ClearOptions,
  DeleteOptions,
  Json,
  Lease,
  LeaseOptions,
  NowFn,
  SetOptions,
  SetResult,
  Store,
  StoreBackend,
  StoreEntry,
  UpdateOptions,
} from "./types.ts";

/** Reserved namespace for the store's own records; `Store` callers cannot use `__`-prefixed names. */
export const META_NAMESPACE = "__entrakit";
export const SEAL_MARKER_KEY = "seal";

export interface SealMarker {
  /** Id of the key every sealed record is under (or was, while a rotation to `rotatingTo` runs). */
  keyId: string;
  rotatingTo?: string;
}

/** Reads the seal marker; a damaged marker is a clear store error, not a JSON exception. */
export async function readSealMarker(
  backend: StoreBackend,
): Promise<{ marker?: SealMarker; version: number }> {
  const raw = await backend.get(META_NAMESPACE, SEAL_MARKER_KEY);
  if (!raw) return { version: 0 };
  try {
    const marker = JSON.parse(raw.data) as SealMarker;
    if (typeof marker?.keyId === "string") return { marker, version: raw.version };
  } catch {}
  throw new EntrakitError(
    "store",
    `the store's seal marker (${META_NAMESPACE}/${SEAL_MARKER_KEY}) is corrupted.`,
    {
      hint: "Restore the store from a backup; sealed records cannot be checked against the master key without it.",
    },
  );
}

/** Where the master key comes from. Never prints the key, only `description`. */
export interface MasterKeySource {
  readonly description: string;
  /** The key, or undefined when it does not exist yet (a key file not generated so far). */
  load(): MasterKey | undefined;
  /** Creates and persists a new key; undefined when this source cannot (an environment variable). */
  create(): MasterKey | undefined;
}

export function fixedKeySource(key: MasterKey, description: string): MasterKeySource {
  return { description, load: () => key, create: () => key };
}

function fail(message: string, hint?: string): never {
  throw new EntrakitError("usage", message, hint ? { hint } : {});
}

function checkName(what: "namespace" | "key" | "lease name", value: unknown, max: number): void {
  if (typeof value !== "string" || value.length === 0 || value.length > max || value.includes("\u0000")) {
    fail(`the store ${what} must be a non-empty string of at most ${max} characters without NUL.`);
  }
}

function checkNamespace(namespace: unknown): void {
  checkName("namespace", namespace, 512);
  if ((namespace as string).startsWith("__")) fail(`store namespaces starting with "__" are reserved.`);
}

/** Validates a TTL and rounds it up to whole milliseconds (Redis takes integers). */
function normalizeTtl(ttlMs: unknown): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (
    !(
      typeof ttlMs === "number" &&
      Number.isFinite(ttlMs) &&
      ttlMs > 0 &&
      ttlMs <= Number.MAX_SAFE_INTEGER / 2
    )
  ) {
    fail("a store TTL must be a positive number of milliseconds.");
  }
  return Math.ceil(ttlMs);
}

function checkVersion(version: unknown): void {
  if (
    version !== undefined &&
    !(typeof version === "number" && Number.isSafeInteger(version) && version >= 0)
  ) {
    fail("an expected store version must be a non-negative whole number (0: the key must not exist).");
  }
}

function checkLease(options: LeaseOptions): number {
  if (typeof options?.owner !== "string" || options.owner.length === 0 || options.owner.length > 256) {
    fail("a lease owner must be a non-empty string of at most 256 characters.");
  }
  const ttlMs = normalizeTtl(options.ttlMs);
  if (ttlMs === undefined) fail("a lease needs a TTL (ttlMs).");
  return ttlMs;
}

export class EntrakitStore implements Store {
  readonly backend: StoreBackend;
  readonly #keySource: MasterKeySource;
  readonly #now: NowFn;
  #key: Promise<MasterKey> | undefined;
  /** Version of the seal marker the key was checked against. */
  #markerVersion = 0;

  constructor(backend: StoreBackend, keySource: MasterKeySource, now: NowFn = Date.now) {
    this.backend = backend;
    this.#keySource = keySource;
    this.#now = now;
  }

  get kind() {
    return this.backend.kind;
  }

  get location() {
    return this.backend.location;
  }

  /** The master key, checked once against the store's seal marker (a failure is retried next time). */
  masterKey(): Promise<MasterKey> {
    this.#key ??= this.#resolveKey().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  async #resolveKey(): Promise<MasterKey> {
    for (;;) {
      const { marker, version } = await readSealMarker(this.backend);
      let key = this.#keySource.load();
      if (!key && marker) {
        throw new EntrakitError(
          "sealed_data",
          `the master key is missing (${this.#keySource.description}), but this store holds data sealed with key ${marker.keyId}; nothing was changed.`,
          { hint: WRONG_KEY_HINT },
        );
      }
      key ??= this.#keySource.create();
      if (!key) throw new EntrakitError("configuration", `no master key (${this.#keySource.description}).`);
      if (!marker) {
        const created = await this.backend.set(
          META_NAMESPACE,
          SEAL_MARKER_KEY,
          JSON.stringify({ keyId: key.id }),
          {
            expectedVersion: 0,
          },
        );
        if (!created.ok) continue; // another process sealed first: check against its marker
        this.#markerVersion = created.version;
        return key;
      }
      if (marker.keyId === key.id && !marker.rotatingTo) {
        this.#markerVersion = version;
        return key;
      }
      if (marker.rotatingTo === key.id || marker.keyId === key.id) {
        throw new EntrakitError("sealed_data", "a master key rotation of this store has not finished.", {
          hint: "Finish it with `entrakit store rotate-key` (it resumes where it stopped).",
        });
      }
      throw new EntrakitError(
        "sealed_data",
        `the master key (${this.#keySource.description}) does not match the one that sealed this store; nothing was changed.`,
        { hint: WRONG_KEY_HINT },
      );
    }
  }

  /**
   * The key to seal with, re-checked against the marker first: if another process rotated the key since,
   * sealing with the old one would write records the rest of the fleet cannot open.
   */
  async #sealingKey(): Promise<MasterKey> {
    const key = await this.masterKey();
    const marker = await this.backend.get(META_NAMESPACE, SEAL_MARKER_KEY);
    if (marker?.version === this.#markerVersion) return key;
    this.#key = undefined;
    return this.masterKey();
  }

  async #decode<T extends Json>(
    namespace: string,
    key: string,
    data: string,
  ): Promise<{ value: T; sealed: boolean }> {
    const sealed = isSealed(data);
    const text = sealed ? open(await this.masterKey(), data, namespace, key) : data;
    try {
      return { value: JSON.parse(text) as T, sealed };
    } catch {
      throw corruptedRecordError(namespace, key, "not valid JSON");
    }
  }

  async #encode(namespace: string, key: string, value: Json, sealIt: boolean | undefined): Promise<string> {
    const text = JSON.stringify(value);
    if (typeof text !== "string") fail(`the value for store key "${key}" is not JSON.`);
    return sealIt ? seal(await this.#sealingKey(), text, namespace, key) : text;
  }

  async get<T extends Json = Json>(namespace: string, key: string): Promise<StoreEntry<T> | undefined> {
    checkNamespace(namespace);
    checkName("key", key, 1024);
    const raw = await this.backend.get(namespace, key);
    if (!raw) return undefined;
    const { value, sealed } = await this.#decode<T>(namespace, key, raw.data);
    const entry: StoreEntry<T> = { value, version: raw.version, sealed };
    if (raw.expiresAt !== undefined) entry.expiresAt = raw.expiresAt;
    return entry;
  }

  async set(namespace: string, key: string, value: Json, options: SetOptions = {}): Promise<SetResult> {
    checkNamespace(namespace);
    checkName("key", key, 1024);
    checkVersion(options.expectedVersion);
    const ttlMs = normalizeTtl(options.ttlMs);
    const data = await this.#encode(namespace, key, value, options.seal);
    const rawOptions: { expectedVersion?: number; ttlMs?: number } = {};
    if (options.expectedVersion !== undefined) rawOptions.expectedVersion = options.expectedVersion;
    if (ttlMs !== undefined) rawOptions.ttlMs = ttlMs;
    return this.backend.set(namespace, key, data, rawOptions);
  }

  async update<T extends Json = Json>(
    namespace: string,
    key: string,
    mutate: (current: T | undefined) => T | undefined,
    options: UpdateOptions = {},
  ): Promise<StoreEntry<T> | undefined> {
    const attempts = options.maxAttempts ?? 16;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const current = await this.get<T>(namespace, key);
      const next = mutate(current?.value);
      if (next === undefined) {
        if (!current || (await this.backend.delete(namespace, key, current.version))) return undefined;
        continue;
      }
      const setOptions: SetOptions = { expectedVersion: current?.version ?? 0 };
      if (options.ttlMs !== undefined) setOptions.ttlMs = options.ttlMs;
      if (options.seal !== undefined) setOptions.seal = options.seal;
      const result = await this.set(namespace, key, next, setOptions);
      if (result.ok) {
        const entry: StoreEntry<T> = { value: next, version: result.version, sealed: options.seal === true };
        if (options.ttlMs !== undefined) entry.expiresAt = this.#now() + Math.ceil(options.ttlMs);
        return entry;
      }
    }
    throw new EntrakitError(
      "conflict",
      `store key "${key}" of instance "${namespace}" kept changing under ${attempts} update attempts.`,
      { hint: "Another process is writing it in a tight loop; retry later." },
    );
  }

  async delete(namespace: string, key: string, options: DeleteOptions = {}): Promise<boolean> {
    checkNamespace(namespace);
    checkName("key", key, 1024);
    checkVersion(options.expectedVersion);
    return this.backend.delete(namespace, key, options.expectedVersion);
  }

  async list(namespace: string, prefix?: string): Promise<string[]> {
    checkNamespace(namespace);
    return this.backend.list(namespace, prefix ?? "");
  }

  async clear(namespace: string, options: ClearOptions = {}): Promise<number> {
    checkNamespace(namespace);
    return this.backend.clear(namespace, options.prefix ?? "");
  }

  async namespaces(): Promise<string[]> {
    return (await this.backend.namespaces()).filter((name) => !name.startsWith("__"));
  }

  async acquireLease(namespace: string, name: string, options: LeaseOptions): Promise<Lease | undefined> {
    checkNamespace(namespace);
    checkName("lease name", name, 1024);
    const ttlMs = checkLease(options);
    return this.backend.acquireLease(namespace, name, { owner: options.owner, ttlMs });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const ttl = normalizeTtl(ttlMs);
    if (ttl === undefined) fail("renewing a lease needs a TTL (ttlMs).");
    return this.backend.renewLease(lease, ttl);
  }

  async releaseLease(lease: Lease): Promise<boolean> {
    return this.backend.releaseLease(lease);
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
