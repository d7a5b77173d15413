/**
 * The Entra ID identity platform module: discovery, keys, token endpoints (v2 and v1) with every grant,
 * device authorization, and the HTML sign-in, consent, device login and admin consent pages. Routing is a
 * table of (method, path pattern) → handler; each flow lives in its own file.
 */
import type { EmulatorCore, EmulatorModule, EmulatorModuleFactory, RequestContext } from "../contracts.ts";
import { sendJson } from "../http-util.ts";
import { AadstsError, errorBody } from "./errors.ts";
import { instanceDiscovery, openIdConfigurationV1, openIdConfigurationV2 } from "./metadata.ts";
import { resolveTenant } from "./tenant.ts";

type Handler = (ctx: RequestContext, params: string[]) => Promise<void> | void;
interface Route {
  methods: string[];
  pattern: RegExp;
  handler: Handler;
}

const T = "([^/]+)";

export const identityModule: EmulatorModuleFactory = (core) => new IdentityModule(core);

export class IdentityModule implements EmulatorModule {
  readonly name = "identity";
  readonly #core: EmulatorCore;
  readonly #routes: Route[];

  constructor(core: EmulatorCore) {
    this.#core = core;
    const base = () => core.baseUrl();
    const tokens = core.tokens as EmulatorCore["tokens"] & { jwks(): unknown };
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
    sendJson(
      ctx.res,
      error.entry.status,
      errorBody(error, this.#core.clock.now(), correlation, ctx.requestId),
    );
  }
}

function route(methods: string[], pattern: string, handler: Handler): Route {
  return { methods, pattern: new RegExp(pattern, "i"), handler };
}
