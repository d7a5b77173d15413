/**
 * `/devicelogin`: where a person types the device code's user code, signs in, and approves (with consent
 * when needed) or declines the device's request. Approving or declining is what the polling client sees.
 */
import type { RequestContext } from "../contracts.ts";
import { formBody, sendHtml } from "../http-util.ts";
import { isAdmin } from "./authorize.ts";
import type { IdentityContext } from "./context.ts";
import { AadstsError } from "./errors.ts";
import { codeEntryPage, consentPage, messagePage, signInPage } from "./pages.ts";
import {
  grantDelegated,
  permissionsToConsent,
  resolveV1Resource,
  resolveV2Scopes,
  type ScopeRequest,
} from "./scopes.ts";
import { signInFromForm } from "./sign-in-form.ts";
import { INTERACTION_LIFETIME_MS } from "./state.ts";
import { resolveTenant } from "./tenant.ts";

export async function handleDeviceLogin(ic: IdentityContext, ctx: RequestContext): Promise<void> {
  const action = ctx.url.pathname;
  if (ctx.req.method !== "POST") return sendHtml(ctx.res, 200, codeEntryPage({ action }));
  const form = formBody(ctx);
  const now = ic.clock.now();
  const interactionId = form.get("interaction");
  if (!interactionId) {
    const record = ic.state.deviceCodeByUserCode(form.get("otc") ?? "");
    let error: string | undefined;
    if (!record) error = new AadstsError(70018).message;
    else if (record.expiresAt <= now) error = new AadstsError(70019).message;
    else if (record.status !== "pending")
      error = "That code was already used. Request a new code from your device.";
    if (error || !record) return sendHtml(ctx.res, 200, codeEntryPage({ action, error }));
    const app = ic.directory.app(record.clientId)!;
    const id = ic.state.startInteraction(
      {
        kind: "device",
        params: {},
        tenantSegment: record.tenantSegment,
        deviceCode: record.deviceCode,
        expiresAt: Math.min(record.expiresAt, now + INTERACTION_LIFETIME_MS),
      },
      now,
    );
    return sendHtml(
      ctx.res,
      200,
      signInPage({
        action,
        interaction: id,
        heading: "Sign in",
        context: `to continue to ${app.displayName} on your device`,
      }),
    );
  }

  const interaction = ic.state.interactions.get(interactionId);
  const record = interaction?.deviceCode ? ic.state.deviceCodes.get(interaction.deviceCode) : undefined;
  if (interaction?.kind !== "device" || !record || record.expiresAt <= now || record.status !== "pending") {
    return sendHtml(
      ctx.res,
      400,
      messagePage(
        "Code expired",
        "This code has expired or was already used. Request a new code from your device.",
      ),
    );
  }
  const app = ic.directory.app(record.clientId)!;
  const tenant = resolveTenant(ic.directory, record.tenantSegment);

  switch (form.get("action")) {
    case "signin": {
      const user = signInFromForm(ic, ctx, tenant, form, {
        action,
        interaction: interactionId,
        context: `to continue to ${app.displayName} on your device`,
      });
      if (!user) return;
      Object.assign(interaction, { userId: user.id, tenantId: user.tenantId, authTime: now });
      const request = targetOf(ic, record.version, record.scopes, record.resource, user.tenantId);
      const missing = grantDelegated(ic.directory, request, user.tenantId, app.clientId, user.id).missing;
      return sendHtml(
        ctx.res,
        200,
        consentPage({
          action,
          interaction: interactionId,
          heading: `Are you trying to sign in to ${app.displayName}?`,
          appName: app.displayName,
          permissions: missing.length > 0 ? permissionsToConsent(request, app) : [],
          offerOrganization: missing.length > 0 && isAdmin(user),
          acceptLabel: "Continue",
        }),
      );
    }
    case "accept": {
      if (!interaction.userId) break;
      const user = ic.directory.user(interaction.tenantId!, interaction.userId)!;
      const request = targetOf(ic, record.version, record.scopes, record.resource, user.tenantId);
      if (grantDelegated(ic.directory, request, user.tenantId, app.clientId, user.id).missing.length > 0) {
        const organization = form.get("consent_org") === "1" && isAdmin(user);
        ic.directory.grantConsent({
          tenantId: user.tenantId,
          clientId: app.clientId,
          resourceAppId: request.resource.api.appId,
          applicationPermissions: [],
          delegated: [
            {
              principal: organization ? "admin" : { userId: user.id },
              scopes: permissionsToConsent(request, app),
            },
          ],
        });
      }
      Object.assign(record, {
        status: "approved",
        userId: user.id,
        tenantId: user.tenantId,
        authTime: interaction.authTime,
      });
      ic.state.interactions.delete(interactionId);
      return sendHtml(
        ctx.res,
        200,
        messagePage(
          app.displayName,
          `You have signed in to the ${app.displayName} application on your device. You may now close this window.`,
        ),
      );
    }
    case "cancel": {
      if (!interaction.userId) break;
      record.status = "declined";
      ic.state.interactions.delete(interactionId);
      return sendHtml(
        ctx.res,
        200,
        messagePage(
          app.displayName,
          `You declined to sign in to ${app.displayName} on your device. You may now close this window.`,
        ),
      );
    }
  }
  return sendHtml(ctx.res, 400, messagePage("Sign in first", "Sign in before approving the request."));
}

function targetOf(
  ic: IdentityContext,
  version: 1 | 2,
  scopes: string[],
  resource: string | undefined,
  tenantId: string,
): ScopeRequest {
  return version === 2
    ? resolveV2Scopes(ic.directory, scopes, tenantId)
    : resolveV1Resource(ic.directory, resource ?? null, tenantId);
}
