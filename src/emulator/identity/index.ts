/**
 * The Entra ID identity platform module: discovery, keys, token endpoints (v2 and v1) with every grant,
 * device authorization, and the HTML sign-in, consent, device login and admin consent pages. Routing is a
 * table of (method, path pattern) → handler; each flow lives in its own file.
 */
import type { DeviceCodeInfo, DeviceCodeSource } from "../admin.ts";
import type { EmulatorModule, EmulatorModuleFactory, RequestContext } from "../contracts.ts";
import { redirect, sendHtml, sendJson } from "../http-util.ts";
import { handleAdminConsent } from "./admin-consent.ts";
import { handleAuthorize } from "./authorize.ts";
import { type IdentityContext, identityContext } from "./context.ts";
import { handleDeviceLogin } from "./device-login.ts";
import { AadstsError, errorBody } from "./errors.ts";
import { handleDeviceAuthorization } from "./grants/device-code.ts";
import { instanceDiscovery, openIdConfigurationV1, openIdConfigurationV2 } from "./metadata.ts";
import { messagePage } from "./pages.ts";
import { IdentityState } from "./state.ts";
import { resolveTenant } from "./tenant.ts";
import { handleToken } from "./token-endpoint.ts";
import { handleUserInfo } from "./userinfo.ts";

type Handler = (ctx: RequestContext, params: string[]) => Promise<void> | void;
interface Route {
  methods: string[];
  pattern: RegExp;
  handler: Handler;
}

const T = "([^/]+)";

export const identityModule: EmulatorModuleFactory = (core, config) =>
  new IdentityModule(identityContext(core, new IdentityState(), config));

export class IdentityModule implements EmulatorModule, DeviceCodeSource {
  readonly name = "identity";
  readonly #ic: IdentityContext;
  readonly #routes: Route[];

  constructor(ic: IdentityContext) {
    this.#ic = ic;
    const core = ic.core;
    const base = () => core.baseUrl();
    const tokens = ic.tokens;
    const tenantOf = (segment: string) => resolveTenant(core.directory, segment);
    this.#routes = [
      route(["GET"], `^/${T}/v2\\.0/\\.well-known/openid-configuration$`, (ctx, [tenant]) =>
        sendJson(ctx.res, 200, openIdConfigurationV2(base(), resolveTenant(core.directory, tenant!))),
      ),
      route(["GET"], `^/${T}/\\.well-known/openid-configuration$`, (ctx, [tenant]) =>
        sendJson(ctx.res, 200, openIdConfigurationV1(base(), resolveTenant(core.directory, tenant!))),
      ),
      route(["GET"], `^/${T}/discovery(?:/v2\\.0)?/keys$`, (ctx, [tenant]) => {
        if (tenant !== "common") resolveTenant(core.directory, tenant!);
        sendJson(ctx.res, 200, tokens.jwks(), { "cache-control": "max-age=86400, private" });
      }),
      route(["GET"], `^/${T}/discovery/instance$`, (ctx) =>
        sendJson(ctx.res, 200, instanceDiscovery(base(), ctx.url.searchParams.get("authorization_endpoint"))),
      ),
      route(["POST"], `^/${T}/oauth2/v2\\.0/token$`, (ctx, [tenant]) =>
        handleToken(ic, ctx, tenantOf(tenant!), 2),
      ),
      route(["POST"], `^/${T}/oauth2/token$`, (ctx, [tenant]) => handleToken(ic, ctx, tenantOf(tenant!), 1)),
      route(["POST"], `^/${T}/oauth2/v2\\.0/devicecode$`, (ctx, [tenant]) =>
        handleDeviceAuthorization(ic, ctx, tenantOf(tenant!), 2),
      ),
      route(["POST"], `^/${T}/oauth2/devicecode$`, (ctx, [tenant]) =>
        handleDeviceAuthorization(ic, ctx, tenantOf(tenant!), 1),
      ),
      route(["GET", "POST"], `^/${T}/oauth2/v2\\.0/authorize$`, (ctx, [tenant]) =>
        handleAuthorize(ic, ctx, tenant!, 2),
      ),
      route(["GET", "POST"], `^/${T}/oauth2/authorize$`, (ctx, [tenant]) =>
        handleAuthorize(ic, ctx, tenant!, 1),
      ),
      route(["GET", "POST"], "^/devicelogin$", (ctx) => handleDeviceLogin(ic, ctx)),
      route(["GET", "POST"], `^/${T}/v2\\.0/adminconsent$`, (ctx, [tenant]) =>
        handleAdminConsent(ic, ctx, tenant!, 2),
      ),
      route(["GET", "POST"], `^/${T}/adminconsent$`, (ctx, [tenant]) =>
        handleAdminConsent(ic, ctx, tenant!, 1),
      ),
      route(["GET", "POST"], "^/oidc/userinfo$", (ctx) => handleUserInfo(ic, ctx)),
      route(["GET", "POST"], `^/${T}/oauth2(?:/v2\\.0)?/logout$`, (ctx) => {
        // No browser session exists to end; honour the post-logout redirect like Entra does.
        const next = ctx.url.searchParams.get("post_logout_redirect_uri");
        if (next) redirect(ctx.res, next);
        else
          sendHtml(
            ctx.res,
            200,
            messagePage("Signed out", "You signed out of your account. Close this window."),
          );
      }),
    ];
  }

  async handle(ctx: RequestContext): Promise<boolean> {
    const method = ctx.req.method ?? "GET";
    for (const r of this.#routes) {
      const match = r.pattern.exec(ctx.url.pathname);
      if (!match) continue;
      if (!r.methods.includes(method)) {
        sendJson(
          ctx.res,
          405,
          {
            error: "invalid_request",
            error_description: `${method} is not supported on ${ctx.url.pathname}.`,
          },
          { allow: r.methods.join(", ") },
        );
        return true;
      }
      try {
        await r.handler(
          ctx,
          match.slice(1).map((p) => decodeURIComponent(p)),
        );
      } catch (error) {
        if (!(error instanceof AadstsError)) throw error;
        this.sendError(ctx, error);
      }
      return true;
    }
    return false;
  }

  /** Entra's JSON error body; the correlation id echoes the client's `client-request-id`. */
  sendError(ctx: RequestContext, error: AadstsError): void {
    const correlation =
      (ctx.req.headers["client-request-id"] as string | undefined) ??
      ctx.url.searchParams.get("client-request-id") ??
      undefined;
    sendJson(ctx.res, error.entry.status, errorBody(error, this.#ic.clock.now(), correlation, ctx.requestId));
  }

  lastDeviceCode(): DeviceCodeInfo | undefined {
    const record = this.#ic.state.lastDeviceCode();
    if (!record) return undefined;
    return {
      userCode: record.userCode,
      clientId: record.clientId,
      tenantId: record.tenantId ?? record.tenantSegment,
      scopes: record.scopes,
      expiresAt: record.expiresAt,
      status: record.status,
    };
  }
}

function route(methods: string[], pattern: string, handler: Handler): Route {
  return { methods, pattern: new RegExp(pattern, "i"), handler };
}
