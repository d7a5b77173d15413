/**
 * Successful token endpoint bodies. v2: numbers, `scope` with resource-qualified names, `id_token` when
 * `openid` was asked, `refresh_token` only with `offline_access`, `client_info` when `client_info=1`.
 * v1: Entra's older shape with string-typed numbers, `expires_on`, `not_before` and `resource`.
 */
import { createHash } from "node:crypto";
import { stableGuid } from "../config.ts";
import type { UserRecord } from "../contracts.ts";
import type { IdentityContext } from "./context.ts";
import type { ScopeRequest } from "./scopes.ts";

export interface UserGrant {
  tenantId: string;
  clientId: string;
  user: UserRecord;
  request: ScopeRequest;
  /** Delegated permissions the token carries. */
  granted: string[];
  /** Endpoint version: shapes the response and the ID token. */
  version: 1 | 2;
  authTime: number;
  nonce?: string;
  refreshToken: boolean;
  clientInfo: boolean;
  /** v1 `resource` as requested. */
  resource?: string;
  /** The scopes to remember in the refresh token (so a refresh without `scope` repeats them). */
  rememberScopes: string[];
}

export async function userTokenResponse(
  ic: IdentityContext,
  grant: UserGrant,
): Promise<Record<string, unknown>> {
  const { request } = grant;
  const issued = await ic.tokens.issueAccessToken({
    tenantId: grant.tenantId,
    resource: request.resource.api,
    clientId: grant.clientId,
    subject: { kind: "user", user: grant.user },
    scopes:
      grant.granted.length > 0 ? grant.granted : [...request.oidc].filter((s) => s !== "offline_access"),
    version: request.resource.api.accessTokenVersion ?? 1,
    audience: request.resource.audience,
    lifetimeSeconds: ic.options.accessTokenLifetimeSeconds,
  });
  const body: Record<string, unknown> = {};
  const lifetime = Math.round((issued.expiresAt - issued.issuedAt) / 1000);
  const refreshToken = grant.refreshToken
    ? ic.state.issueRefreshToken({
        clientId: grant.clientId,
        tenantId: grant.tenantId,
        userId: grant.user.id,
        scopes: grant.rememberScopes,
        resource: grant.resource,
        authTime: grant.authTime,
        issuedAt: ic.clock.now(),
        used: false,
      })
    : undefined;
  const wantsIdToken = grant.version === 1 || request.oidc.has("openid");
  const idToken = wantsIdToken
    ? ic.tokens.issueIdToken({
        tenantId: grant.tenantId,
        clientId: grant.clientId,
        user: grant.user,
        version: grant.version,
        nonce: grant.nonce,
        authTime: grant.authTime,
      }).token
    : undefined;
  if (grant.version === 2) {
    const prefix = request.resource.audience.replace(/\/$/, "");
    const oidc = [...request.oidc].filter((s) => s !== "offline_access" || refreshToken);
    Object.assign(body, {
      token_type: "Bearer",
      scope: [...grant.granted.map((p) => `${prefix}/${p}`), ...oidc].join(" "),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: issued.token,
    });
  } else {
    Object.assign(body, {
      token_type: "Bearer",
      scope: grant.granted.join(" "),
      expires_in: String(lifetime),
      ext_expires_in: String(lifetime),
      expires_on: String(Math.floor(issued.expiresAt / 1000)),
      not_before: String(Math.floor(issued.issuedAt / 1000)),
      resource: grant.resource,
      access_token: issued.token,
    });
  }
  if (refreshToken) body.refresh_token = refreshToken;
  if (idToken) body.id_token = idToken;
  if (grant.clientInfo) {
    body.client_info = Buffer.from(JSON.stringify({ uid: grant.user.id, utid: grant.tenantId })).toString(
      "base64url",
    );
  }
  return body;
}

export async function appTokenResponse(
  ic: IdentityContext,
  input: {
    tenantId: string;
    clientId: string;
    request: ScopeRequest;
    roles: string[];
    version: 1 | 2;
    resource?: string;
  },
): Promise<Record<string, unknown>> {
  const issued = await ic.tokens.issueAccessToken({
    tenantId: input.tenantId,
    resource: input.request.resource.api,
    clientId: input.clientId,
    subject: { kind: "app", servicePrincipalId: servicePrincipalId(input.tenantId, input.clientId) },
    roles: input.roles,
    version: input.request.resource.api.accessTokenVersion ?? 1,
    audience: input.request.resource.audience,
    lifetimeSeconds: ic.options.accessTokenLifetimeSeconds,
  });
  const lifetime = Math.round((issued.expiresAt - issued.issuedAt) / 1000);
  if (input.version === 2) {
    return {
      token_type: "Bearer",
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: issued.token,
    };
  }
  return {
    token_type: "Bearer",
    expires_in: String(lifetime),
    ext_expires_in: String(lifetime),
    expires_on: String(Math.floor(issued.expiresAt / 1000)),
    not_before: String(Math.floor(issued.issuedAt / 1000)),
    resource: input.resource,
    access_token: issued.token,
  };
}

/** The app's service principal object id in a tenant (stable, distinct per tenant). */
export function servicePrincipalId(tenantId: string, clientId: string): string {
  return stableGuid(`sp:${tenantId.toLowerCase()}:${clientId.toLowerCase()}`);
}

/** PKCE S256: base64url(SHA-256(verifier)). */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}
