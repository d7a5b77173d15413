/**
 * The bearer-token steps every emulated API takes before its own checks: read the token from the
 * Authorization header, verify it with the core's token service, find the token's tenant, and list the
 * permissions it carries. Each API words the refusals as its service does, so the failure is handed to
 * the caller's `refuse` and never worded here; the token itself never reaches a message.
 */
import {
  type AccessTokenClaims,
  type EmulatorCore,
  InvalidTokenError,
  type TenantRecord,
} from "./contracts.ts";

/** Why a request carries no valid token: no bearer header, or the token service's reason. */
export type BearerFailure = "missing" | InvalidTokenError["reason"];

/** The verified claims of the request's bearer token; `refuse(failure)` is thrown otherwise. */
export async function verifyBearer(
  core: EmulatorCore,
  authorization: string | undefined,
  refuse: (failure: BearerFailure) => Error,
): Promise<AccessTokenClaims> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) throw refuse("missing");
  try {
    return await core.tokens.verifyAccessToken(match[1]!);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw refuse(error.reason);
    throw error;
  }
}

/** The tenant the token was issued in, when the emulator knows it. */
export function tokenTenant(core: EmulatorCore, claims: AccessTokenClaims): TenantRecord | undefined {
  return typeof claims.tid === "string" ? core.directory.tenant(claims.tid) : undefined;
}

/** What the token grants: `scp` scopes for a user token, else the app's `roles`. */
export function tokenPermissions(claims: AccessTokenClaims): {
  delegated: boolean;
  permissions: ReadonlySet<string>;
} {
  const delegated = typeof claims.scp === "string" && claims.scp.length > 0;
  const permissions = new Set(delegated ? claims.scp!.split(" ").filter(Boolean) : (claims.roles ?? []));
  return { delegated, permissions };
}
