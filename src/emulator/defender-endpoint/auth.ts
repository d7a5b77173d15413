/**
 * Who may call the Defender for Endpoint API: a valid token whose audience is the WindowsDefenderATP
 * application (any of its public, regional or US Government identifiers), from a known tenant, carrying
 * one of the route's roles (app tokens) or scopes (delegated tokens). Refusals are Defender's own errors.
 */
import { type BearerFailure, tokenPermissions, tokenTenant, verifyBearer } from "../bearer.ts";
import type { AccessTokenClaims, EmulatorCore, TenantRecord } from "../contracts.ts";
import { DEFENDER_ENDPOINT_APP_ID } from "../well-known.ts";
import { DefenderError } from "./errors.ts";

export interface DefenderCaller {
  claims: AccessTokenClaims;
  tenant: TenantRecord;
  delegated: boolean;
  permissions: ReadonlySet<string>;
}

const INVALID_TOKEN: Record<BearerFailure, string> = {
  missing: "Authorization header is missing or is not a bearer token.",
  malformed: "The access token is not a well-formed JWT.",
  signature: "The access token signature is invalid.",
  expired: "The access token has expired.",
  not_yet_valid: "The access token is not yet valid.",
};

export async function authenticateDefender(
  core: EmulatorCore,
  authorization: string | undefined,
): Promise<DefenderCaller> {
  const claims = await verifyBearer(
    core,
    authorization,
    (failure) => new DefenderError(401, "Unauthorized", INVALID_TOKEN[failure]),
  );
  const resource = typeof claims.aud === "string" ? core.directory.resourceApi(claims.aud) : undefined;
  if (resource?.appId !== DEFENDER_ENDPOINT_APP_ID) {
    throw new DefenderError(
      401,
      "Unauthorized",
      `The access token's audience '${String(claims.aud)}' is not WindowsDefenderATP (https://api.securitycenter.microsoft.com).`,
    );
  }
  const tenant = tokenTenant(core, claims);
  if (!tenant)
    throw new DefenderError(
      401,
      "Unauthorized",
      "The access token's tenant is not onboarded to this service.",
    );
  return { claims, tenant, ...tokenPermissions(claims) };
}

/**
 * One of `roles` must be granted. Delegated permissions drop the `.All` suffix in Defender's API
 * (`Alert.Read`), so both spellings count for delegated callers.
 */
export function authorizeDefender(caller: DefenderCaller, roles: readonly string[]): void {
  const accepted = caller.delegated ? roles.flatMap((role) => [role, role.replace(/\.All$/, "")]) : roles;
  if (accepted.some((role) => caller.permissions.has(role))) return;
  const kind = caller.delegated ? "delegated permissions" : "application roles";
  const names = caller.delegated ? roles.map((role) => role.replace(/\.All$/, "")) : roles;
  throw new DefenderError(
    403,
    "Forbidden",
    `The application does not have any of the required ${kind} (${names.join(", ")}) to access the resource.`,
  );
}
