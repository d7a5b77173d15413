/**
 * The managed identity emulator module: Azure IMDS, App Service, Azure Arc and Cloud Shell token
 * endpoints on the emulator's own listener, plus admin routes to pick the current VM and read what a
 * client must be given (App Service's identity header, the environment variables per source).
 *
 * Which VM is calling: a path prefix `/vm/{name}` names it explicitly (point a client there with
 * `AZURE_POD_IDENTITY_AUTHORITY_HOST=<emulator>/vm/{name}`); without it the request comes from the current
 * VM, set by config `currentVm` or `POST /_emulator/managed-identity/current-vm`, defaulting to the first
 * VM with a system-assigned identity in the directory.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { EntrakitError } from "../../errors.ts";
import type { EmulatorCore, EmulatorModule, EmulatorModuleFactory, RequestContext } from "../contracts.ts";
import { jsonBody, sendJson } from "../http-util.ts";
import { ArcKeyFiles } from "./arc-keys.ts";
import { clientEnvironment } from "./environment.ts";
import { defaultVm, knownVms } from "./hosts.ts";
import { routePath, SOURCES, type SourceName } from "./sources.ts";
import { serveTokenRequest, type TokenEndpointState } from "./token-endpoint.ts";

export const MODULE_NAME = "managed-identity";

/** Managed identity tokens live about a day, as Azure's do (the platform caches them that long). */
const DEFAULT_LIFETIME_SECONDS = 86_400;

const configSchema = z
  .object({
    currentVm: z.string().min(1).optional(),
    identityHeader: z.string().min(16).optional(),
    tokenLifetimeSeconds: z
      .number()
      .int()
      .min(60)
      .max(86_400 * 2)
      .optional(),
  })
  .strict();

export type ManagedIdentityConfig = z.infer<typeof configSchema>;

const sourceNames = SOURCES.map((source) => source.name) as [SourceName, ...SourceName[]];
const currentVmBody = z.object({ vm: z.string().min(1) }).strict();

/** Reads the `managedIdentity` section of the emulator config. */
export const managedIdentityModule: EmulatorModuleFactory = (core, emulatorConfig) => {
  const parsed = configSchema.safeParse(emulatorConfig?.managedIdentity ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EntrakitError(
      "configuration",
      `Invalid emulator config: managedIdentity.${issue.path.join(".") || "(section)"}: ${issue.message}.`,
      {
        hint: "Allowed keys: currentVm (string), identityHeader (16+ chars), tokenLifetimeSeconds (60-172800).",
      },
    );
  }
  const config = parsed.data;
  let currentVm: string | undefined = config.currentVm;
  const state: TokenEndpointState = {
    core,
    currentVm: () => currentVm ?? defaultVm(core.directory.managedIdentities(), undefined),
    identityHeader: config.identityHeader ?? randomBytes(24).toString("hex"),
    arcKeys: new ArcKeyFiles(core.clock, core.stateDir),
    tokenLifetimeSeconds: config.tokenLifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS,
  };

  const module: EmulatorModule = {
    name: MODULE_NAME,
    async handle(ctx) {
      const route = routePath(ctx.url.pathname);
      if (!route) return false;
      await serveTokenRequest(state, ctx, route);
      return true;
    },
    async handleAdmin(ctx, subpath) {
      const path = subpath.replace(/^\/+|\/+$/g, "");
      const method = ctx.req.method ?? "GET";
      if ((path === "" || path === "state") && method === "GET") {
        sendJson(ctx.res, 200, describeState(core, state, requestBase(ctx)));
        return true;
      }
      if (path === "current-vm" && (method === "POST" || method === "PUT")) {
        const body = parseJson(ctx);
        const checked = currentVmBody.safeParse(body);
        if (!checked.success) {
          sendJson(ctx.res, 400, { error: 'Send a JSON body {"vm": "<name>"} naming the simulated VM.' });
          return true;
        }
        currentVm = checked.data.vm;
        sendJson(ctx.res, 200, describeState(core, state, requestBase(ctx)));
        return true;
      }
      if (path === "env" && method === "GET") {
        const source = z.enum(sourceNames).safeParse(ctx.url.searchParams.get("source") ?? "imds");
        if (!source.success) {
          sendJson(ctx.res, 400, {
            error: `Query parameter source must be one of: ${sourceNames.join(", ")}.`,
          });
          return true;
        }
        const vm = ctx.url.searchParams.get("vm") ?? undefined;
        const env = clientEnvironment(source.data, {
          baseUrl: requestBase(ctx),
          vm,
          identityHeader: state.identityHeader,
        });
        sendJson(ctx.res, 200, env);
        return true;
      }
      return false;
    },
    async close() {
      state.arcKeys.close();
    },
  };
  return module;
};

/**
 * The base URL the admin caller used. Azure's managed identity endpoints are plain HTTP, and with TLS on
 * the emulator also listens on a plain loopback port: whichever listener the caller reached is the one
 * its environment should name.
 */
function requestBase(ctx: RequestContext): string {
  const secure = (ctx.req.socket as { encrypted?: boolean }).encrypted === true;
  return `${secure ? "https" : "http"}://${ctx.req.headers.host ?? "127.0.0.1"}`;
}

function describeState(core: EmulatorCore, state: TokenEndpointState, base: string) {
  const identities = core.directory.managedIdentities();
  const current = state.currentVm();
  return {
    currentVm: current,
    vms: knownVms(identities, [current]),
    identities: identities.map((identity) => ({
      kind: identity.kind,
      vm: identity.vm,
      clientId: identity.clientId,
      objectId: identity.objectId,
      resourceId: identity.resourceId,
      tenantId: identity.tenantId,
    })),
    endpoints: Object.fromEntries(SOURCES.map((source) => [source.name, `${base}${source.path}`])),
    appService: { identityHeader: state.identityHeader },
    azureArc: { keyDirectory: state.arcKeys.directory },
  };
}

function parseJson(ctx: RequestContext): unknown {
  try {
    return jsonBody(ctx);
  } catch {
    return undefined;
  }
}
