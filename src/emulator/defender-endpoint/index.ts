/**
 * The emulator's Microsoft Defender for Endpoint API, served under `<emulator>/<real host>/api/...` for
 * every host of the endpoint-type table (worldwide, US/EU/UK geo, US GCC, GCC High and DoD):
 * `GET /api/alerts`, `/api/alerts/{id}`, `/api/machines`, `/api/machines/{id}` with OData `$filter`,
 * `$top` and `$skip`, and an `@odata.nextLink` when a page is cut at the maximum page size. Tokens must be
 * for WindowsDefenderATP and carry Alert.* / Machine.* roles. Each tenant's data is generated on first
 * use from the seed, so the same config always serves the same alerts and machines.
 *
 * Config section `defenderEndpoint`: seed, alerts, machines, anchor, windowDays, maxPageSize.
 */
import { z } from "zod";
import { EntrakitError } from "../../errors.ts";
import type { EmulatorCore, EmulatorModule, EmulatorModuleFactory, RequestContext } from "../contracts.ts";
import type { EntityType } from "../graph/entities.ts";
import { GraphError } from "../graph/graph-error.ts";
import { compileFilter } from "../graph/odata-filter.ts";
import { SERVED_HOSTS } from "../resources/hosts.ts";
import { authenticateDefender, authorizeDefender } from "./auth.ts";
import { ALERT, MACHINE } from "./entities.ts";
import { DefenderError, sendDefenderError, sendDefenderJson } from "./errors.ts";
import { type DefenderData, type DefenderRecord, generateDefenderData } from "./generator.ts";

export const MODULE_NAME = "defender-endpoint";

/** Every API host of the Defender for Endpoint endpoint types: the served hosts this module answers. */
export const DEFENDER_ENDPOINT_HOSTS: readonly string[] = SERVED_HOSTS.filter(
  (entry) => entry.module === MODULE_NAME,
).map((entry) => entry.host);

/** Microsoft's documented maximum `$top` for alerts and machines. */
const API_MAX_TOP = 10_000;
const DAY_MS = 86_400_000;

const configSchema = z.strictObject({
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .default(1),
  alerts: z.number().int().min(0).max(1_000_000).default(120),
  machines: z.number().int().min(0).max(1_000_000).default(40),
  /** End of the data window, ISO 8601; default: midnight UTC of the day the data is generated. */
  anchor: z.iso.datetime({ offset: true }).optional(),
  windowDays: z.number().int().min(1).max(3650).default(30),
  /** Items per page when `$top` asks for more (or nothing): smaller values make nextLinks testable. */
  maxPageSize: z.number().int().min(1).max(API_MAX_TOP).default(API_MAX_TOP),
});

type DefenderConfig = z.infer<typeof configSchema>;

interface Collection {
  entity: EntityType;
  /** The entity set in `@odata.context` (`$metadata#Alerts`). */
  entitySet: string;
  /** Singular name for 404 messages. */
  noun: string;
  roles: readonly string[];
  items(data: DefenderData): DefenderRecord[];
}

const COLLECTIONS: Readonly<Record<string, Collection>> = {
  alerts: {
    entity: ALERT,
    entitySet: "Alerts",
    noun: "Alert",
    roles: ["Alert.Read.All", "Alert.ReadWrite.All"],
    items: (data) => data.alerts,
  },
  machines: {
    entity: MACHINE,
    entitySet: "Machines",
    noun: "Machine",
    roles: ["Machine.Read.All", "Machine.ReadWrite.All"],
    items: (data) => data.machines,
  },
};

function parseConfig(raw: unknown): DefenderConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new EntrakitError(
    "configuration",
    `defenderEndpoint config: ${issue.path.join(".") || "(root)"}: ${issue.message}.`,
    { hint: "Allowed keys: seed, alerts, machines, anchor, windowDays, maxPageSize." },
  );
}

const HOST_PATH = new RegExp(
  `^/(${DEFENDER_ENDPOINT_HOSTS.map((host) => host.replace(/\./g, "\\.")).join("|")})(/.*)?$`,
  "i",
);

export const defenderEndpointModule: EmulatorModuleFactory = (core, rawConfig) => {
  const config = parseConfig((rawConfig as { defenderEndpoint?: unknown } | undefined)?.defenderEndpoint);
  const datasets = new Map<string, DefenderData>();
  const dataFor = (tenantId: string, domain: string): DefenderData => {
    const key = tenantId.toLowerCase();
    let data = datasets.get(key);
    if (!data) {
      data = generateDefenderData({
        seed: config.seed,
        tenantId: key,
        domain,
        machines: config.machines,
        alerts: config.alerts,
        anchor: config.anchor ? Date.parse(config.anchor) : Math.floor(core.clock.now() / DAY_MS) * DAY_MS,
        windowDays: config.windowDays,
      });
      datasets.set(key, data);
    }
    return data;
  };
  const module: EmulatorModule = {
    name: MODULE_NAME,
    async handle(ctx) {
      const m = HOST_PATH.exec(ctx.url.pathname);
      if (!m) return false;
      try {
        await serve(core, config, dataFor, ctx, m[1]!.toLowerCase(), m[2] ?? "/");
      } catch (error) {
        if (!(error instanceof DefenderError)) throw error;
        sendDefenderError(ctx, error);
      }
      return true;
    },
  };
  return module;
};

async function serve(
  core: EmulatorCore,
  config: DefenderConfig,
  dataFor: (tenantId: string, domain: string) => DefenderData,
  ctx: RequestContext,
  host: string,
  path: string,
): Promise<void> {
  const route = /^\/api\/(alerts|machines)(?:\/([^/]+))?\/?$/i.exec(path);
  const collection = route ? COLLECTIONS[route[1]!.toLowerCase()] : undefined;
  if (!route || !collection) {
    throw new DefenderError(404, "ResourceNotFound", `The resource '${path}' does not exist on ${host}.`);
  }
  if (ctx.req.method !== "GET") {
    throw new DefenderError(
      405,
      "MethodNotAllowed",
      `The HTTP method '${ctx.req.method}' is not allowed here.`,
    );
  }
  const caller = await authenticateDefender(core, ctx.req.headers.authorization);
  authorizeDefender(caller, collection.roles);
  const items = collection.items(dataFor(caller.tenant.id, caller.tenant.domain));
  const context = `${core.baseUrl()}/${host}/api/$metadata#${collection.entitySet}`;
  if (route[2] !== undefined) {
    const id = decodeURIComponent(route[2]);
    const item = items.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
    if (!item) throw new DefenderError(404, "ResourceNotFound", `${collection.noun} ${id} was not found`);
    sendDefenderJson(ctx, 200, { "@odata.context": `${context}/$entity`, ...item });
    return;
  }
  const query = parseQuery(ctx.url.searchParams, collection.entity);
  const matching = query.filter ? items.filter(query.filter.predicate) : items;
  const pageSize = Math.min(query.top ?? config.maxPageSize, config.maxPageSize);
  const page = matching.slice(query.skip, query.skip + pageSize);
  const body: Record<string, unknown> = { "@odata.context": context, value: page };
  const next = query.skip + page.length;
  // Only a page the server cut short gets a link; a `$top` the client chose is what it asked for.
  const cut = query.top === undefined || query.top > pageSize;
  if (cut && next < matching.length) {
    const remaining = query.top === undefined ? undefined : query.top - page.length;
    const params = [
      ...(query.filter ? [`$filter=${encodeURIComponent(query.filter.text)}`] : []),
      ...(remaining === undefined ? [] : [`$top=${remaining}`]),
      `$skip=${next}`,
    ];
    body["@odata.nextLink"] = `${core.baseUrl()}/${host}${path.replace(/\/$/, "")}?${params.join("&")}`;
  }
  sendDefenderJson(ctx, 200, body);
}

interface ListQuery {
  filter?: { text: string; predicate: (record: Record<string, unknown>) => boolean };
  top?: number;
  skip: number;
}

function parseQuery(params: URLSearchParams, entity: EntityType): ListQuery {
  const query: ListQuery = { skip: 0 };
  const filter = params.get("$filter");
  if (filter !== null && filter.trim() !== "") {
    try {
      query.filter = { text: filter, predicate: compileFilter(filter, entity) };
    } catch (error) {
      if (error instanceof GraphError) throw new DefenderError(400, "BadRequest", error.message);
      throw error;
    }
  }
  const top = params.get("$top");
  if (top !== null) query.top = wholeNumber("$top", top, 1, API_MAX_TOP, `from 1 to ${API_MAX_TOP}`);
  const skip = params.get("$skip");
  if (skip !== null) query.skip = wholeNumber("$skip", skip, 0, Number.MAX_SAFE_INTEGER, "0 or more");
  return query;
}

function wholeNumber(name: string, text: string, min: number, max: number, range: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new DefenderError(
      400,
      "BadRequest",
      `Invalid value '${text}' for ${name}: use a whole number ${range}.`,
    );
  }
  return value;
}
