/**
 * Who is calling Graph and what they may do: the bearer token is verified by the core's token service,
 * its audience must be Microsoft Graph, and each route names the permissions (any one suffices) that
 * must appear in `roles` (app tokens) or `scp` (delegated tokens). Delegated callers also need one of the
 * route's directory roles, as Identity Protection requires. Licences are checked per tenant.
 */
import { type BearerFailure, tokenPermissions, tokenTenant, verifyBearer } from "../bearer.ts";
import type { AccessTokenClaims, EmulatorCore, TenantRecord, UserRecord } from "../contracts.ts";
import { GRAPH_APP_ID } from "../well-known.ts";
import { GraphError } from "./graph-error.ts";

export interface Caller {
  claims: AccessTokenClaims;
  tenant: TenantRecord;
  delegated: boolean;
  /** The signed-in user, for delegated tokens. */
  user: UserRecord | undefined;
  /** Object id of the caller: the user, or the app's service principal. */
  objectId: string;
  permissions: ReadonlySet<string>;
}

export interface Requirement {
  /** Any one of these permissions grants access. */
  permissions: readonly string[];
  /** For delegated callers: any one of these directory roles is needed (none listed: no role check). */
  delegatedRoles?: readonly string[];
  /** Only delegated tokens may call this (`/me`). */
  delegatedOnly?: boolean;
  licence?: "p1" | "p2";
  /**
   * The 403 when no permission matches. Default: Identity Protection's, which names none; the other
   * workloads name the permissions, worded as each service words its own.
   */
  denied?: Denial;
}

export interface Denial {
  code: string;
  message(caller: Caller, permissions: readonly string[]): string;
}

/** Graph's challenge on 401s, pointing clients at the sign-in authority. */
const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

function unauthenticated(message: string): GraphError {
  return new GraphError(401, "InvalidAuthenticationToken", message, { "www-authenticate": WWW_AUTHENTICATE });
}

const INVALID_TOKEN_MESSAGES: Record<BearerFailure, string> = {
  missing: "Access token is empty.",
  malformed: "IDX14100: JWT is not well formed. Access token validation failure.",
  signature: "Access token validation failure. Invalid signature.",
  expired: "Lifetime validation failed, the token is expired.",
  not_yet_valid: "Lifetime validation failed, the token is not yet valid.",
};

export async function authenticate(core: EmulatorCore, authorization: string | undefined): Promise<Caller> {
  const claims = await verifyBearer(core, authorization, (failure) =>
    unauthenticated(INVALID_TOKEN_MESSAGES[failure]),
  );
  const audience = typeof claims.aud === "string" ? core.directory.resourceApi(claims.aud) : undefined;
  if (audience?.appId !== GRAPH_APP_ID)
    throw unauthenticated("Access token validation failure. Invalid audience.");
  const tenant = tokenTenant(core, claims);
  if (!tenant)
    throw unauthenticated("Access token validation failure. The token's tenant is unknown to this service.");
  const { delegated, permissions } = tokenPermissions(claims);
  const user = delegated ? core.directory.user(tenant.id, String(claims.oid)) : undefined;
  return { claims, tenant, delegated, user, objectId: String(claims.oid), permissions };
}

const DENIED = "Insufficient privileges to complete the operation.";

export function authorize(caller: Caller, requirement: Requirement): void {
  if (requirement.delegatedOnly && !caller.delegated) {
    throw new GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
  }
  if (!requirement.permissions.some((permission) => caller.permissions.has(permission))) {
    const denied = requirement.denied;
    if (denied) throw new GraphError(403, denied.code, denied.message(caller, requirement.permissions));
    throw new GraphError(403, "Authorization_RequestDenied", DENIED);
  }
  if (caller.delegated && requirement.delegatedRoles) {
    const roles = caller.user?.directoryRoles ?? [];
    if (!requirement.delegatedRoles.some((role) => roles.includes(role))) {
      throw new GraphError(403, "Authorization_RequestDenied", DENIED);
    }
  }
  if (requirement.licence === "p2" && !caller.tenant.licences.entraIdP2) {
    throw new GraphError(
      403,
      "Forbidden",
      "Your tenant is not licensed for this feature. Microsoft Entra ID P2 is required.",
    );
  }
  if (
    requirement.licence === "p1" &&
    !caller.tenant.licences.entraIdP1 &&
    !caller.tenant.licences.entraIdP2
  ) {
    throw new GraphError(
      403,
      "Forbidden",
      "Your tenant is not licensed for this feature. Microsoft Entra ID P1 or P2 is required.",
    );
  }
}
