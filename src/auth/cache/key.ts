/**
 * The token cache key: everything that changes what a token means (authority host, tenant, client or
 * identity, flow, target, claims), canonicalized so equal requests spelled differently share one entry
 * and different ones never do. Pure: no I/O.
 */
import { createHash } from "node:crypto";
import type { TokenTarget } from "../../protocol/token-request.ts";

/** Who the token is for and how it is obtained; the target and claims come per request. */
export interface TokenKeyParts {
  /** Login host, e.g. `https://login.microsoftonline.com` (the cloud is implied by it). */
  authorityHost: string;
  /** Tenant id or domain; `organizations`/`common` for multi-tenant delegated flows. */
  tenant: string;
  /** The app's client id, or the managed identity's client/object/resource id. */
  clientId: string;
  /** The flow, e.g. `client_credentials`, `authorization_code`, `managed_identity`. */
  flow: string;
  /**
   * Anything else that yields a different token for the same client (a user's home account id, a
   * managed identity source...). Order-insensitive.
   */
  extra?: Readonly<Record<string, string>>;
}

/** OIDC scopes never change the access token, so they never split the cache (MSAL drops them too). */
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);

/**
 * Scopes are case-insensitive at Entra: lower-cased, OIDC scopes dropped, duplicates removed, sorted.
 * Slashes inside a scope are kept: `https://host//.default` names the App ID URI `https://host/`, which
 * Entra treats as a different resource from `https://host`.
 */
export function normalizeScopes(scopes: readonly string[]): string[] {
  const set = new Set<string>();
  for (const raw of scopes) {
    for (const part of raw.split(/\s+/)) {
      const scope = part.trim().toLowerCase();
      if (scope && !OIDC_SCOPES.has(scope)) set.add(scope);
    }
  }
  return [...set].sort();
}

/** A v1 resource: lower-cased, trailing slashes removed (`https://graph.microsoft.com/` = without). */
export function normalizeResource(resource: string): string {
  return resource.trim().toLowerCase().replace(/\/+$/, "");
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\/+$/, "");
}

/** Claims JSON compared by content, not spelling: keys sorted recursively, whitespace dropped. */
export function canonicalClaims(claims: string | undefined): string {
  if (claims === undefined || claims.trim() === "") return "";
  try {
    return JSON.stringify(sortKeys(JSON.parse(claims)));
  } catch {
    return claims.trim();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** The canonical target string: `scopes:a b c` or `resource:https://host`. */
export function canonicalTarget(target: TokenTarget): string {
  return "scopes" in target
    ? `scopes:${normalizeScopes(target.scopes).join(" ")}`
    : `resource:${normalizeResource(target.resource)}`;
}

/**
 * The canonical key string. Fields are joined with `|` after escaping (`\` and `|`), so no two different
 * part sets can produce the same string.
 */
export function tokenCacheKey(parts: TokenKeyParts, target: TokenTarget, claims?: string): string {
  const extra = Object.entries(parts.extra ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return [
    normalizeHost(parts.authorityHost),
    parts.tenant.trim().toLowerCase(),
    parts.clientId.trim().toLowerCase(),
    parts.flow,
    extra,
    canonicalTarget(target),
    canonicalClaims(claims),
  ]
    .map(escapeField)
    .join("|");
}

function escapeField(field: string): string {
  return field.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
}

/** Prefix of every access-token record in an instance's namespace (what `resetAuth` clears with the rest). */
export const TOKEN_RECORD_PREFIX = "auth.token.";

/**
 * The Store key of a cache key: a hash, so identifiers and claims stay out of key names (which are not
 * sealed) and every key has the same short length.
 */
export function storeKeyOf(cacheKey: string): string {
  return `${TOKEN_RECORD_PREFIX}${createHash("sha256").update(cacheKey).digest("base64url").slice(0, 32)}`;
}
