/** The shared shape of a token request as each grant handler sees it, and checks several grants share. */
import type { RequestContext, UserRecord } from "../../contracts.ts";
import type { AuthenticatedClient } from "../client-auth.ts";
import { authenticateClient } from "../client-auth.ts";
import type { IdentityContext } from "../context.ts";
import { requestOrigins } from "../context.ts";
import { AadstsError, entraTimestamp } from "../errors.ts";
import { resolveV1Resource, resolveV2Scopes, type ScopeRequest, splitScopes } from "../scopes.ts";
import type { TenantRef } from "../tenant.ts";

export interface GrantRequest {
  ic: IdentityContext;
  ctx: RequestContext;
  form: URLSearchParams;
  tenant: TenantRef;
  /** 2 for `/oauth2/v2.0/token`, 1 for `/oauth2/token`. */
  version: 1 | 2;
}

export type GrantHandler = (g: GrantRequest) => Promise<Record<string, unknown>>;

export function required(g: GrantRequest, name: string): string {
  const value = g.form.get(name);
  if (!value) throw new AadstsError(900144, { parameter: name });
  return value;
}

export function tenantName(tenant: TenantRef): string {
  return tenant.kind === "tenant" ? tenant.tenant.domain : tenant.segment;
}

export function authenticate(g: GrantRequest, requireCredential: boolean): AuthenticatedClient {
  return authenticateClient(g.ic, g.form, g.ctx.req.headers.authorization, {
    tenantId: g.tenant.kind === "tenant" ? g.tenant.tenant.id : undefined,
    tenantSegment: g.tenant.kind === "tenant" ? g.tenant.segment : g.tenant.segment,
    requireCredential,
    origins: requestOrigins(g.ic, g.ctx),
  });
}

/** The request's scope (v2) or resource (v1); `fallback` is used when a v2 request names no scope. */
export function requestedTarget(g: GrantRequest, tenantDisplay: string, fallback?: string[]): ScopeRequest {
  if (g.version === 1) return resolveV1Resource(g.ic.directory, g.form.get("resource"), tenantDisplay);
  const raw = splitScopes(g.form.get("scope"));
  return resolveV2Scopes(g.ic.directory, raw.length === 0 && fallback ? fallback : raw, tenantDisplay);
}

/** AADSTS50173 when an admin revoked the user's or the app's sessions after this sign-in. */
export function checkNotRevoked(
  ic: IdentityContext,
  user: UserRecord,
  clientId: string,
  authTime: number,
): void {
  const revokedAt = Math.max(
    ic.directory.sessionsRevokedAt(user.id) ?? 0,
    ic.directory.sessionsRevokedAt(clientId) ?? 0,
  );
  if (revokedAt >= authTime) {
    throw new AadstsError(50173, {
      issuedAt: entraTimestamp(authTime),
      validFrom: entraTimestamp(revokedAt),
    });
  }
}

export function wantsClientInfo(g: GrantRequest): boolean {
  return g.form.get("client_info") === "1" || g.ctx.url.searchParams.get("client_info") === "1";
}

/** A code or token bound to one tenant is refused at another tenant's endpoint (AADSTS700005). */
export function checkTenant(g: GrantRequest, tenantId: string): void {
  if (g.tenant.kind === "tenant" && g.tenant.tenant.id !== tenantId) throw new AadstsError(700005);
}
