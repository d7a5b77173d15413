/**
 * When a cached token is served as is, served while a refresh runs in the background, or must be
 * replaced before anyone gets it. Pure: the clock is an argument.
 */

export interface RefreshPolicy {
  /**
   * Refresh this long before expiry (capped at half the token's lifetime for short-lived tokens).
   * Default 5 minutes, like MSAL's `tokenRenewalOffsetSeconds`.
   */
  refreshMarginMs: number;
  /**
   * A token with less than this left is never handed out: the request it is for must still reach the
   * API before expiry, across clock skew. Default 30 seconds.
   */
  expiryBufferMs: number;
}

export const DEFAULT_REFRESH_POLICY: RefreshPolicy = { refreshMarginMs: 5 * 60_000, expiryBufferMs: 30_000 };

export interface TimedToken {
  expiresOn: number;
  /** The issuer's `refresh_in`, as an instant. */
  refreshOn?: number;
  /** When the request that produced the token started. */
  obtainedAt: number;
}

/** `fresh`: serve. `refresh`: serve and refresh in the background. `expired`: fetch before serving. */
export type Freshness = "fresh" | "refresh" | "expired";

export function freshness(token: TimedToken, now: number, policy: RefreshPolicy): Freshness {
  if (now >= token.expiresOn - policy.expiryBufferMs) return "expired";
  // A clock that went backwards past the fetch means we cannot trust the lifetime we computed.
  if (now < token.obtainedAt) return "expired";
  return now >= refreshAt(token, policy) ? "refresh" : "fresh";
}

/** The instant a background refresh starts: the issuer's `refresh_in`, else the margin before expiry. */
export function refreshAt(token: TimedToken, policy: RefreshPolicy): number {
  const lifetime = token.expiresOn - token.obtainedAt;
  const margin = Math.min(policy.refreshMarginMs, lifetime / 2);
  const byMargin = token.expiresOn - margin;
  return token.refreshOn !== undefined ? Math.min(token.refreshOn, byMargin) : byMargin;
}
