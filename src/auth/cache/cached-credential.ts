/**
 * Any credential with caching and single flight: `cachedCredential(credential, { keyParts, store })`
 * answers `getToken` from the shared token cache and asks the credential only when the cache decides
 * to fetch (always with `forceRefresh`, so the credential's own memo never hands back a stale token).
 * It is a `TokenSource` for src/http/authorized.ts: the 401 retry's `forceRefresh` is the invalidation.
 */
import type { TokenTarget } from "../../protocol/token-request.ts";
import {
  type AccessToken,
  defaultTarget,
  type GetTokenOptions,
  resolveTarget,
  type TokenCredential,
} from "../types.ts";
import { type TokenKeyParts, tokenCacheKey } from "./key.ts";
import { LruMap } from "./lru.ts";
import { TokenCache, type TokenCacheOptions } from "./token-cache.ts";

export interface CachedCredentialOptions extends TokenCacheOptions {
  /** What identifies the credential's tokens (authority host, tenant, client or identity, flow). */
  keyParts: TokenKeyParts;
  /** Share one cache among an instance's credentials; default: a new cache from these options. */
  cache?: TokenCache;
  /** Default v2 scopes for `getToken()` without arguments. */
  scopes?: string[];
  /** Default v1 resource for `getToken()` without arguments. */
  resource?: string;
}

export class CachedCredential implements TokenCredential {
  readonly cache: TokenCache;
  readonly #inner: TokenCredential;
  readonly #parts: TokenKeyParts;
  readonly #default: TokenTarget | undefined;
  /** Canonicalizing scopes sorts and lower-cases; remember the result per spelling (bounded). */
  readonly #keys = new LruMap<string, string>(1024);

  constructor(credential: TokenCredential, options: CachedCredentialOptions) {
    this.#inner = credential;
    this.#parts = options.keyParts;
    this.cache = options.cache ?? new TokenCache(options);
    this.#default = defaultTarget(options);
  }

  getToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    let target: TokenTarget;
    try {
      target = resolveTarget(options, this.#default);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.keyFor(target, options.claims);
    const ask: GetTokenOptions =
      "scopes" in target ? { scopes: target.scopes } : { resource: target.resource };
    if (options.claims) ask.claims = options.claims;
    ask.forceRefresh = true;
    return this.cache.getToken(key, () => this.#inner.getToken(ask), {
      forceRefresh: options.forceRefresh === true,
    });
  }

  /** Forgets `token` (refused by an API) for this target, here and in the Store. */
  invalidate(options: GetTokenOptions, token?: string): Promise<void> {
    return this.cache.invalidate(this.keyFor(resolveTarget(options, this.#default), options.claims), token);
  }

  /** The canonical cache key of a target for this credential. */
  keyFor(target: TokenTarget, claims?: string): string {
    const spelling = `${"scopes" in target ? target.scopes.join(" ") : `@${target.resource}`}\u0000${claims ?? ""}`;
    let key = this.#keys.get(spelling);
    if (key === undefined) {
      key = tokenCacheKey(this.#parts, target, claims);
      this.#keys.set(spelling, key);
    }
    return key;
  }
}

export function cachedCredential(
  credential: TokenCredential,
  options: CachedCredentialOptions,
): CachedCredential {
  return new CachedCredential(credential, options);
}
