/**
 * What every resource API of the emulator shares: its routes as a table, the caller a verified token
 * stands for, and the checks every route makes in order — a valid token, an audience this host accepts,
 * a tenant the emulator knows, then the route's permission. Failures are `ApiError` values; each family
 * renders them in its own service's error shape.
 */
import { type BearerFailure, tokenPermissions, tokenTenant, verifyBearer } from "../bearer.ts";
import type { AccessTokenClaims, EmulatorCore, RequestContext, TenantRecord } from "../contracts.ts";
import { audienceAccepted, type ServedHost } from "./hosts.ts";

/** Why a request failed, independent of how the service words it on the wire. */
export type ApiErrorKind = "unauthenticated" | "forbidden" | "notFound" | "badRequest" | "methodNotAllowed";

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** The service's own error code, when the route knows it (`SubscriptionNotFound`). */
  readonly code: string | undefined;
  /** The tenant of a verified token the request was refused for (401 challenges name its authority). */
  readonly tenantId: string | undefined;
  /** A valid token for another audience (ARM has a code of its own for it). */
  readonly wrongAudience: boolean;
  constructor(
    kind: ApiErrorKind,
    message: string,
    code?: string,
    details: { tenantId?: string; wrongAudience?: boolean } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.code = code;
    this.tenantId = details.tenantId;
    this.wrongAudience = details.wrongAudience ?? false;
  }
}

/** The service's code for an error: the route's own, else the family's code for its kind. */
export function serviceCode(error: ApiError, codes: Readonly<Record<ApiErrorKind, string>>): string {
  return error.code ?? codes[error.kind];
}

export const STATUS: Readonly<Record<ApiErrorKind, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  notFound: 404,
  badRequest: 400,
  methodNotAllowed: 405,
};

export interface ApiCaller {
  claims: AccessTokenClaims;
  tenant: TenantRecord;
  /** A user token (`scp`), as opposed to an app or managed identity token (`roles`). */
  delegated: boolean;
  permissions: ReadonlySet<string>;
  /** Object id of the user or service principal. */
  objectId: string;
  /** `appid` / `azp`. */
  clientId: string;
}

/**
 * What a route needs. `app` lists app roles (any one suffices), or `"rbac"` for APIs authorized by Azure
 * role assignments, which the emulator grants to every app and managed identity of the tenant. `delegated`
 * lists the scopes a user token needs (any one).
 */
export interface Permission {
  app: readonly string[] | "rbac";
  delegated: readonly string[];
}

export const RBAC: Permission = { app: "rbac", delegated: ["user_impersonation"] };

export interface ApiAnswer {
  status: number;
  body?: unknown;
  /** Default `application/json; charset=utf-8`; a string body is sent as-is. */
  contentType?: string;
  headers?: Record<string, string>;
}

export type ErrorAnswer = Omit<ApiAnswer, "status">;

export interface ErrorContext {
  ctx: RequestContext;
  host: string;
  entry: ServedHost;
  /** The caller's tenant, once the token was verified. */
  tenantId?: string;
  now: number;
}

export interface RouteInput {
  ctx: RequestContext;
  caller: ApiCaller;
  /** Regex groups of the route pattern, URL-decoded. */
  params: string[];
  /** The request's served host (`contoso.vault.azure.net`). */
  host: string;
  entry: ServedHost;
  core: EmulatorCore;
}

export interface ApiRoute {
  method: "GET" | "POST";
  /** Matched against the path after the host, e.g. `/subscriptions`. */
  pattern: RegExp;
  permission: Permission;
  handle(input: RouteInput): ApiAnswer;
}

/** One API family: its routes and how it words errors (status comes from the error kind). */
export interface ApiFamily {
  routes: readonly ApiRoute[];
  /** The 403 message naming what the caller lacks (`required`: any one of them). */
  forbidden(required: readonly string[], caller: ApiCaller, path: string): ApiError;
  /** The error answer in the service's shape; the status comes from the error's kind. */
  render(error: ApiError, input: ErrorContext): ErrorAnswer;
}

const INVALID_TOKEN: Readonly<Record<BearerFailure, string>> = {
  missing: "The request has no bearer token in its Authorization header.",
  malformed: "The access token is not a well-formed JWT.",
  signature: "The access token's signature is invalid.",
  expired: "The access token has expired.",
  not_yet_valid: "The access token is not yet valid.",
};

/** Verifies the bearer token for a served host; never echoes the token. */
export async function authenticate(
  core: EmulatorCore,
  ctx: RequestContext,
  entry: ServedHost,
  host: string,
): Promise<ApiCaller> {
  const claims = await verifyBearer(
    core,
    ctx.req.headers.authorization,
    (failure) => new ApiError("unauthenticated", INVALID_TOKEN[failure]),
  );
  const audience = typeof claims.aud === "string" ? claims.aud : "";
  if (!audienceAccepted(entry, host, audience)) {
    throw new ApiError(
      "unauthenticated",
      `The access token's audience '${audience}' is not valid for ${host}; request a token for ${entry.audiences[0]!.replace("{host}", host)}.`,
      undefined,
      { tenantId: typeof claims.tid === "string" ? claims.tid : undefined, wrongAudience: true },
    );
  }
  const tenant = tokenTenant(core, claims);
  if (!tenant) throw new ApiError("unauthenticated", "The access token's tenant is unknown to this service.");
  return {
    claims,
    tenant,
    ...tokenPermissions(claims),
    objectId: String(claims.oid),
    clientId: String(claims.appid ?? claims.azp ?? ""),
  };
}

/** The permissions the caller lacks for a route (empty: allowed). */
export function missingPermissions(caller: ApiCaller, permission: Permission): readonly string[] {
  const required = caller.delegated ? permission.delegated : permission.app;
  if (required === "rbac") return [];
  return required.some((name) => caller.permissions.has(name)) ? [] : required;
}

/** The route for a method and path, or the 404/405 the path deserves. */
export function findRoute(
  routes: readonly ApiRoute[],
  method: string,
  path: string,
): { route: ApiRoute; params: string[] } {
  const candidates = routes
    .map((route) => ({ route, match: route.pattern.exec(path) }))
    .filter((candidate) => candidate.match);
  if (candidates.length === 0) throw new ApiError("notFound", `No API at '${path}' on this host.`);
  const found = candidates.find((candidate) => candidate.route.method === method);
  if (!found) {
    const allowed = [...new Set(candidates.map((candidate) => candidate.route.method))].join(", ");
    throw new ApiError("methodNotAllowed", `The method '${method}' is not allowed here; use ${allowed}.`);
  }
  const params = found
    .match!.slice(1)
    .filter((part): part is string => part !== undefined)
    .map((part) => decodeURIComponent(part));
  return { route: found.route, params };
}

/** JSON body of a request, or undefined when empty; a 400 in the family's shape when malformed. */
export function readJson(ctx: RequestContext): unknown {
  if (ctx.body.length === 0) return undefined;
  try {
    return JSON.parse(ctx.body.toString("utf8"));
  } catch {
    throw new ApiError("badRequest", "The request body is not valid JSON.");
  }
}

export function json(body: unknown, status = 200): ApiAnswer {
  return { status, body };
}
