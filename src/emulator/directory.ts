/**
 * The emulator's in-memory directory: tenants, users, app registrations, consents, managed identities
 * and the resource APIs tokens can be issued for. Reads implement the `Directory` contract; writes are
 * used by the config loader and the admin API. `seedDevelopmentDirectory` creates the documented
 * zero-configuration values of well-known.ts.
 */
import { createHash, X509Certificate } from "node:crypto";
import type {
  AppCertificateRecord,
  AppRegistrationRecord,
  ConsentRecord,
  Directory,
  ManagedIdentityRecord,
  TenantRecord,
  UserRecord,
} from "./contracts.ts";
import {
  BOT_FRAMEWORK_APP_ID,
  BOT_FRAMEWORK_TENANT,
  RESOURCE_APIS,
  type ResourceApiDefinition,
} from "./resource-apis.ts";
import {
  ARM_APP_ID,
  DEV_ADMIN,
  DEV_APP,
  DEV_SYSTEM_IDENTITY,
  DEV_TENANT,
  DEV_TENANT_P1,
  DEV_USER,
  DEV_USER_IDENTITY,
  DEV_VM,
  GRAPH_APP_ID,
} from "./well-known.ts";

/** A resource API matched from a request, with the audience its tokens carry. */
export interface ResolvedResource {
  api: ResourceApiDefinition;
  /** The identifier as requested (what Entra puts in `aud`), `/.default` and scope name removed. */
  audience: string;
}

export class MemoryDirectory implements Directory {
  #tenants = new Map<string, TenantRecord>();
  #users = new Map<string, Map<string, UserRecord>>();
  #apps = new Map<string, AppRegistrationRecord>();
  #resourceApis: ResourceApiDefinition[] = [...RESOURCE_APIS];
  #consents: ConsentRecord[] = [];
  #managedIdentities: ManagedIdentityRecord[] = [];
  #revocations = new Map<string, number>();

  tenant(ref: string): TenantRecord | undefined {
    const key = ref.toLowerCase();
    const byId = this.#tenants.get(key);
    if (byId) return byId;
    for (const tenant of this.#tenants.values()) if (tenant.domain.toLowerCase() === key) return tenant;
    return undefined;
  }

  tenants(): TenantRecord[] {
    return [...this.#tenants.values()];
  }

  users(tenantId: string): UserRecord[] {
    return [...(this.#users.get(tenantId.toLowerCase())?.values() ?? [])];
  }

  user(tenantId: string, ref: string): UserRecord | undefined {
    const users = this.#users.get(tenantId.toLowerCase());
    if (!users) return undefined;
    const key = ref.toLowerCase();
    const byId = users.get(key);
    if (byId) return byId;
    for (const user of users.values()) if (user.userPrincipalName.toLowerCase() === key) return user;
    return undefined;
  }

  app(clientId: string): AppRegistrationRecord | undefined {
    return this.#apps.get(clientId.toLowerCase());
  }

  apps(): AppRegistrationRecord[] {
    return [...this.#apps.values()];
  }

  resourceApi(ref: string): ResourceApiDefinition | undefined {
    return this.resolveResource(ref)?.api;
  }

  resourceApis(): ResourceApiDefinition[] {
    return [...this.#resourceApis];
  }

  /**
   * Resolves a v1 `resource`, a v2 scope (`https://graph.microsoft.com/.default`,
   * `https://graph.microsoft.com/User.Read`, `00000003-.../.default`) or an appId to its API.
   */
  resolveResource(ref: string): ResolvedResource | undefined {
    const identifier = resourcePart(ref);
    const key = trimSlash(identifier).toLowerCase();
    for (const api of this.#resourceApis) {
      if (api.appId.toLowerCase() === key) return { api, audience: api.appId };
      for (const uri of api.identifierUris) {
        const pattern = trimSlash(uri).toLowerCase();
        if (pattern === key || (pattern.includes("*") && wildcardMatch(pattern, key))) {
          return { api, audience: pattern.includes("*") ? trimSlash(identifier) : uri };
        }
      }
    }
    return undefined;
  }

  /**
   * Splits a v2 scope into its resource and permission: `https://graph.microsoft.com/User.Read` →
   * (Graph, `User.Read`); `.../.default` → `.default`. Identifiers with a path (`.../windowsatpservice`)
   * are tried whole first. Undefined when no registered API matches.
   */
  resolveScope(scope: string): { resource: ResolvedResource; permission: string } | undefined {
    if (scope.endsWith("/.default")) {
      const resource = this.resolveResource(scope);
      return resource ? { resource, permission: ".default" } : undefined;
    }
    const slash = scope.lastIndexOf("/");
    if (slash <= 0) return undefined;
    const resource = this.resolveResource(scope.slice(0, slash));
    return resource ? { resource, permission: scope.slice(slash + 1) } : undefined;
  }

  consents(tenantId: string, clientId: string): ConsentRecord[] {
    const tid = tenantId.toLowerCase();
    const cid = clientId.toLowerCase();
    return this.#consents.filter((c) => c.tenantId.toLowerCase() === tid && c.clientId.toLowerCase() === cid);
  }

  allConsents(): ConsentRecord[] {
    return [...this.#consents];
  }

  managedIdentities(): ManagedIdentityRecord[] {
    return [...this.#managedIdentities];
  }

  sessionsRevokedAt(principalId: string): number | undefined {
    return this.#revocations.get(principalId.toLowerCase());
  }

  putTenant(tenant: TenantRecord): void {
    this.#tenants.set(tenant.id.toLowerCase(), tenant);
    if (!this.#users.has(tenant.id.toLowerCase())) this.#users.set(tenant.id.toLowerCase(), new Map());
  }

  putUser(user: UserRecord): void {
    const tid = user.tenantId.toLowerCase();
    if (!this.#tenants.has(tid))
      throw new RangeError(`User ${user.userPrincipalName}: unknown tenant ${user.tenantId}.`);
    this.#users.get(tid)!.set(user.id.toLowerCase(), user);
  }

  removeUser(tenantId: string, ref: string): boolean {
    const user = this.user(tenantId, ref);
    return user ? this.#users.get(tenantId.toLowerCase())!.delete(user.id.toLowerCase()) : false;
  }

  putApp(app: AppRegistrationRecord): void {
    if (!this.#tenants.has(app.homeTenantId.toLowerCase())) {
      throw new RangeError(`App ${app.displayName}: unknown home tenant ${app.homeTenantId}.`);
    }
    this.#apps.set(app.clientId.toLowerCase(), app);
  }

  removeApp(clientId: string): boolean {
    return this.#apps.delete(clientId.toLowerCase());
  }

  putResourceApi(api: ResourceApiDefinition): void {
    this.#resourceApis = [
      ...this.#resourceApis.filter((a) => a.appId.toLowerCase() !== api.appId.toLowerCase()),
      api,
    ];
  }

  /** Adds to the consent of (tenant, client, resource): permissions are unioned, as granting does in Entra. */
  grantConsent(consent: ConsentRecord): ConsentRecord {
    const existing = this.#consents.find(
      (c) =>
        c.tenantId.toLowerCase() === consent.tenantId.toLowerCase() &&
        c.clientId.toLowerCase() === consent.clientId.toLowerCase() &&
        c.resourceAppId.toLowerCase() === consent.resourceAppId.toLowerCase(),
    );
    if (!existing) {
      const copy = structuredClone(consent);
      this.#consents.push(copy);
      return copy;
    }
    existing.applicationPermissions = union(existing.applicationPermissions, consent.applicationPermissions);
    for (const grant of consent.delegated) {
      const match = existing.delegated.find((d) => samePrincipal(d.principal, grant.principal));
      if (match) match.scopes = union(match.scopes, grant.scopes);
      else existing.delegated.push(structuredClone(grant));
    }
    return existing;
  }

  /** Removes every consent of a client in a tenant (optionally for one resource). */
  revokeConsent(tenantId: string, clientId: string, resourceAppId?: string): number {
    const before = this.#consents.length;
    this.#consents = this.#consents.filter(
      (c) =>
        !(
          c.tenantId.toLowerCase() === tenantId.toLowerCase() &&
          c.clientId.toLowerCase() === clientId.toLowerCase() &&
          (!resourceAppId || c.resourceAppId.toLowerCase() === resourceAppId.toLowerCase())
        ),
    );
    return before - this.#consents.length;
  }

  putManagedIdentity(identity: ManagedIdentityRecord): void {
    this.#managedIdentities = [
      ...this.#managedIdentities.filter((m) => m.clientId.toLowerCase() !== identity.clientId.toLowerCase()),
      identity,
    ];
  }

  /** Refresh tokens and codes of this user or app issued up to `at` stop working (AADSTS50173). */
  revokeSessions(principalId: string, at: number): void {
    this.#revocations.set(principalId.toLowerCase(), at);
  }

  /** Empties everything, including the resource API table's additions (back to the built-in table). */
  clear(): void {
    this.#tenants.clear();
    this.#users.clear();
    this.#apps.clear();
    this.#resourceApis = [...RESOURCE_APIS];
    this.#consents = [];
    this.#managedIdentities = [];
    this.#revocations.clear();
  }
}

/** A v1 resource or a `.default` scope without its `/.default` suffix. */
export function resourcePart(ref: string): string {
  const trimmed = ref.trim();
  return trimmed.endsWith("/.default") ? trimmed.slice(0, -"/.default".length) : trimmed;
}

function trimSlash(value: string): string {
  return value.endsWith("/") ? value.slice(0, -1) : value;
}

function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[a-z0-9-]+(?:\\.[a-z0-9-]+)*");
  return new RegExp(`^${source}$`).test(value);
}

function union(a: string[], b: string[]): string[] {
  const seen = new Set(a.map((v) => v.toLowerCase()));
  return [...a, ...b.filter((v) => !seen.has(v.toLowerCase()) && seen.add(v.toLowerCase()))];
}

function samePrincipal(a: ConsentRecord["delegated"][number]["principal"], b: typeof a): boolean {
  if (a === "admin" || b === "admin") return a === b;
  return a.userId.toLowerCase() === b.userId.toLowerCase();
}

/** A certificate credential from its PEM: thumbprints as the portal shows them, expiry from `notAfter`. */
export function certificateRecordFromPem(pem: string, keyId: string): AppCertificateRecord {
  const cert = new X509Certificate(pem);
  return {
    keyId,
    certificatePem: cert.toString(),
    thumbprintSha1: createHash("sha1").update(cert.raw).digest("hex").toUpperCase(),
    thumbprintSha256: createHash("sha256").update(cert.raw).digest("hex").toUpperCase(),
    expiresAt: Date.parse(cert.validTo),
  };
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

const DEV_GRAPH_APP_PERMISSIONS = [
  "User.Read.All",
  "Directory.Read.All",
  "IdentityRiskyUser.Read.All",
  "IdentityRiskyUser.ReadWrite.All",
  "IdentityRiskEvent.Read.All",
  "IdentityRiskEvent.ReadWrite.All",
];
const DEV_GRAPH_DELEGATED = [
  "User.Read",
  "User.Read.All",
  "IdentityRiskyUser.Read.All",
  "IdentityRiskyUser.ReadWrite.All",
  "IdentityRiskEvent.Read.All",
  "IdentityRiskEvent.ReadWrite.All",
];

/**
 * The documented zero-configuration directory. The dev app is multi-tenant so that the same credentials
 * reach both the P1+P2 tenant and the P1-only tenant (where Identity Protection answers "not licensed");
 * admin consent is granted in both. Its secret lives ten years from `now`.
 */
export function seedDevelopmentDirectory(directory: MemoryDirectory, now: number): void {
  directory.putTenant({ ...DEV_TENANT, licences: { entraIdP1: true, entraIdP2: true } });
  directory.putTenant({ ...DEV_TENANT_P1, licences: { entraIdP1: true, entraIdP2: false } });
  directory.putUser({
    ...DEV_ADMIN,
    tenantId: DEV_TENANT.id,
    directoryRoles: ["Global Administrator"],
    givenName: "Dev",
    surname: "Admin",
    mail: DEV_ADMIN.userPrincipalName,
    jobTitle: "Administrator",
  });
  directory.putUser({
    ...DEV_USER,
    tenantId: DEV_TENANT.id,
    directoryRoles: [],
    givenName: "Alice",
    surname: "Example",
    mail: DEV_USER.userPrincipalName,
    jobTitle: "Analyst",
  });
  directory.putApp({
    clientId: DEV_APP.clientId,
    objectId: "c81e4b2a-5d7f-4a90-b3c6-1e8d2f7a9b04",
    displayName: DEV_APP.displayName,
    homeTenantId: DEV_TENANT.id,
    secrets: [
      {
        keyId: DEV_APP.secretKeyId,
        hint: DEV_APP.secret.slice(0, 3),
        value: DEV_APP.secret,
        expiresAt: now + 10 * YEAR_MS,
      },
    ],
    certificates: [],
    // Loopback URIs match on any port (as in Entra); the path must still match.
    redirectUris: [
      "http://localhost",
      "http://127.0.0.1",
      "http://localhost/callback",
      "http://127.0.0.1/callback",
    ],
    allowPublicClient: true,
    multiTenant: true,
    applicationPermissions: DEV_GRAPH_APP_PERMISSIONS.map((value) => ({ resource: GRAPH_APP_ID, value })),
    delegatedScopes: [
      ...DEV_GRAPH_DELEGATED.map((value) => ({ resource: GRAPH_APP_ID, value })),
      { resource: ARM_APP_ID, value: "user_impersonation" },
    ],
  });
  for (const tenantId of [DEV_TENANT.id, DEV_TENANT_P1.id]) {
    directory.grantConsent({
      tenantId,
      clientId: DEV_APP.clientId,
      resourceAppId: GRAPH_APP_ID,
      applicationPermissions: DEV_GRAPH_APP_PERMISSIONS,
      delegated: [{ principal: "admin", scopes: DEV_GRAPH_DELEGATED }],
    });
    directory.grantConsent({
      tenantId,
      clientId: DEV_APP.clientId,
      resourceAppId: ARM_APP_ID,
      applicationPermissions: [],
      delegated: [{ principal: "admin", scopes: ["user_impersonation"] }],
    });
  }
  // Bots sign in at `botframework.com` for Bot Framework tokens; the dev app is registered as a bot there.
  directory.putTenant({ ...BOT_FRAMEWORK_TENANT, licences: { entraIdP1: false, entraIdP2: false } });
  directory.grantConsent({
    tenantId: BOT_FRAMEWORK_TENANT.id,
    clientId: DEV_APP.clientId,
    resourceAppId: BOT_FRAMEWORK_APP_ID,
    applicationPermissions: [],
    delegated: [],
  });
  const miRoles = {
    [GRAPH_APP_ID]: ["User.Read.All", "IdentityRiskyUser.Read.All", "IdentityRiskEvent.Read.All"],
  };
  directory.putManagedIdentity({
    kind: "system",
    tenantId: DEV_TENANT.id,
    clientId: DEV_SYSTEM_IDENTITY.clientId,
    objectId: DEV_SYSTEM_IDENTITY.objectId,
    resourceId: `/subscriptions/${DEV_VM.subscriptionId}/resourceGroups/${DEV_VM.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${DEV_VM.name}`,
    vm: DEV_VM.name,
    roles: miRoles,
  });
  directory.putManagedIdentity({
    kind: "user",
    tenantId: DEV_TENANT.id,
    clientId: DEV_USER_IDENTITY.clientId,
    objectId: DEV_USER_IDENTITY.objectId,
    resourceId: DEV_USER_IDENTITY.resourceId,
    vm: DEV_VM.name,
    roles: miRoles,
  });
}
