/**
 * The identity module's server-side grant state: authorization codes, refresh tokens, device codes,
 * pending sign-in interactions and seen assertion ids. Values handed to clients are random and opaque;
 * everything they stand for stays here. Maps are pruned of expired entries as they grow.
 */
import { randomBytes, randomInt } from "node:crypto";

export interface AuthCodeRecord {
  clientId: string;
  tenantId: string;
  userId: string;
  redirectUri: string;
  /** Every requested scope string, OIDC ones included (v2), or empty for v1. */
  scopes: string[];
  /** v1 `resource` parameter. */
  resource?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  authTime: number;
  expiresAt: number;
  redeemed: boolean;
  version: 1 | 2;
}

export interface RefreshTokenRecord {
  clientId: string;
  tenantId: string;
  userId: string;
  /** The scopes of the original grant (used when a refresh names none). */
  scopes: string[];
  resource?: string;
  /** When the user signed in: revocations after this kill the whole chain. */
  authTime: number;
  issuedAt: number;
  /** Set once redeemed; a second use is refused unless `identity.refreshTokenReuse` is "entra". */
  used: boolean;
}

export type DeviceCodeStatus = "pending" | "approved" | "declined" | "redeemed";

export interface DeviceCodeRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  /** Tenant segment of the request (`organizations`, a GUID, a domain). */
  tenantSegment: string;
  scopes: string[];
  resource?: string;
  version: 1 | 2;
  interval: number;
  expiresAt: number;
  lastPollAt?: number;
  status: DeviceCodeStatus;
  userId?: string;
  tenantId?: string;
  authTime?: number;
}

/** A sign-in in progress on one of the HTML pages. */
export interface InteractionRecord {
  kind: "authorize" | "device" | "adminconsent";
  params: Record<string, string>;
  tenantSegment: string;
  expiresAt: number;
  userId?: string;
  tenantId?: string;
  authTime?: number;
  deviceCode?: string;
}

/** Entra's codes live about ten minutes. */
export const AUTH_CODE_LIFETIME_MS = 10 * 60 * 1000;
/** Non-SPA refresh tokens die after 90 days without use (AADSTS700082). */
export const REFRESH_TOKEN_INACTIVITY_MS = 90 * 24 * 3600 * 1000;
export const INTERACTION_LIFETIME_MS = 60 * 60 * 1000;
/** Letters and digits a person cannot confuse (no 0/O, 1/I/L). */
const USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const PRUNE_THRESHOLD = 10_000;

export class IdentityState {
  readonly codes = new ExpiringMap<AuthCodeRecord>();
  readonly refreshTokens = new ExpiringMap<RefreshTokenRecord>();
  readonly deviceCodes = new ExpiringMap<DeviceCodeRecord>();
  readonly interactions = new ExpiringMap<InteractionRecord>();
  /** `clientId|jti` → when the assertion expires. */
  readonly assertionIds = new ExpiringMap<true>();
  #lastDeviceCode: string | undefined;

  issueCode(record: AuthCodeRecord, now: number): string {
    const code = `1.A${randomBytes(96).toString("base64url")}`;
    // Kept past expiry so a late or second redemption still gets the precise error.
    this.codes.set(code, record, record.expiresAt + AUTH_CODE_LIFETIME_MS, now);
    return code;
  }

  issueRefreshToken(record: RefreshTokenRecord): string {
    const token = `1.A${randomBytes(160).toString("base64url")}`;
    this.refreshTokens.set(token, record, record.issuedAt + REFRESH_TOKEN_INACTIVITY_MS * 2, record.issuedAt);
    return token;
  }

  issueDeviceCode(record: Omit<DeviceCodeRecord, "deviceCode" | "userCode">, now: number): DeviceCodeRecord {
    const full: DeviceCodeRecord = {
      ...record,
      deviceCode: `DAQABIQEAAAD${randomBytes(96).toString("base64url")}`,
      userCode: Array.from(
        { length: 9 },
        () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)],
      ).join(""),
    };
    // Keep expired device codes a while so late polls get expired_token rather than bad_verification_code.
    this.deviceCodes.set(full.deviceCode, full, full.expiresAt + 3600_000, now);
    this.#lastDeviceCode = full.deviceCode;
    return full;
  }

  deviceCodeByUserCode(userCode: string): DeviceCodeRecord | undefined {
    const wanted = userCode.replace(/[\s-]/g, "").toUpperCase();
    for (const record of this.deviceCodes.values()) if (record.userCode === wanted) return record;
    return undefined;
  }

  lastDeviceCode(): DeviceCodeRecord | undefined {
    return this.#lastDeviceCode ? this.deviceCodes.get(this.#lastDeviceCode) : undefined;
  }

  startInteraction(record: InteractionRecord, now: number): string {
    const id = randomBytes(24).toString("base64url");
    this.interactions.set(id, record, record.expiresAt, now);
    return id;
  }
}

/** A map whose entries carry a forget-after time; pruned (against the emulator clock) as it grows. */
export class ExpiringMap<V> {
  #entries = new Map<string, { value: V; forgetAt: number }>();
  #lastNow = 0;

  set(key: string, value: V, forgetAt: number, now: number): void {
    this.#lastNow = Math.max(this.#lastNow, now);
    if (this.#entries.size >= PRUNE_THRESHOLD) this.prune(this.#lastNow);
    this.#entries.set(key, { value, forgetAt });
  }

  get(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  *values(): IterableIterator<V> {
    for (const entry of this.#entries.values()) yield entry.value;
  }

  get size(): number {
    return this.#entries.size;
  }

  prune(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.forgetAt <= now) this.#entries.delete(key);
  }
}
