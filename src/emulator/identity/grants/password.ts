/**
 * `password` (resource owner password credentials): kept because scripts still use it and it is the
 * plainest way to reproduce AADSTS50126 / 50034 over JSON. Public clients only unless a secret is sent.
 */
import type { UserRecord } from "../../contracts.ts";
import type { IdentityContext } from "../context.ts";
import { AadstsError } from "../errors.ts";
import { appAvailableIn, grantDelegated } from "../scopes.ts";
import type { TenantRef } from "../tenant.ts";
import { userTokenResponse } from "../token-response.ts";
import {
  authenticate,
  type GrantHandler,
  requestedTarget,
  required,
  tenantName,
  wantsClientInfo,
} from "./grant.ts";

export const passwordGrant: GrantHandler = async (g) => {
  const { app } = authenticate(g, false);
  const username = required(g, "username");
  const password = required(g, "password");
  const user = signIn(g.ic, g.tenant, username, password);
  if (!appAvailableIn(g.ic.directory, app, user.tenantId)) {
    throw new AadstsError(700016, { clientId: app.clientId, tenant: user.tenantId });
  }
  const request = requestedTarget(g, tenantName(g.tenant));
  const { granted, missing } = grantDelegated(g.ic.directory, request, user.tenantId, app.clientId, user.id);
  if (missing.length > 0) throw new AadstsError(65001, { clientId: app.clientId, appName: app.displayName });
  return userTokenResponse(g.ic, {
    tenantId: user.tenantId,
    clientId: app.clientId,
    user,
    request,
    granted,
    version: g.version,
    authTime: g.ic.clock.now(),
    refreshToken: g.version === 1 || request.oidc.has("offline_access"),
    clientInfo: wantsClientInfo(g),
    resource: g.form.get("resource") ?? undefined,
    rememberScopes: request.raw,
  });
};

/**
 * Checks a username and password: in the tenant of the endpoint, or (for `common`/`organizations`) in
 * whichever tenant has that UPN. AADSTS50034 for an unknown user, 50126 for a wrong password.
 */
export function signIn(
  ic: IdentityContext,
  tenant: TenantRef,
  username: string,
  password: string,
): UserRecord {
  const tenants = tenant.kind === "tenant" ? [tenant.tenant] : ic.directory.tenants();
  const user = tenants.map((t) => ic.directory.user(t.id, username)).find((u) => u !== undefined);
  if (!user)
    throw new AadstsError(50034, {
      tenantId: tenant.kind === "tenant" ? tenant.tenant.domain : "organizations",
    });
  if (user.password !== password) throw new AadstsError(50126);
  return user;
}
