/**
 * A small per-credential, in-memory token map: one entry per target (scope set or resource) with its own
 * expiry, filled lazily, one request in flight per target. This is the seam where the shared token cache
 * (keyed by cloud, tenant, client, flow, target and claims) will plug in later.
 */
import type { TokenTarget } from "../protocol/token-request.ts";
import { type AccessToken, type GetTokenOptions, targetKey } from "./types.ts";

/** Renew this long before expiry (clock skew, slow requests), or a tenth of a short lifetime. */
export const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

export class TokenMemo {
  readonly #tokens = new Map<string, AccessToken & { obtainedAt: number }>();
  readonly #inFlight = new Map<string, Promise<AccessToken>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(
    target: TokenTarget,
    options: GetTokenOptions,
    fetch: () => Promise<AccessToken>,
  ): Promise<AccessToken> {
    const key = targetKey(target);
    // A claims challenge means the cached token was refused: always ask, and keep the answer.
    if (!options.forceRefresh && !options.claims) {
      const cached = this.#tokens.get(key);
      if (cached && this.#fresh(cached)) return strip(cached);
      const pending = this.#inFlight.get(key);
      if (pending) return pending;
    }
    const started = this.#now();
    const request = fetch().then((token) => {
      this.#tokens.set(key, { ...token, obtainedAt: started });
      return token;
    });
    const shared = request.finally(() => {
      if (this.#inFlight.get(key) === shared) this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, shared);
    return shared;
  }

  /** Remembers a token obtained outside `get` (e.g. by a code exchange). */
  put(target: TokenTarget, token: AccessToken): void {
    this.#tokens.set(targetKey(target), { ...token, obtainedAt: this.#now() });
  }

  clear(): void {
    this.#tokens.clear();
  }

  #fresh(token: AccessToken & { obtainedAt: number }): boolean {
    const now = this.#now();
    if (token.refreshOn !== undefined && now >= token.refreshOn) return false;
    const margin = Math.min(RENEW_BEFORE_EXPIRY_MS, (token.expiresOn - token.obtainedAt) / 10);
    return now < token.expiresOn - margin;
  }
}

function strip(token: AccessToken & { obtainedAt: number }): AccessToken {
  const { obtainedAt: _ignored, ...rest } = token;
  return rest;
}
