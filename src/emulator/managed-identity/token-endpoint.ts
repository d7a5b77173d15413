/**
 * One managed identity token request, in the order Azure checks it: method, proof of running on the
 * host, API version, resource, identity selector, identity, resource principal; then a real token from
 * the core's token service. Every refusal is answered in the source's own error shape.
 */
import { randomUUID } from "node:crypto";
import type { EmulatorCore, RequestContext, ResourceApiRecord } from "../contracts.ts";
import { sendJson } from "../http-util.ts";
import { AadstsError, errorBody as entraErrorBody } from "../identity/errors.ts";
import type { ArcKeyFiles } from "./arc-keys.ts";
import { resolveIdentity, type Selector } from "./hosts.ts";
import { errorBody, tokenBody } from "./responses.ts";
import type { RoutedPath, SourceSpec } from "./sources.ts";

export interface TokenEndpointState {
  core: EmulatorCore;
  currentVm(): string;
  identityHeader: string;
  arcKeys: ArcKeyFiles;
  tokenLifetimeSeconds: number;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

function refuse(
  source: SourceSpec,
  status: number,
  error: string,
  description: string,
  correlationId: string,
  headers?: Record<string, string>,
): Reply {
  const reply: Reply = { status, body: errorBody(source, { status, error, description, correlationId }) };
  if (headers) reply.headers = headers;
  return reply;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(ctx: RequestContext, reply: Reply): void {
  sendJson(ctx.res, reply.status, reply.body, reply.headers);
}

export async function serveTokenRequest(
  state: TokenEndpointState,
  ctx: RequestContext,
  route: RoutedPath,
): Promise<void> {
  send(ctx, await decide(state, ctx, route));
}

async function decide(state: TokenEndpointState, ctx: RequestContext, route: RoutedPath): Promise<Reply> {
  const { source } = route;
  const correlationId =
    header(ctx, "client-request-id") ?? header(ctx, "x-ms-client-request-id") ?? randomUUID();
  const bad = (description: string, error = "invalid_request") =>
    refuse(source, 400, error, description, correlationId);

  if (ctx.req.method !== source.method) {
    return refuse(
      source,
      405,
      "invalid_request",
      `Only ${source.method} requests are supported`,
      correlationId,
      {
        Allow: source.method,
      },
    );
  }
  // IMDS refuses anything that went through a proxy: tokens must never leave the host.
  if (source.name === "imds" && header(ctx, "x-forwarded-for") !== undefined) {
    return bad("Requests containing an X-Forwarded-For header are not accepted");
  }

  const proofFailure = checkProof(state, ctx, source, correlationId);
  if (proofFailure) return proofFailure;

  const params =
    source.resourceIn === "form" ? new URLSearchParams(ctx.body.toString("utf8")) : ctx.url.searchParams;
  if (source.apiVersions.length > 0) {
    const apiVersion = ctx.url.searchParams.get("api-version");
    if (!apiVersion) return bad("Required query variable 'api-version' is missing");
    if (!source.apiVersions.includes(apiVersion)) {
      return bad(`Invalid api-version '${apiVersion}'. Supported versions: ${source.apiVersions.join(", ")}`);
    }
  }
  const resource = params.get("resource");
  if (!resource) return bad("Required query variable 'resource' is missing");

  const named = Object.entries(source.selectors).filter(([param]) => params.get(param));
  if (named.length > 1) {
    return bad(
      `Only one of ${Object.keys(source.selectors).join(", ")} may be specified; got ${named.map(([p]) => p).join(", ")}`,
    );
  }
  const selector: Selector | undefined = named[0] && { kind: named[0][1], value: params.get(named[0][0])! };

  const vm = route.vm ?? state.currentVm();
  const identity = resolveIdentity(state.core.directory.managedIdentities(), vm, selector);
  if (!identity) {
    return source.errorShape === "app-service"
      ? bad("Unable to load the proper Managed Identity.")
      : bad("Identity not found");
  }

  const api = state.core.directory.resourceApi(resource);
  const now = state.core.clock.now();
  if (!api) {
    // Entra behind the endpoint refuses the resource: its own error body, AADSTS500011.
    const refusal = new AadstsError(500011, { resource, tenant: identity.tenantId });
    const entra = entraErrorBody(refusal, now, correlationId);
    return {
      status: 400,
      body:
        source.errorShape === "app-service"
          ? errorBody(source, {
              status: 400,
              error: entra.error,
              description: entra.error_description,
              correlationId,
            })
          : { ...entra },
    };
  }

  const issued = await state.core.tokens.issueAccessToken({
    tenantId: identity.tenantId,
    resource: api,
    clientId: identity.clientId,
    subject: { kind: "managed_identity", identity },
    roles: identity.roles?.[api.appId] ?? [],
    version: 1,
    lifetimeSeconds: state.tokenLifetimeSeconds,
    audience: audienceFor(api, resource),
  });
  return { status: 200, body: tokenBody(source, { issued, identity, resource, now }) };
}

/**
 * `aud` is the identifier the caller asked for as the API registers it (a national-cloud host stays
 * itself, the canonical one is not substituted); the appId when asked by appId.
 */
export function audienceFor(api: ResourceApiRecord, requested: string): string {
  const key = requested.replace(/\/+$/, "").toLowerCase();
  if (api.appId.toLowerCase() === key) return api.appId;
  return api.identifierUris.find((uri) => uri.replace(/\/+$/, "").toLowerCase() === key) ?? requested;
}

function checkProof(
  state: TokenEndpointState,
  ctx: RequestContext,
  source: SourceSpec,
  correlationId: string,
): Reply | undefined {
  if (source.proof === "identity-header") {
    const offered = header(ctx, "x-identity-header");
    if (offered === undefined) {
      return refuse(source, 400, "invalid_request", "Missing X-IDENTITY-HEADER header.", correlationId);
    }
    if (offered !== state.identityHeader) {
      return refuse(
        source,
        401,
        "unauthorized_client",
        "The X-IDENTITY-HEADER value is not valid.",
        correlationId,
      );
    }
    return undefined;
  }
  if (header(ctx, "metadata")?.toLowerCase() !== "true") {
    return refuse(source, 400, "invalid_request", "Required metadata header not specified", correlationId);
  }
  if (source.proof === "arc-key-file") {
    const authorization = header(ctx, "authorization");
    if (authorization === undefined) {
      const realm = state.arcKeys.issue();
      return refuse(
        source,
        401,
        "unauthorized_client",
        "Answer the challenge with the content of the key file named in WWW-Authenticate.",
        correlationId,
        { "WWW-Authenticate": `Basic realm=${realm}` },
      );
    }
    if (!state.arcKeys.redeem(authorization)) {
      return refuse(
        source,
        401,
        "unauthorized_client",
        "The key file content is not valid or has expired; request a new challenge.",
        correlationId,
      );
    }
  }
  return undefined;
}
