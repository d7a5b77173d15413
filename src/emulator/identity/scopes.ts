/**
 * What a token request asks for: v2 `scope` strings (OIDC scopes, `.default`, named permissions, bare
 * Graph names) or a v1 `resource`, resolved against the directory's resource APIs; and what the tenant's
 * consents grant for it. One resource per request, as Entra requires.
 */
import type { AppRegistrationRecord, ConsentRecord } from "../contracts.ts";
import type { MemoryDirectory, ResolvedResource } from "../directory.ts";
import { GRAPH_APP_ID } from "../well-known.ts";
import { AadstsError } from "./errors.ts";

export const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

export interface ScopeRequest {
  resource: ResolvedResource;
  /** Permission names, or `.default`; empty when only OIDC scopes were asked. */
  permissions: string[];
  /** OIDC scopes asked (lower case). */
  oidc: Set<string>;
  raw: string[];
}

export function splitScopes(value: string | null | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((s) => s.length > 0);
}

/** Resolves a v2 scope list; throws 900144 (none), 500011 (unknown resource), 28000 (two resources), 70011. */
export function resolveV2Scopes(directory: MemoryDirectory, raw: string[], tenantName: string): ScopeRequest {
  if (raw.length === 0) throw new AadstsError(900144, { parameter: "scope" });
  const oidc = new Set<string>();
  let resource: ResolvedResource | undefined;
  const permissions: string[] = [];
  for (const scope of raw) {
    if (OIDC_SCOPES.has(scope.toLowerCase())) {
      oidc.add(scope.toLowerCase());
      continue;
    }
    let resolved: { resource: ResolvedResource; permission: string } | undefined;
    if (scope.includes("/")) {
      resolved = directory.resolveScope(scope);
      if (!resolved) {
        const name = scope.endsWith("/.default")
          ? scope.slice(0, -"/.default".length)
          : scope.slice(0, scope.lastIndexOf("/"));
        throw new AadstsError(500011, { resource: name, tenant: tenantName });
      }
    } else {
      // A bare permission name means Microsoft Graph.
      const graph = directory.resolveResource(GRAPH_APP_ID)!;
      resolved = { resource: { api: graph.api, audience: graph.api.identifierUris[0]! }, permission: scope };
    }
    if (resource && resource.api.appId !== resolved.resource.api.appId) {
      throw new AadstsError(28000, { scope: raw.join(" ") });
    }
    resource ??= resolved.resource;
    const known =
      resolved.permission === ".default" ||
      resource.api.scopes.some((s) => s.toLowerCase() === resolved.permission.toLowerCase());
    if (!known) throw new AadstsError(70011, { scope });
    permissions.push(resolved.permission);
  }
  if (!resource) {
    const graph = directory.resolveResource(GRAPH_APP_ID)!;
    resource = { api: graph.api, audience: graph.api.identifierUris[0]! };
  }
  return { resource, permissions, oidc, raw };
}

/** A v1 `resource` parameter; throws 900144 / 500011. */
export function resolveV1Resource(
  directory: MemoryDirectory,
  resource: string | null,
  tenantName: string,
): ScopeRequest {
  if (!resource) throw new AadstsError(900144, { parameter: "resource" });
  const resolved = directory.resolveResource(resource);
  if (!resolved) throw new AadstsError(500011, { resource, tenant: tenantName });
  return { resource: resolved, permissions: [".default"], oidc: new Set(["openid"]), raw: [] };
}

/** The app has a service principal in the tenant: its home tenant, or any consent there. */
export function appAvailableIn(
  directory: MemoryDirectory,
  app: AppRegistrationRecord,
  tenantId: string,
): boolean {
  return (
    app.homeTenantId.toLowerCase() === tenantId.toLowerCase() ||
    directory.consents(tenantId, app.clientId).length > 0
  );
}

/** Delegated scopes consented for (tenant, client, user) on a resource: admin grants plus the user's own. */
export function consentedScopes(
  directory: MemoryDirectory,
  tenantId: string,
  clientId: string,
  userId: string,
  resourceAppId: string,
): string[] {
  const scopes = new Map<string, string>();
  for (const consent of directory.consents(tenantId, clientId)) {
    if (consent.resourceAppId.toLowerCase() !== resourceAppId.toLowerCase()) continue;
    for (const grant of consent.delegated) {
      if (grant.principal === "admin" || grant.principal.userId.toLowerCase() === userId.toLowerCase()) {
        for (const s of grant.scopes) scopes.set(s.toLowerCase(), s);
      }
    }
  }
  return [...scopes.values()];
}

/** Admin-consented application permissions (the `roles` of an app-only token). */
export function consentedAppRoles(
  directory: MemoryDirectory,
  tenantId: string,
  clientId: string,
  resourceAppId: string,
): string[] {
  return directory
    .consents(tenantId, clientId)
    .filter((c: ConsentRecord) => c.resourceAppId.toLowerCase() === resourceAppId.toLowerCase())
    .flatMap((c) => c.applicationPermissions);
}

/**
 * The delegated permissions a user token gets, or the names still missing consent. `.default` means
 * "everything consented" and needs at least one consented scope; named permissions need each one.
 */
export function grantDelegated(
  directory: MemoryDirectory,
  request: ScopeRequest,
  tenantId: string,
  clientId: string,
  userId: string,
): { granted: string[]; missing: string[] } {
  const consented = consentedScopes(directory, tenantId, clientId, userId, request.resource.api.appId);
  const lower = new Map(consented.map((s) => [s.toLowerCase(), s]));
  if (request.permissions.length === 0) return { granted: [], missing: [] };
  if (request.permissions.includes(".default")) {
    return consented.length > 0
      ? { granted: consented, missing: [] }
      : { granted: [], missing: [".default"] };
  }
  const granted: string[] = [];
  const missing: string[] = [];
  for (const p of request.permissions) {
    const match = lower.get(p.toLowerCase());
    if (match) granted.push(match);
    else missing.push(p);
  }
  return { granted, missing };
}

/** Scopes a `.default` or named request would need consent for, for the consent page. */
export function permissionsToConsent(request: ScopeRequest, app: AppRegistrationRecord): string[] {
  if (!request.permissions.includes(".default")) return request.permissions;
  const appId = request.resource.api.appId.toLowerCase();
  return app.delegatedScopes.filter((p) => p.resource.toLowerCase() === appId).map((p) => p.value);
}
