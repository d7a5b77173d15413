/**
 * The emulator's resource APIs beyond Graph, each served under a path prefix equal to its real host
 * (`<emulator>/management.azure.com/subscriptions?...`, `<emulator>/<vault>.vault.azure.net/secrets`).
 * A request is routed by its first path segment to the family that serves that host (`hosts.ts`), then
 * checked — token, audience for that host's cloud, permission — and answered in that service's own
 * shapes. Hosts another module serves (Defender for Endpoint) are left to it.
 */
import type { EmulatorCore, EmulatorModuleFactory, RequestContext } from "../contracts.ts";
import {
  type ApiAnswer,
  ApiError,
  type ApiFamily,
  authenticate,
  type ErrorAnswer,
  findRoute,
  missingPermissions,
  STATUS,
} from "./api.ts";
import { arm } from "./arm.ts";
import { cloudApps } from "./cloud-apps.ts";
import { dataExplorer } from "./data-explorer.ts";
import { devOps } from "./devops.ts";
import { matchServedHost, type ResourceApiFamily, type ServedHost } from "./hosts.ts";
import { keyVault } from "./key-vault.ts";
import { logAnalytics } from "./log-analytics.ts";
import { microsoft365Defender } from "./m365-defender.ts";
import { o365Management } from "./o365-management.ts";
import { storage } from "./storage.ts";

export const MODULE_NAME = "resources";

const FAMILIES: Readonly<Partial<Record<ResourceApiFamily, ApiFamily>>> = {
  arm,
  keyVault,
  logAnalytics,
  o365Management,
  dataExplorer,
  devOps,
  cloudApps,
  microsoft365Defender,
  storage,
};

export const resourcesModule: EmulatorModuleFactory = (core) => ({
  name: MODULE_NAME,
  async handle(ctx) {
    const m = /^\/([^/]+)(\/.*)?$/.exec(ctx.url.pathname);
    if (!m) return false;
    const host = m[1]!.toLowerCase();
    const entry = matchServedHost(host);
    const family = entry && !entry.module ? FAMILIES[entry.family] : undefined;
    if (!entry || !family) return false;
    await serve(core, ctx, entry, family, host, m[2] ?? "/");
    return true;
  },
});

async function serve(
  core: EmulatorCore,
  ctx: RequestContext,
  entry: ServedHost,
  family: ApiFamily,
  host: string,
  path: string,
): Promise<void> {
  const now = core.clock.now();
  let tenantId: string | undefined;
  try {
    const { route, params } = findRoute(family.routes, ctx.req.method ?? "GET", path);
    const caller = await authenticate(core, ctx, entry, host);
    tenantId = caller.tenant.id;
    const missing = missingPermissions(caller, route.permission);
    if (missing.length > 0) throw family.forbidden(missing, caller, path);
    send(ctx, route.handle({ ctx, caller, params, host, entry, core }));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    tenantId ??= error.tenantId;
    const rendered: ErrorAnswer = family.render(error, { ctx, host, entry, tenantId, now });
    send(ctx, { ...rendered, status: STATUS[error.kind] });
  }
}

function send(ctx: RequestContext, answer: ApiAnswer): void {
  const text =
    typeof answer.body === "string"
      ? answer.body
      : answer.body === undefined
        ? ""
        : JSON.stringify(answer.body);
  const payload = Buffer.from(text);
  ctx.res.writeHead(answer.status, {
    "content-type": answer.contentType ?? "application/json; charset=utf-8",
    "content-length": String(payload.length),
    "request-id": ctx.requestId,
    ...answer.headers,
  });
  ctx.res.end(payload);
}
