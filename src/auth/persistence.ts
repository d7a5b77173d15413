/**
 * Where delegated flows keep what must outlive the process: refresh tokens, a pending sign-in (state +
 * PKCE verifier) and a pending device flow. Everything is sealed at rest by the Store. Without a Store the
 * values live in memory for this process only.
 */
import { createHash } from "node:crypto";
import type { Json, Store } from "../store/types.ts";
import {
  type Redemption,
  type RotationOptions,
  rotateRefreshToken,
  serializeInProcess,
} from "./cache/refresh-rotation.ts";

export interface AuthStateOptions {
  /** The Store that keeps refresh tokens and pending flows across processes. */
  store?: Store;
  /** Namespace in the Store, usually the integration instance's. Default `entrakit`. */
  namespace?: string;
  /**
   * Refresh-token rotation tuning: lease lifetime (how long a crashed holder blocks others), wait
   * timeout, and a step observer (tracing; the crash tests kill at each step).
   */
  rotation?: Pick<RotationOptions, "leaseTtlMs" | "waitTimeoutMs" | "onStep">;
}

export class AuthState {
  readonly #store: Store | undefined;
  readonly #namespace: string;
  readonly #memory = new Map<string, { value: Json; expiresAt?: number }>();
  readonly #now: () => number;
  readonly #rotation: AuthStateOptions["rotation"];

  constructor(options: AuthStateOptions, now: () => number) {
    this.#store = options.store;
    this.#namespace = options.namespace ?? "entrakit";
    this.#now = now;
    this.#rotation = options.rotation;
  }

  /**
   * Read-redeem-replace of a single-use secret (a refresh token) with no overlapping redemption in this
   * process or, with a Store, in any process; the successor is committed before this resolves
   * (src/auth/cache/refresh-rotation.ts).
   */
  rotate<T>(key: string, redeem: (current: Json | undefined) => Promise<Redemption<T>>): Promise<T> {
    const store = this.#store;
    if (store) {
      return rotateRefreshToken({ ...this.#rotation, store, namespace: this.#namespace, key }, redeem);
    }
    return serializeInProcess(`memory\u0000${key}`, async () => {
      const redemption = await redeem(await this.get(key));
      if (redemption.next !== undefined) await this.set(key, redemption.next);
      return redemption.result;
    });
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
