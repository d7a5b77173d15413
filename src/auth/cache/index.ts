/** The token cache's public surface. */
export { CachedCredential, type CachedCredentialOptions, cachedCredential } from "./cached-credential.ts";
export {
  DEFAULT_REFRESH_POLICY,
  type Freshness,
  freshness,
  type RefreshPolicy,
  refreshAt,
} from "./freshness.ts";
export {
  canonicalClaims,
  canonicalTarget,
  normalizeResource,
  normalizeScopes,
  storeKeyOf,
  TOKEN_RECORD_PREFIX,
  type TokenKeyParts,
  tokenCacheKey,
} from "./key.ts";
export { LruMap } from "./lru.ts";
export {
  type Redemption,
  type RotationOptions,
  type RotationStep,
  rotateRefreshToken,
} from "./refresh-rotation.ts";
export {
  AUTH_RECORD_PREFIX,
  type ResetAuthOptions,
  type ResetCounts,
  type ResetReport,
  resetAuth,
} from "./reset.ts";
export { type FetchToken, TokenCache, type TokenCacheOptions, type TokenCacheStats } from "./token-cache.ts";
