/**
 * The device authorization grant: `POST /{tenant}/oauth2/v2.0/devicecode` starts it, the token endpoint
 * polls it (`device_code`, or the legacy field `code`). Poll answers: authorization_pending (70016),
 * slow_down when polled faster than the interval (50196), authorization_declined, expired_token (70019),
 * bad_verification_code (70018); public client flows must be enabled (7000218).
 */
import type { RequestContext } from "../../contracts.ts";
import { formBody, sendJson } from "../../http-util.ts";
import { type IdentityContext, requestBase } from "../context.ts";
import { AadstsError } from "../errors.ts";
import { grantDelegated, resolveV1Resource, resolveV2Scopes, splitScopes } from "../scopes.ts";
import type { TenantRef } from "../tenant.ts";
import { userTokenResponse } from "../token-response.ts";
import {
  authenticate,
  checkNotRevoked,
  type GrantHandler,
  requestedTarget,
  tenantName,
  wantsClientInfo,
} from "./grant.ts";

/** Polls within this much of the interval count as on time (timers are not exact). */
const POLL_TOLERANCE_MS = 1000;

export function handleDeviceAuthorization(
  ic: IdentityContext,
  ctx: RequestContext,
  tenant: TenantRef,
  version: 1 | 2,
): void {
  const form = formBody(ctx);
  const clientId = form.get("client_id");
  if (!clientId) throw new AadstsError(900144, { parameter: "client_id" });
  const app = ic.directory.app(clientId);
  if (!app) throw new AadstsError(700016, { clientId, tenant: tenant.segment });
  const display = tenantName(tenant);
  const request =
    version === 2
      ? resolveV2Scopes(ic.directory, splitScopes(form.get("scope")), display)
      : resolveV1Resource(ic.directory, form.get("resource"), display);
  const now = ic.clock.now();
  const lifetime = ic.options.deviceCodeLifetimeSeconds;
  const record = ic.state.issueDeviceCode(
    {
      clientId: app.clientId,
      tenantSegment: tenant.kind === "tenant" ? tenant.tenant.id : tenant.segment,
      scopes: request.raw,
      resource: form.get("resource") ?? undefined,
      version,
      interval: ic.options.deviceCodeIntervalSeconds,
      expiresAt: now + lifetime * 1000,
      status: "pending",
    },
    now,
  );
  const verificationUri = `${requestBase(ic, ctx)}/devicelogin`;
  const message = `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${record.userCode} to authenticate.`;
  if (version === 2) {
    sendJson(ctx.res, 200, {
      user_code: record.userCode,
      device_code: record.deviceCode,
      verification_uri: verificationUri,
      expires_in: lifetime,
      interval: record.interval,
      message,
    });
  } else {
    // The v1 endpoint names it verification_url and sends numbers as strings.
    sendJson(ctx.res, 200, {
      user_code: record.userCode,
      device_code: record.deviceCode,
      verification_url: verificationUri,
      expires_in: String(lifetime),
      interval: String(record.interval),
      message,
    });
  }
}

export const deviceCodeGrant: GrantHandler = async (g) => {
  const { ic } = g;
  const deviceCode = g.form.get("device_code") ?? g.form.get("code");
  if (!deviceCode) throw new AadstsError(900144, { parameter: "device_code" });
  const { app } = authenticate(g, false);
  const record = ic.state.deviceCodes.get(deviceCode);
  if (!record || record.clientId.toLowerCase() !== app.clientId.toLowerCase()) throw new AadstsError(70018);
  const now = ic.clock.now();
  if (record.status === "redeemed") throw new AadstsError(70008);
  if (record.expiresAt <= now) throw new AadstsError(70019);
  if (record.status === "declined") throw new AadstsError(70000);
  if (record.status === "pending") {
    const tooSoon =
      record.lastPollAt !== undefined && now - record.lastPollAt < record.interval * 1000 - POLL_TOLERANCE_MS;
    record.lastPollAt = now;
    if (tooSoon) throw new AadstsError(50196, { interval: record.interval });
    throw new AadstsError(70016);
  }
  const user = ic.directory.user(record.tenantId!, record.userId!);
  if (!user) throw new AadstsError(70008);
  checkNotRevoked(ic, user, app.clientId, record.authTime!);
  if (g.tenant.kind === "tenant" && g.tenant.tenant.id !== record.tenantId) throw new AadstsError(700005);
  const request = requestedTarget(g, tenantName(g.tenant), record.scopes);
  const { granted, missing } = grantDelegated(ic.directory, request, record.tenantId!, app.clientId, user.id);
  if (missing.length > 0) throw new AadstsError(65001, { clientId: app.clientId, appName: app.displayName });
  record.status = "redeemed";
  return userTokenResponse(ic, {
    tenantId: record.tenantId!,
    clientId: app.clientId,
    user,
    request,
    granted,
    version: g.version,
    authTime: record.authTime!,
    refreshToken: g.version === 1 || request.oidc.has("offline_access"),
    clientInfo: wantsClientInfo(g),
    resource: g.form.get("resource") ?? record.resource,
    rememberScopes: request.raw,
  });
};
