/**
 * `/{tenant}/adminconsent` and `/{tenant}/v2.0/adminconsent`: an administrator signs in and grants the
 * app's configured application permissions (and delegated scopes, tenant-wide) in the tenant; the client
 * gets `admin_consent=True&tenant=...&state=...` on its redirect URI.
 */
import type { RequestContext } from "../contracts.ts";
import { formBody, sendHtml } from "../http-util.ts";
import { isAdmin } from "./authorize.ts";
import type { IdentityContext } from "./context.ts";
import { AadstsError } from "./errors.ts";
import { consentPage, errorPage, messagePage, signInPage } from "./pages.ts";
import { errorFields, redirectUriRegistered, respond } from "./redirect.ts";
import { splitScopes } from "./scopes.ts";
import { signInFromForm } from "./sign-in-form.ts";
import { INTERACTION_LIFETIME_MS } from "./state.ts";
import { resolveTenant, type TenantRef } from "./tenant.ts";

export async function handleAdminConsent(
  ic: IdentityContext,
  ctx: RequestContext,
  tenantSegment: string,
  version: 1 | 2,
): Promise<void> {
  const form = ctx.req.method === "POST" ? formBody(ctx) : undefined;
  if (form?.has("interaction")) return continueAdminConsent(ic, ctx, form);
  const params = ctx.url.searchParams;
  try {
    resolveTenant(ic.directory, tenantSegment);
    const clientId = params.get("client_id");
    if (!clientId) throw new AadstsError(900144, { parameter: "client_id" });
    const app = ic.directory.app(clientId);
    if (!app) throw new AadstsError(700016, { clientId, tenant: tenantSegment });
    const redirectUri = params.get("redirect_uri") ?? app.redirectUris[0];
    if (!redirectUri) throw new AadstsError(900144, { parameter: "redirect_uri" });
    if (!redirectUriRegistered(app.redirectUris, redirectUri))
      throw new AadstsError(50011, { redirectUri, clientId });
    const now = ic.clock.now();
    const id = ic.state.startInteraction(
      {
        kind: "adminconsent",
        params: { ...Object.fromEntries(params), redirect_uri: redirectUri, version: String(version) },
        tenantSegment,
        expiresAt: now + INTERACTION_LIFETIME_MS,
      },
      now,
    );
    sendHtml(
      ctx.res,
      200,
      signInPage({
        action: ctx.url.pathname,
        interaction: id,
        heading: "Sign in",
        context: `An administrator must sign in to grant permissions to ${app.displayName}.`,
      }),
    );
  } catch (error) {
    if (!(error instanceof AadstsError)) throw error;
    sendHtml(ctx.res, 400, errorPage(`${error.message} Trace ID: ${ctx.requestId}`));
  }
}

async function continueAdminConsent(
  ic: IdentityContext,
  ctx: RequestContext,
  form: URLSearchParams,
): Promise<void> {
  const id = form.get("interaction")!;
  const interaction = ic.state.interactions.get(id);
  const now = ic.clock.now();
  if (interaction?.kind !== "adminconsent" || interaction.expiresAt <= now) {
    return sendHtml(
      ctx.res,
      400,
      messagePage("Sign-in expired", "This page has expired. Start the admin consent again."),
    );
  }
  const params = new URLSearchParams(interaction.params);
  const app = ic.directory.app(params.get("client_id")!)!;
  const redirectUri = params.get("redirect_uri")!;
  const state = params.get("state");
  const tenant: TenantRef = resolveTenant(ic.directory, interaction.tenantSegment);
  const action = form.get("action");

  if (action === "signin") {
    const user = signInFromForm(ic, ctx, tenant, form, {
      action: ctx.url.pathname,
      interaction: id,
      context: `An administrator must sign in to grant permissions to ${app.displayName}.`,
    });
    if (!user) return;
    if (!isAdmin(user)) {
      ic.state.interactions.delete(id);
      return respond(
        ctx.res,
        redirectUri,
        "query",
        errorFields(new AadstsError(90094), now, state, { admin_consent: "False" }),
      );
    }
    Object.assign(interaction, { userId: user.id, tenantId: user.tenantId, authTime: now });
    const permissions = [
      ...selected(ic, app.applicationPermissions, params).map(
        (p) => `${resourceName(ic, p.resource)}: ${p.value} (application)`,
      ),
      ...selected(ic, app.delegatedScopes, params).map(
        (p) => `${resourceName(ic, p.resource)}: ${p.value} (delegated)`,
      ),
    ];
    return sendHtml(
      ctx.res,
      200,
      consentPage({
        action: ctx.url.pathname,
        interaction: id,
        heading: "Permissions requested · Accept for your organization",
        appName: app.displayName,
        permissions,
        offerOrganization: false,
      }),
    );
  }
  if (!interaction.userId)
    return sendHtml(
      ctx.res,
      400,
      messagePage("Sign in first", "Sign in before answering the consent request."),
    );
  ic.state.interactions.delete(id);
  if (action === "cancel") {
    return respond(
      ctx.res,
      redirectUri,
      "query",
      errorFields(new AadstsError(65004), now, state, { admin_consent: "False", error_subcode: "cancel" }),
    );
  }
  const tenantId = interaction.tenantId!;
  const byResource = new Map<string, { roles: string[]; scopes: string[] }>();
  for (const p of selected(ic, app.applicationPermissions, params))
    entry(byResource, p.resource).roles.push(p.value);
  for (const p of selected(ic, app.delegatedScopes, params))
    entry(byResource, p.resource).scopes.push(p.value);
  for (const [resourceAppId, grant] of byResource) {
    ic.directory.grantConsent({
      tenantId,
      clientId: app.clientId,
      resourceAppId,
      applicationPermissions: grant.roles,
      delegated: grant.scopes.length > 0 ? [{ principal: "admin", scopes: grant.scopes }] : [],
    });
  }
  const fields: Record<string, string> = { admin_consent: "True", tenant: tenantId };
  if (params.get("version") === "2") {
    fields.scope = [...byResource.keys()]
      .map(
        (appId) =>
          `${ic.directory.resolveResource(appId)?.api.identifierUris[0]?.replace(/\/$/, "") ?? appId}/.default`,
      )
      .join(" ");
  }
  if (state !== null) fields.state = state;
  respond(ctx.res, redirectUri, "query", fields);
}

/** The app's configured permissions, narrowed to the resources named by a v2 `scope` (`.../.default`). */
function selected(
  ic: IdentityContext,
  permissions: Array<{ resource: string; value: string }>,
  params: URLSearchParams,
) {
  const scopes = splitScopes(params.get("scope"));
  if (scopes.length === 0) return permissions;
  const appIds = new Set(
    scopes
      .map((s) => ic.directory.resolveScope(s)?.resource.api.appId.toLowerCase())
      .filter((a) => a !== undefined),
  );
  return permissions.filter((p) => appIds.has(p.resource.toLowerCase()));
}

function resourceName(ic: IdentityContext, appId: string): string {
  return ic.directory.resourceApi(appId)?.displayName ?? appId;
}

function entry(map: Map<string, { roles: string[]; scopes: string[] }>, key: string) {
  let value = map.get(key);
  if (!value) {
    value = { roles: [], scopes: [] };
    map.set(key, value);
  }
  return value;
}
