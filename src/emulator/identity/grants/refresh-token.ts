/**
 * `refresh_token` with rotation: every redemption returns a new refresh token. With `identity.refreshTokenReuse`
 * "single-use" (the default) the redeemed one is consumed (a second use is AADSTS70008); with "entra" it stays
 * valid, as Entra ID does not revoke a refresh token when it is used. Either way a refresh token dies after
 * 90 days without use (700082) and with its whole chain when the user's or app's sessions are revoked
 * (50173). A refresh may name any resource the user consented to (multi-resource refresh tokens).
 */
import { AadstsError, entraTimestamp } from "../errors.ts";
import { grantDelegated } from "../scopes.ts";
import { REFRESH_TOKEN_INACTIVITY_MS } from "../state.ts";
import { userTokenResponse } from "../token-response.ts";
import {
  authenticate,
  checkNotRevoked,
  checkTenant,
  type GrantHandler,
  requestedTarget,
  required,
  tenantName,
  wantsClientInfo,
} from "./grant.ts";

export const refreshTokenGrant: GrantHandler = async (g) => {
  const { ic } = g;
  const token = required(g, "refresh_token");
  const { app } = authenticate(g, false);
  const record = ic.state.refreshTokens.get(token);
  if (!record || record.clientId.toLowerCase() !== app.clientId.toLowerCase()) throw new AadstsError(9002313);
  checkTenant(g, record.tenantId);
  const user = ic.directory.user(record.tenantId, record.userId);
  if (!user) throw new AadstsError(70008);
  checkNotRevoked(ic, user, app.clientId, record.authTime);
  if (record.used && ic.options.refreshTokenReuse === "single-use") throw new AadstsError(70008);
  const now = ic.clock.now();
  if (now - record.issuedAt > REFRESH_TOKEN_INACTIVITY_MS) {
    const days = Math.floor((now - record.issuedAt) / 86_400_000);
    throw new AadstsError(700082, {
      issuedAt: entraTimestamp(record.issuedAt),
      inactiveFor: `${days}.00:00:00`,
    });
  }
  const request = requestedTarget(g, tenantName(g.tenant), record.scopes);
  const { granted, missing } = grantDelegated(ic.directory, request, record.tenantId, app.clientId, user.id);
  if (missing.length > 0) throw new AadstsError(65001, { clientId: app.clientId, appName: app.displayName });
  record.used = true;
  return userTokenResponse(ic, {
    tenantId: record.tenantId,
    clientId: app.clientId,
    user,
    request,
    granted,
    version: g.version,
    authTime: record.authTime,
    refreshToken: true,
    clientInfo: wantsClientInfo(g),
    resource: g.form.get("resource") ?? record.resource,
    rememberScopes: g.form.get("scope") ? request.raw : record.scopes,
  });
};
