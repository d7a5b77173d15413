/**
 * `authorization_code`: single use (AADSTS54005 on reuse), short-lived (70008), bound to its redirect URI
 * (50011), tenant (700005) and PKCE challenge (501481), and refused once the user's sessions were revoked.
 */
import { AadstsError } from "../errors.ts";
import { grantDelegated } from "../scopes.ts";
import { s256, userTokenResponse } from "../token-response.ts";
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

export const authorizationCodeGrant: GrantHandler = async (g) => {
  const { ic } = g;
  const code = required(g, "code");
  const { app } = authenticate(g, false);
  const record = ic.state.codes.get(code);
  if (!record || record.clientId.toLowerCase() !== app.clientId.toLowerCase()) throw new AadstsError(9002313);
  if (record.redeemed) throw new AadstsError(54005);
  if (record.expiresAt <= ic.clock.now()) throw new AadstsError(70008);
  checkTenant(g, record.tenantId);
  const redirectUri = required(g, "redirect_uri");
  if (redirectUri !== record.redirectUri)
    throw new AadstsError(50011, { redirectUri, clientId: app.clientId });
  if (record.codeChallenge) {
    const verifier = required(g, "code_verifier");
    const computed = record.codeChallengeMethod === "plain" ? verifier : s256(verifier);
    if (computed !== record.codeChallenge) throw new AadstsError(501481);
  }
  const user = ic.directory.user(record.tenantId, record.userId);
  if (!user) throw new AadstsError(70008);
  checkNotRevoked(ic, user, app.clientId, record.authTime);
  const request = requestedTarget(g, tenantName(g.tenant), record.scopes);
  const { granted, missing } = grantDelegated(ic.directory, request, record.tenantId, app.clientId, user.id);
  if (missing.length > 0) throw new AadstsError(65001, { clientId: app.clientId, appName: app.displayName });
  record.redeemed = true;
  const offline =
    g.version === 1 ||
    record.scopes.some((s) => s.toLowerCase() === "offline_access") ||
    request.oidc.has("offline_access");
  return userTokenResponse(ic, {
    tenantId: record.tenantId,
    clientId: app.clientId,
    user,
    request,
    granted,
    version: g.version,
    authTime: record.authTime,
    nonce: record.nonce,
    refreshToken: offline,
    clientInfo: wantsClientInfo(g),
    resource: g.form.get("resource") ?? record.resource,
    rememberScopes: request.raw,
  });
};
