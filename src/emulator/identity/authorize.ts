/**
 * `/{tenant}/oauth2/v2.0/authorize` (and v1 `/oauth2/authorize`): the authorization code flow's sign-in and
 * consent pages. Problems that make the redirect URI untrustworthy (unknown tenant or app, unregistered
 * redirect URI) are shown as an error page; everything after that goes back to the redirect URI as Entra
 * does, with `state` echoed.
 */
import { randomUUID } from "node:crypto";
import type { RequestContext, UserRecord } from "../contracts.ts";
import { formBody, sendHtml } from "../http-util.ts";
import type { IdentityContext } from "./context.ts";
import { AadstsError } from "./errors.ts";
import { consentPage, errorPage, messagePage, signInPage } from "./pages.ts";
import { errorFields, type ResponseMode, redirectUriRegistered, respond } from "./redirect.ts";
import {
  appAvailableIn,
  grantDelegated,
  permissionsToConsent,
  resolveV1Resource,
  resolveV2Scopes,
  type ScopeRequest,
  splitScopes,
} from "./scopes.ts";
import { signInFromForm } from "./sign-in-form.ts";
import { AUTH_CODE_LIFETIME_MS, INTERACTION_LIFETIME_MS, type InteractionRecord } from "./state.ts";
import { resolveTenant, type TenantRef } from "./tenant.ts";

const ADMIN_ROLES = new Set([
  "Global Administrator",
  "Privileged Role Administrator",
  "Cloud Application Administrator",
  "Application Administrator",
]);

export function isAdmin(user: UserRecord): boolean {
  return user.directoryRoles.some((role) => ADMIN_ROLES.has(role));
}

export async function handleAuthorize(
  ic: IdentityContext,
  ctx: RequestContext,
  tenantSegment: string,
  version: 1 | 2,
): Promise<void> {
  if (ctx.req.method === "POST") {
    const form = formBody(ctx);
    if (form.has("interaction")) return continueInteraction(ic, ctx, form, version);
    // A POSTed authorization request (allowed by OIDC): same as GET with the form as parameters.
    return startAuthorize(ic, ctx, tenantSegment, form, version);
  }
  return startAuthorize(ic, ctx, tenantSegment, ctx.url.searchParams, version);
}

function showError(ic: IdentityContext, ctx: RequestContext, error: AadstsError): void {
  sendHtml(
    ctx.res,
    400,
    errorPage(
      `${error.message} Trace ID: ${ctx.requestId} Timestamp: ${new Date(ic.clock.now()).toISOString()}`,
    ),
  );
}

function startAuthorize(
  ic: IdentityContext,
  ctx: RequestContext,
  tenantSegment: string,
  params: URLSearchParams,
  version: 1 | 2,
): void {
  let tenant: TenantRef;
  try {
    tenant = resolveTenant(ic.directory, tenantSegment);
    const clientId = params.get("client_id");
    if (!clientId) throw new AadstsError(900144, { parameter: "client_id" });
    const app = ic.directory.app(clientId);
    if (!app) throw new AadstsError(700016, { clientId, tenant: tenantSegment });
    const redirectUri = params.get("redirect_uri");
    if (!redirectUri) throw new AadstsError(900144, { parameter: "redirect_uri" });
    if (!redirectUriRegistered(app.redirectUris, redirectUri))
      throw new AadstsError(50011, { redirectUri, clientId });
  } catch (error) {
    if (!(error instanceof AadstsError)) throw error;
    showError(ic, ctx, error);
    return;
  }
  const redirectUri = params.get("redirect_uri")!;
  const state = params.get("state");
  const mode = responseMode(params);
  const app = ic.directory.app(params.get("client_id")!)!;
  try {
    if (params.get("response_type") !== "code") {
      throw new AadstsError(9002313, {}, "unsupported_response_type");
    }
    if (tenant.kind === "multi" && !app.multiTenant)
      throw new AadstsError(50194, { clientId: app.clientId, appName: app.displayName });
    targetOf(ic, params, version, tenant);
    const method = params.get("code_challenge_method");
    if (params.get("code_challenge") && method && method !== "S256" && method !== "plain") {
      throw new AadstsError(9002313);
    }
    if (params.get("prompt") === "none") throw new AadstsError(50058);
  } catch (error) {
    if (!(error instanceof AadstsError)) throw error;
    respond(ctx.res, redirectUri, mode, errorFields(error, ic.clock.now(), state));
    return;
  }
  const now = ic.clock.now();
  const interaction: InteractionRecord = {
    kind: "authorize",
    params: Object.fromEntries(params),
    tenantSegment,
    expiresAt: now + INTERACTION_LIFETIME_MS,
  };
  const id = ic.state.startInteraction(interaction, now);
  sendHtml(
    ctx.res,
    200,
    signInPage({
      action: ctx.url.pathname,
      interaction: id,
      heading: "Sign in",
      context: `to continue to ${app.displayName}`,
      loginHint: params.get("login_hint") ?? undefined,
    }),
  );
}

function responseMode(params: URLSearchParams): ResponseMode {
  const mode = params.get("response_mode");
  return mode === "form_post" || mode === "fragment" ? mode : "query";
}

function targetOf(
  ic: IdentityContext,
  params: URLSearchParams,
  version: 1 | 2,
  tenant: TenantRef,
): ScopeRequest | undefined {
  const name = tenant.kind === "tenant" ? tenant.tenant.domain : tenant.segment;
  if (version === 2) return resolveV2Scopes(ic.directory, splitScopes(params.get("scope")), name);
  const resource = params.get("resource");
  return resource ? resolveV1Resource(ic.directory, resource, name) : undefined;
}

async function continueInteraction(
  ic: IdentityContext,
  ctx: RequestContext,
  form: URLSearchParams,
  version: 1 | 2,
): Promise<void> {
  const id = form.get("interaction")!;
  const interaction = ic.state.interactions.get(id);
  const now = ic.clock.now();
  if (interaction?.kind !== "authorize" || interaction.expiresAt <= now) {
    return sendHtml(
      ctx.res,
      400,
      messagePage(
        "Sign-in expired",
        "This sign-in page has expired. Start the sign-in again from your application.",
      ),
    );
  }
  const params = new URLSearchParams(interaction.params);
  const app = ic.directory.app(params.get("client_id")!)!;
  const redirectUri = params.get("redirect_uri")!;
  const mode = responseMode(params);
  const state = params.get("state");
  const tenant = resolveTenant(ic.directory, interaction.tenantSegment);
  const action = form.get("action");

  if (action === "signin") {
    const user = signInFromForm(ic, ctx, tenant, form, {
      action: ctx.url.pathname,
      interaction: id,
      context: `to continue to ${app.displayName}`,
      keepLogin: true,
    });
    if (!user) return;
    Object.assign(interaction, { userId: user.id, tenantId: user.tenantId, authTime: now });
    if (tenant.kind === "multi" || tenant.tenant.id === user.tenantId) {
      const request = targetOf(ic, params, version, resolveTenant(ic.directory, user.tenantId));
      const needsConsent =
        params.get("prompt") === "consent" ||
        !appAvailableIn(ic.directory, app, user.tenantId) ||
        (request !== undefined &&
          grantDelegated(ic.directory, request, user.tenantId, app.clientId, user.id).missing.length > 0);
      if (!needsConsent) return issueCode(ic, ctx, id, interaction, version);
      return sendHtml(
        ctx.res,
        200,
        consentPage({
          action: ctx.url.pathname,
          interaction: id,
          heading: "Permissions requested",
          appName: app.displayName,
          permissions: request ? permissionsToConsent(request, app) : [],
          offerOrganization: isAdmin(user),
        }),
      );
    }
    return respond(
      ctx.res,
      redirectUri,
      mode,
      errorFields(new AadstsError(50034, { tenantId: tenant.tenant.domain }), now, state),
    );
  }

  if (!interaction.userId) {
    return sendHtml(
      ctx.res,
      400,
      messagePage("Sign in first", "Sign in before answering the consent request."),
    );
  }
  if (action === "cancel") {
    ic.state.interactions.delete(id);
    return respond(
      ctx.res,
      redirectUri,
      mode,
      errorFields(new AadstsError(65004), now, state, { error_subcode: "cancel" }),
    );
  }
  if (action === "accept") {
    const user = ic.directory.user(interaction.tenantId!, interaction.userId)!;
    const request = targetOf(ic, params, version, resolveTenant(ic.directory, user.tenantId));
    const scopes = request ? permissionsToConsent(request, app) : [];
    const organization = form.get("consent_org") === "1" && isAdmin(user);
    ic.directory.grantConsent({
      tenantId: user.tenantId,
      clientId: app.clientId,
      resourceAppId:
        request?.resource.api.appId ?? ic.directory.resolveResource("https://graph.microsoft.com")!.api.appId,
      applicationPermissions: [],
      delegated: [{ principal: organization ? "admin" : { userId: user.id }, scopes }],
    });
    return issueCode(ic, ctx, id, interaction, version);
  }
  return sendHtml(
    ctx.res,
    400,
    messagePage("Unknown action", "The form was not understood. Start the sign-in again."),
  );
}

function issueCode(
  ic: IdentityContext,
  ctx: RequestContext,
  id: string,
  interaction: InteractionRecord,
  version: 1 | 2,
): void {
  ic.state.interactions.delete(id);
  const params = new URLSearchParams(interaction.params);
  const now = ic.clock.now();
  const code = ic.state.issueCode(
    {
      clientId: ic.directory.app(params.get("client_id")!)!.clientId,
      tenantId: interaction.tenantId!,
      userId: interaction.userId!,
      redirectUri: params.get("redirect_uri")!,
      scopes: splitScopes(params.get("scope")),
      resource: params.get("resource") ?? undefined,
      codeChallenge: params.get("code_challenge") ?? undefined,
      codeChallengeMethod: params.get("code_challenge")
        ? (params.get("code_challenge_method") ?? "plain")
        : undefined,
      nonce: params.get("nonce") ?? undefined,
      authTime: interaction.authTime!,
      expiresAt: now + AUTH_CODE_LIFETIME_MS,
      redeemed: false,
      version,
    },
    now,
  );
  const fields: Record<string, string> = { code };
  if (params.get("client_info") === "1") {
    fields.client_info = Buffer.from(
      JSON.stringify({ uid: interaction.userId, utid: interaction.tenantId }),
    ).toString("base64url");
  }
  const state = params.get("state");
  if (state !== null) fields.state = state;
  fields.session_state = randomUUID();
  respond(ctx.res, params.get("redirect_uri")!, responseMode(params), fields);
}
