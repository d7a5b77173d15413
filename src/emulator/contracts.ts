/**
 * The contracts between the emulator's core (server, directory, token service) and the modules that
 * serve endpoints from it (identity platform, managed identity, Graph, resource APIs). Modules depend on
 * these types only, so each can be built and tested on its own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Milliseconds since the epoch. The emulator's clock is settable through the admin API. */
export interface Clock {
  now(): number;
}

export interface TenantRecord {
  /** GUID. */
  id: string;
  /** Verified domain, e.g. `contoso.onmicrosoft.com`. */
  domain: string;
  displayName: string;
  /** Licence flags read by the Graph emulator (Identity Protection needs P2 for riskyUsers). */
  licences: { entraIdP1: boolean; entraIdP2: boolean };
}

export interface UserRecord {
  /** Object id (GUID). */
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  /** Clearly fake development passwords only. */
  password: string;
  /** Directory role names, e.g. `Global Administrator`. */
  directoryRoles: string[];
  givenName?: string;
  surname?: string;
  mail?: string;
  jobTitle?: string;
}

export interface AppSecretRecord {
  keyId: string;
  /** First three characters of the value, as Entra shows them. */
  hint: string;
  value: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface AppCertificateRecord {
  keyId: string;
  /** PEM of the uploaded certificate (public part only). */
  certificatePem: string;
  /** Upper-case hex SHA-1 of the DER, as the portal shows it. */
  thumbprintSha1: string;
  /** Upper-case hex SHA-256 of the DER. */
  thumbprintSha256: string;
  expiresAt: number;
}

export interface PermissionRef {
  /** The resource API's appId or one of its identifier URIs. */
  resource: string;
  /** Application permission (app role) or delegated scope name, e.g. `IdentityRiskyUser.Read.All`. */
  value: string;
}

export interface AppRegistrationRecord {
  clientId: string;
  objectId: string;
  displayName: string;
  homeTenantId: string;
  secrets: AppSecretRecord[];
  certificates: AppCertificateRecord[];
  redirectUris: string[];
  allowPublicClient: boolean;
  multiTenant: boolean;
  applicationPermissions: PermissionRef[];
  delegatedScopes: PermissionRef[];
}

/** An API that tokens can be issued for: Graph, ARM, Key Vault, Defender, ... */
export interface ResourceApiRecord {
  appId: string;
  displayName: string;
  /** The first one is what `aud` carries in v1 tokens and what `/.default` scopes name. */
  identifierUris: string[];
  appRoles: string[];
  scopes: string[];
}

export interface ConsentRecord {
  tenantId: string;
  clientId: string;
  resourceAppId: string;
  /** Admin-consented application permissions (end up in `roles`). */
  applicationPermissions: string[];
  /** Delegated grants: tenant-wide (admin) or for one user. */
  delegated: Array<{ principal: "admin" | { userId: string }; scopes: string[] }>;
}

export interface ManagedIdentityRecord {
  kind: "system" | "user";
  tenantId: string;
  clientId: string;
  objectId: string;
  /** ARM resource id; user-assigned identities always have one. */
  resourceId?: string;
  /** The simulated VM a system-assigned identity belongs to. */
  vm?: string;
  /** Application permissions per resource appId, as if granted by an admin. */
  roles?: Record<string, string[]>;
}

export interface Directory {
  /** Resolve a tenant by GUID or verified domain. */
  tenant(ref: string): TenantRecord | undefined;
  tenants(): TenantRecord[];
  users(tenantId: string): UserRecord[];
  /** By object id or UPN (case-insensitive). */
  user(tenantId: string, ref: string): UserRecord | undefined;
  app(clientId: string): AppRegistrationRecord | undefined;
  /** By appId or identifier URI (trailing slash and `/.default` ignored). */
  resourceApi(ref: string): ResourceApiRecord | undefined;
  consents(tenantId: string, clientId: string): ConsentRecord[];
  managedIdentities(): ManagedIdentityRecord[];
  /** Every app registration (Graph lists a tenant's applications and service principals from them). */
  apps?(): AppRegistrationRecord[];
  /** Every resource API (each tenant has a service principal for them). */
  resourceApis?(): ResourceApiRecord[];
  /**
   * When an admin last revoked the sessions of a user (object id) or app (client id): refresh tokens and
   * codes issued before this instant are refused (AADSTS50173). Milliseconds since the epoch.
   */
  sessionsRevokedAt?(principalId: string): number | undefined;
}

export type TokenSubject =
  | { kind: "app"; servicePrincipalId: string }
  | { kind: "user"; user: UserRecord }
  | { kind: "managed_identity"; identity: ManagedIdentityRecord };

export interface IssueAccessTokenInput {
  tenantId: string;
  resource: ResourceApiRecord;
  /** `appid` / `azp`. */
  clientId: string;
  subject: TokenSubject;
  /** App permissions, for app-only tokens. */
  roles?: string[];
  /** Delegated scopes (bare names), for user tokens. */
  scopes?: string[];
  /** Token version: v1 for `resource=` requests and managed identity, v2 for scope requests. */
  version: 1 | 2;
  lifetimeSeconds?: number;
  /** The `aud` claim; default: the first identifier URI (v1) or the appId (v2). */
  audience?: string;
  /** Extra claims merged last (e.g. `xms_mirid` for managed identities). */
  extraClaims?: Record<string, unknown>;
}

export interface IssuedToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  issuedAt: number;
  claims: Record<string, unknown>;
}

/** Verified access token claims (subset used by resource APIs). */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  sub: string;
  appid?: string;
  azp?: string;
  idtyp?: "app" | "user";
  roles?: string[];
  /** Space-separated delegated scopes. */
  scp?: string;
  upn?: string;
  name?: string;
  exp: number;
  nbf: number;
  iat: number;
  [claim: string]: unknown;
}

export interface TokenService {
  issueAccessToken(input: IssueAccessTokenInput): Promise<IssuedToken>;
  /** Signature, `nbf` and `exp` against the emulator clock. Throws `InvalidTokenError` otherwise. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
}

export class InvalidTokenError extends Error {
  readonly reason: "malformed" | "signature" | "expired" | "not_yet_valid";
  constructor(reason: InvalidTokenError["reason"], message: string) {
    super(message);
    this.name = "InvalidTokenError";
    this.reason = reason;
  }
}

/** Everything a module gets from the emulator core. */
export interface EmulatorCore {
  clock: Clock;
  directory: Directory;
  tokens: TokenService;
  /** Base URL the emulator is reachable at (HTTPS when TLS is on), without a trailing slash. */
  baseUrl(): string;
  /** Directory the emulator persists into, when started with `--state`. */
  stateDir: string | undefined;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The whole request body, already read (empty for GET). */
  body: Buffer;
  /** Unique per request; also logged in the request log. */
  requestId: string;
  /** Address the request came from (for loopback-only admin routes). */
  remoteAddress: string;
}

export interface EmulatorModule {
  name: string;
  /**
   * Serve the request if its path belongs to this module and return true; return false otherwise.
   * Fault injection, latency and the request log are applied by the core around every module.
   */
  handle(ctx: RequestContext): Promise<boolean>;
  /** Optional admin routes, mounted under `/_emulator/<name>/` and served to loopback clients only. */
  handleAdmin?(ctx: RequestContext, subpath: string): Promise<boolean>;
  close?(): Promise<void>;
}

export type EmulatorModuleFactory = (core: EmulatorCore, config: Record<string, unknown>) => EmulatorModule;
