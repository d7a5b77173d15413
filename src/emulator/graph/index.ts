/**
 * The emulator's Microsoft Graph module: Identity Protection (riskyUsers with history and admin actions,
 * riskDetections), a minimal directory (`/users`, `/me`, `/organization`) and the workloads the
 * integrations' connectivity tests call (groups, teams, mail, alerts_v2, managed devices, applications,
 * service principals; workload-routes.ts) under `/v1.0` and `/beta`,
 * with Graph's OData paging, errors, authorization, licences and throttling. Each tenant's data is
 * generated on first use from the seed, so the same config always serves the same data.
 *
 * Admin routes under `/_emulator/graph/`: `GET state`, `POST tenants/{tenant}/generate`,
 * `POST tenants/{tenant}/throttling`, `POST tenants/{tenant}/examples`, `POST last-page-quirk`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { EntrakitError } from "../../errors.ts";
import type {
  EmulatorCore,
  EmulatorModule,
  EmulatorModuleFactory,
  RequestContext,
  TenantRecord,
} from "../contracts.ts";
import { authenticate, authorize } from "./auth.ts";
import { TenantDataset } from "./dataset.ts";
import { GraphError } from "./graph-error.ts";
import { sendGraphError, sendGraphJson, sendNoContent } from "./responses.ts";
import { type GraphRuntime, ROUTES } from "./routes.ts";
import { Throttling, throttlingSchema } from "./throttling.ts";

export const MODULE_NAME = "graph";

const DAY_MS = 86_400_000;

const generationSchema = z.strictObject({
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .optional(),
  riskyUsers: z.number().int().min(0).max(1_000_000).optional(),
  detections: z.number().int().min(0).max(5_000_000).optional(),
  /** End of the data window, ISO 8601; default: midnight UTC of the day the data is generated. */
  anchor: z.iso.datetime({ offset: true }).optional(),
  windowDays: z.number().int().min(1).max(3650).optional(),
});

const configSchema = z.strictObject({
  ...generationSchema.shape,
  /** Reproduce Graph's 400 on a riskyUsers nextLink whose remaining items exactly fill a page. */
  lastPageQuirk: z.boolean().default(true),
  /** A folder of Microsoft doc example bodies (JSON) loaded as-is into every tenant. */
  fixturesDir: z.string().min(1).optional(),
  /** Throttling mode per tenant (id or domain); tenants not listed are not throttled. */
  throttling: z.record(z.string(), throttlingSchema).default({}),
});

export type GraphConfig = z.infer<typeof configSchema>;
type Generation = z.infer<typeof generationSchema>;

const DEFAULTS = { seed: 1, riskyUsers: 50, detections: 150, windowDays: 90 };

function parseGraphConfig(raw: unknown): GraphConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new EntrakitError(
    "configuration",
    `graph config: ${issue.path.join(".") || "(root)"}: ${issue.message}.`,
    {
      hint: "Allowed keys: seed, riskyUsers, detections, anchor, windowDays, lastPageQuirk, fixturesDir, throttling.",
    },
  );
}

/**
 * The doc example responses of a folder (every `*.json` body with a `value`), risky users first so that
 * history examples find their owner. Resource descriptions and request bodies are skipped.
 */
function readExamples(dir: string): unknown[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new EntrakitError("configuration", `graph config: fixturesDir '${dir}' cannot be read.`, {
      cause: error,
      hint: "Point fixturesDir at a folder of Graph doc example JSON files, e.g. test/fixtures/graph-examples.",
    });
  }
  const bodies = names
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, unknown>)
    .filter((body) => body && typeof body === "object" && "value" in body);
  const rank = (body: Record<string, unknown>) =>
    JSON.stringify(body).includes('#microsoft.graph.riskyUser"') ? 0 : 1;
  return bodies.sort((a, b) => rank(a) - rank(b));
}

export const graphModule: EmulatorModuleFactory = (core, rawConfig) => {
  const config = parseGraphConfig((rawConfig as { graph?: unknown } | undefined)?.graph);
  const examples = config.fixturesDir ? readExamples(config.fixturesDir) : [];
  const datasets = new Map<string, TenantDataset>();
  const generation = new Map<string, Generation>();
  const throttling = new Throttling();
  let lastPageQuirk = config.lastPageQuirk;
  for (const [ref, mode] of Object.entries(config.throttling)) {
    const tenant = core.directory.tenant(ref);
    if (!tenant) {
      throw new EntrakitError("configuration", `graph config: throttling names an unknown tenant '${ref}'.`, {
        hint: "Use a tenant id or verified domain from the emulator's directory.",
      });
    }
    throttling.set(tenant.id, mode);
  }

  const build = (tenant: TenantRecord): TenantDataset => {
    const own = generation.get(tenant.id) ?? {};
    const anchor = own.anchor ?? config.anchor;
    const users = core.directory
      .users(tenant.id)
      .sort((a, b) => (a.userPrincipalName < b.userPrincipalName ? -1 : 1));
    const admin = users.find((user) => user.directoryRoles.some((role) => /administrator/i.test(role)));
    const dataset = new TenantDataset(
      {
        seed: own.seed ?? config.seed ?? DEFAULTS.seed,
        tenantId: tenant.id,
        domain: tenant.domain,
        riskyUsers: own.riskyUsers ?? config.riskyUsers ?? DEFAULTS.riskyUsers,
        detections: own.detections ?? config.detections ?? DEFAULTS.detections,
        anchor: anchor ? Date.parse(anchor) : Math.floor(core.clock.now() / DAY_MS) * DAY_MS,
        windowDays: own.windowDays ?? config.windowDays ?? DEFAULTS.windowDays,
        directoryUsers: users,
      },
      admin?.id ?? "00000000-0000-0000-0000-000000000000",
    );
    const owner = firstExampleUser(examples);
    for (const example of examples) dataset.loadExample(example, owner);
    return dataset;
  };

  const runtime: GraphRuntime = {
    core,
    dataset(tenantId) {
      const key = tenantId.toLowerCase();
      let dataset = datasets.get(key);
      if (!dataset) {
        dataset = build(core.directory.tenant(key)!);
        datasets.set(key, dataset);
      }
      return dataset;
    },
    lastPageQuirk: () => lastPageQuirk,
  };

  const module: EmulatorModule = {
    name: MODULE_NAME,
    async handle(ctx) {
      const m = /^\/(v1\.0|beta)\/(.*)$/.exec(ctx.url.pathname);
      if (!m) return false;
      await serve(core, runtime, throttling, ctx, m[1]!, m[2]!);
      return true;
    },
    async handleAdmin(ctx, subpath) {
      return serveAdmin(ctx, subpath.replace(/^\/+|\/+$/g, ""), {
        core,
        runtime,
        throttling,
        datasets,
        generation,
        examplesLoaded: examples.length,
        setQuirk(enabled) {
          lastPageQuirk = enabled;
        },
      });
    },
  };
  return module;
};

/** History examples from the docs name no real user: they attach to the first riskyUser example. */
function firstExampleUser(examples: unknown[]): string | undefined {
  for (const example of examples) {
    const value = (example as { value?: unknown }).value;
    const items = Array.isArray(value) ? value : [value ?? example];
    for (const item of items) {
      const record = item as Record<string, unknown>;
      if (record?.["@odata.type"] === "#microsoft.graph.riskyUser" && typeof record.id === "string")
        return record.id;
    }
  }
  return undefined;
}

async function serve(
  core: EmulatorCore,
  runtime: GraphRuntime,
  throttling: Throttling,
  ctx: RequestContext,
  version: string,
  path: string,
): Promise<void> {
  const now = core.clock.now();
  try {
    const method = ctx.req.method ?? "GET";
    const candidates = ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter(
      (c) => c.match,
    );
    if (candidates.length === 0) {
      const segment = path.split("/").find((part) => part.length > 0) ?? "";
      throw new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
    }
    const found = candidates.find((c) => c.route.method === method);
    if (!found) {
      throw new GraphError(
        405,
        "Request_BadRequest",
        `The HTTP method '${method}' is not allowed on this resource.`,
        {
          allow: candidates.map((c) => c.route.method).join(", "),
        },
      );
    }
    const caller = await authenticate(core, ctx.req.headers.authorization);
    throttling.check(caller.tenant.id, found.route.identityProtection, now);
    authorize(caller, found.route.requirement);
    const params = found
      .match!.slice(1)
      .filter((part): part is string => part !== undefined)
      .map(decodeURIComponent);
    const answer = found.route.handle({ ctx, caller, params, version, runtime });
    if (answer.status === 204) sendNoContent(ctx);
    else sendGraphJson(ctx, answer.status, answer.body);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    sendGraphError(ctx, error, now);
  }
}

interface AdminState {
  core: EmulatorCore;
  runtime: GraphRuntime;
  throttling: Throttling;
  datasets: Map<string, TenantDataset>;
  generation: Map<string, Generation>;
  examplesLoaded: number;
  setQuirk(enabled: boolean): void;
}

function adminJson(ctx: RequestContext, status: number, body: unknown): true {
  const payload = Buffer.from(JSON.stringify(body));
  ctx.res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": payload.length,
  });
  ctx.res.end(payload);
  return true;
}

function readJson(ctx: RequestContext): unknown {
  if (ctx.body.length === 0) return {};
  return JSON.parse(ctx.body.toString("utf8"));
}

async function serveAdmin(ctx: RequestContext, path: string, state: AdminState): Promise<boolean> {
  const method = ctx.req.method ?? "GET";
  if ((path === "" || path === "state") && method === "GET") {
    return adminJson(ctx, 200, describe(state));
  }
  let body: unknown;
  try {
    body = readJson(ctx);
  } catch {
    return adminJson(ctx, 400, { error: "The request body is not valid JSON." });
  }
  if (path === "last-page-quirk" && method === "POST") {
    const parsed = z.strictObject({ enabled: z.boolean() }).safeParse(body);
    if (!parsed.success) return adminJson(ctx, 400, { error: 'Send {"enabled": true|false}.' });
    state.setQuirk(parsed.data.enabled);
    return adminJson(ctx, 200, describe(state));
  }
  const m = /^tenants\/([^/]+)\/(generate|throttling|examples)$/.exec(path);
  if (!m || method !== "POST") return false;
  const tenant = state.core.directory.tenant(decodeURIComponent(m[1]!));
  if (!tenant) {
    return adminJson(ctx, 404, {
      error: `No tenant '${m[1]}' in the emulator's directory; use a tenant id or domain.`,
    });
  }
  if (m[2] === "generate") {
    const parsed = generationSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return adminJson(ctx, 400, {
        error: `${issue.path.join(".") || "(body)"}: ${issue.message}. Allowed: seed, riskyUsers, detections, anchor, windowDays.`,
      });
    }
    state.generation.set(tenant.id, parsed.data);
    state.datasets.delete(tenant.id.toLowerCase());
    return adminJson(ctx, 200, { tenant: tenant.id, data: state.runtime.dataset(tenant.id).summary() });
  }
  if (m[2] === "throttling") {
    const parsed = throttlingSchema.safeParse(body);
    if (!parsed.success) {
      return adminJson(ctx, 400, {
        error:
          'Send {"mode": "off"}, {"mode": "identityProtection"} or {"mode": "generic", "status": 429|503, "retryAfterSeconds": n, "limit": n, "windowSeconds": n}.',
      });
    }
    state.throttling.set(tenant.id, parsed.data);
    return adminJson(ctx, 200, { tenant: tenant.id, throttling: parsed.data });
  }
  const owner = ctx.url.searchParams.get("riskyUserId") ?? undefined;
  const loaded = state.runtime.dataset(tenant.id).loadExample(body, owner);
  return adminJson(ctx, 200, { tenant: tenant.id, loaded });
}

function describe(state: AdminState): Record<string, unknown> {
  return {
    lastPageQuirk: state.runtime.lastPageQuirk(),
    examplesLoaded: state.examplesLoaded,
    tenants: state.core.directory.tenants().map((tenant) => ({
      id: tenant.id,
      domain: tenant.domain,
      licences: tenant.licences,
      throttling: state.throttling.mode(tenant.id),
      data: state.datasets.get(tenant.id.toLowerCase())?.summary() ?? null,
    })),
  };
}
