/**
 * Where delegated flows keep what must outlive the process: refresh tokens, a pending sign-in (state +
 * PKCE verifier) and a pending device flow. Everything is sealed at rest by the Store. Without a Store the
 * values live in memory for this process only.
 */
import { createHash } from "node:crypto";
import type { Json, Store } from "../store/types.ts";

export interface AuthStateOptions {
  /** The Store that keeps refresh tokens and pending flows across processes. */
  store?: Store;
  /** Namespace in the Store, usually the integration instance's. Default `entrakit`. */
  namespace?: string;
}

export class AuthState {
  readonly #store: Store | undefined;
  readonly #namespace: string;
  readonly #memory = new Map<string, { value: Json; expiresAt?: number }>();
  readonly #now: () => number;

  constructor(options: AuthStateOptions, now: () => number) {
    this.#store = options.store;
    this.#namespace = options.namespace ?? "entrakit";
    this.#now = now;
  }

  get persistent(): boolean {
    return this.#store !== undefined;
  }

  async get<T extends Json>(key: string): Promise<T | undefined> {
    if (this.#store) return (await this.#store.get<T>(this.#namespace, key))?.value;
    const entry = this.#memory.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#memory.delete(key);
      return undefined;
    }
    return entry?.value as T | undefined;
  }

  /** Always sealed: everything kept here is a secret or protects one. */
  async set(key: string, value: Json, ttlMs?: number): Promise<void> {
    if (this.#store) {
      await this.#store.set(this.#namespace, key, value, { seal: true, ...(ttlMs ? { ttlMs } : {}) });
      return;
    }
    this.#memory.set(key, ttlMs ? { value, expiresAt: this.#now() + ttlMs } : { value });
  }

  async delete(key: string): Promise<void> {
    if (this.#store) await this.#store.delete(this.#namespace, key);
    else this.#memory.delete(key);
  }
}

/** A key per authority, tenant and client, so refresh tokens of different apps never overwrite each other. */
export function refreshTokenKey(authorityHost: string, tenant: string, clientId: string): string {
  const id = createHash("sha256").update(`${authorityHost}|${tenant}|${clientId}`).digest("hex").slice(0, 16);
  return `auth.refresh_token.${id}`;
}
