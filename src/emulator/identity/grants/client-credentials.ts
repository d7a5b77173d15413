/** `client_credentials`: an app-only token whose `roles` are the tenant's admin-consented app permissions. */
import { AadstsError } from "../errors.ts";
import { appAvailableIn, consentedAppRoles } from "../scopes.ts";
import { appTokenResponse } from "../token-response.ts";
import { authenticate, type GrantHandler, requestedTarget, tenantName } from "./grant.ts";

export const clientCredentialsGrant: GrantHandler = async (g) => {
  if (g.tenant.kind !== "tenant") throw new AadstsError(50059);
  const tenant = g.tenant.tenant;
  const { app } = authenticate(g, true);
  if (!appAvailableIn(g.ic.directory, app, tenant.id)) {
    throw new AadstsError(700016, { clientId: app.clientId, tenant: g.tenant.segment });
  }
  const request = requestedTarget(g, tenantName(g.tenant));
  if (g.version === 2 && (request.permissions.length !== 1 || request.permissions[0] !== ".default")) {
    throw new AadstsError(1002012, { scope: request.raw.join(" ") });
  }
  return appTokenResponse(g.ic, {
    tenantId: tenant.id,
    clientId: app.clientId,
    request,
    roles: consentedAppRoles(g.ic.directory, tenant.id, app.clientId, request.resource.api.appId),
    version: g.version,
    resource: g.form.get("resource") ?? undefined,
  });
};
