/**
 * Registrations in the Store: one plain record with what an operator may see (app, tenant, dates,
 * revocation) and one sealed record with the AES key. Every request reads both, with no cache, so a
 * revocation or key rotation is seen at once by every replica sharing the store.
 */
import { randomBytes } from "node:crypto";
import { EntrakitError } from "../errors.ts";
import type { Store } from "../store/types.ts";

export const PROXY_NAMESPACE = "entrakit-proxy";
const META = "registration.";
const KEY = "key.";

export interface Registration {
  id: string;
  appName: string;
  kind: "application" | "delegated";
  tenantId: string;
  /** ISO 8601. */
  createdAt: string;
  keyRotatedAt?: string;
  revokedAt?: string;
}

export interface NewRegistration {
  registration: Registration;
  /** Standard base64 of the 32-byte key: shown once, then only kept sealed. */
  key: string;
}

/** 128 bits as hex: URL- and `@`-safe, and never starts with `-` (which a shell command would take as an option). */
export function newRegistrationId(): string {
  return randomBytes(16).toString("hex");
}

const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export function isRegistrationId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export class Registrations {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  async create(input: {
    appName: string;
    kind: "application" | "delegated";
    tenantId: string;
  }): Promise<NewRegistration> {
    const registration: Registration = {
      id: newRegistrationId(),
      appName: input.appName,
      kind: input.kind,
      tenantId: input.tenantId,
      createdAt: new Date(this.#now()).toISOString(),
    };
    const key = randomBytes(32);
    // The key first: a registration record never exists without its key. A taken id (2^-128) is refused.
    const keyWrite = await this.#store.set(PROXY_NAMESPACE, KEY + registration.id, key.toString("base64"), {
      seal: true,
      expectedVersion: 0,
    });
    const metaWrite = keyWrite.ok
      ? await this.#store.set(PROXY_NAMESPACE, META + registration.id, toJson(registration), {
          expectedVersion: 0,
        })
      : keyWrite;
    if (!metaWrite.ok) {
      throw new EntrakitError("conflict", "A registration with this id already exists.", {
        hint: "Authorize again; a new id is drawn each time.",
      });
    }
    return { registration, key: key.toString("base64") };
  }

  async get(id: string): Promise<Registration | undefined> {
    if (!isRegistrationId(id)) return undefined;
    return (await this.#store.get<Record<string, string>>(PROXY_NAMESPACE, META + id))?.value as
      | Registration
      | undefined;
  }

  /** The registration and its key, only while it is active. */
  async active(id: string): Promise<{ registration: Registration; key: Buffer } | undefined> {
    const registration = await this.get(id);
    if (!registration || registration.revokedAt) return undefined;
    const key = await this.#store.get<string>(PROXY_NAMESPACE, KEY + id);
    if (!key) return undefined;
    return { registration, key: Buffer.from(key.value, "base64") };
  }

  async list(): Promise<Registration[]> {
    const keys = await this.#store.list(PROXY_NAMESPACE, META);
    const all = await Promise.all(keys.map((key) => this.get(key.slice(META.length))));
    return all
      .filter((r): r is Registration => r !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Marks it revoked and destroys its key; requests with it are refused from now on. */
  async revoke(id: string): Promise<Registration> {
    const registration = await this.#require(id);
    const updated = await this.#store.update<Record<string, string>>(PROXY_NAMESPACE, META + id, (current) =>
      current ? { ...current, revokedAt: current.revokedAt ?? new Date(this.#now()).toISOString() } : current,
    );
    await this.#store.delete(PROXY_NAMESPACE, KEY + id);
    return (updated?.value as Registration | undefined) ?? registration;
  }

  /** A fresh key; the old one stops working at once. Resolves to the new key (standard base64). */
  async rotateKey(id: string): Promise<NewRegistration> {
    const registration = await this.#require(id);
    if (registration.revokedAt) {
      throw new EntrakitError("usage", `Registration ${id} is revoked; its key cannot be rotated.`, {
        hint: "Ask the customer to authorize again; that creates a new registration.",
      });
    }
    const key = randomBytes(32);
    await this.#store.set(PROXY_NAMESPACE, KEY + id, key.toString("base64"), { seal: true });
    const updated = await this.#store.update<Record<string, string>>(PROXY_NAMESPACE, META + id, (current) =>
      current ? { ...current, keyRotatedAt: new Date(this.#now()).toISOString() } : current,
    );
    return {
      registration: (updated?.value as Registration | undefined) ?? registration,
      key: key.toString("base64"),
    };
  }

  async #require(id: string): Promise<Registration> {
    const registration = await this.get(id);
    if (!registration) {
      throw new EntrakitError("not_found", `No registration ${id} in this store.`, {
        hint: "Run `entrakit proxy registrations list` to see the registrations.",
      });
    }
    return registration;
  }
}

function toJson(registration: Registration): Record<string, string> {
  return Object.fromEntries(
    Object.entries(registration).filter(([, value]) => value !== undefined),
  ) as Record<string, string>;
}
