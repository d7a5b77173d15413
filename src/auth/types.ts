/**
 * The credential contract every flow implements. A credential is for one identity (client, user or
 * managed identity) and hands out tokens for any number of v2 scope sets or v1 resources, each with its
 * own expiry, fetched lazily on first use.
 */
import type { TokenTarget } from "../protocol/token-request.ts";

export interface GetTokenOptions {
  /** v2 scopes, e.g. `["https://graph.microsoft.com/.default"]`. */
  scopes?: readonly string[];
  /** A v1 resource, e.g. `https://management.azure.com/`. Exclusive with `scopes`. */
  resource?: string;
  /** A claims challenge (JSON) from a `WWW-Authenticate` header, passed to Entra as is; skips the cache. */
  claims?: string;
  /** Ignore any cached token and ask the network. */
  forceRefresh?: boolean;
}

export interface AccessToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresOn: number;
  /** When the issuer asked us to refresh (`refresh_in`), milliseconds since the epoch. */
  refreshOn?: number;
  /** The scopes the token was requested for (a v1 resource is reported as its single resource). */
  scopes: string[];
}

export interface TokenCredential {
  getToken(options?: GetTokenOptions): Promise<AccessToken>;
}

/** A credential's default target from its `scopes` or `resource` option (scopes win), if it has one. */
export function defaultTarget(options: {
  scopes?: readonly string[];
  resource?: string;
}): TokenTarget | undefined {
  if (options.scopes?.length) return { scopes: options.scopes };
  return options.resource ? { resource: options.resource } : undefined;
}

/** Turns `getToken` options plus a credential's default into one target, or fails clearly. */
export function resolveTarget(options: GetTokenOptions, fallback: TokenTarget | undefined): TokenTarget {
  if (options.scopes && options.resource) {
    throw new TypeError("getToken takes scopes or resource, not both");
  }
  if (options.scopes && options.scopes.length > 0) return { scopes: [...options.scopes] };
  if (options.resource) return { resource: options.resource };
  if (fallback) return fallback;
  throw new TypeError("getToken needs scopes or a resource (the credential has no default)");
}

/** A stable key for a target: the sorted scope set, or the resource. */
export function targetKey(target: TokenTarget): string {
  return "scopes" in target
    ? `scopes:${[...new Set(target.scopes)].sort().join(" ")}`
    : `resource:${target.resource}`;
}

export function targetScopes(target: TokenTarget): string[] {
  return "scopes" in target ? [...target.scopes] : [target.resource];
}
