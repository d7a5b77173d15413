/**
 * How Graph answers a collection (OData paging with keyset nextLinks, `$filter`, `$orderby`, `$select`)
 * and a single entity, for every route table of the module.
 */
import type { RequestContext } from "../contracts.ts";
import type { Collection } from "./collection.ts";
import type { EntityType, GraphRecord } from "./entities.ts";
import { GraphError } from "./graph-error.ts";
import { nextLink, type OrderBy, parseCollectionQuery, parseSelect, project } from "./odata-query.ts";
import type { Answer, GraphRuntime } from "./routes.ts";

/** Page sizes: riskDetections' default is documented (20); riskyUsers' is not, and uses the same. */
const DEFAULT_TOP = 20;
const MAX_TOP = 500;

export function metadataBase(runtime: GraphRuntime, version: string): string {
  return `${runtime.core.baseUrl()}/${version}/$metadata`;
}

export function list<T extends GraphRecord & { id: string }>(
  ctx: RequestContext,
  runtime: GraphRuntime,
  version: string,
  path: string,
  type: EntityType,
  collection: Collection<T>,
  options: { quirk: boolean; defaultOrder?: OrderBy },
): Answer {
  const query = parseCollectionQuery(ctx.url.searchParams, type, {
    defaultTop: DEFAULT_TOP,
    maxTop: MAX_TOP,
    defaultOrder: options.defaultOrder,
  });
  const page = collection.page(query.orderBy, query.cursor, query.top, query.predicate);
  // Graph's documented bug (docs issues #16332, #2329): the nextLink whose remaining items exactly fill
  // one page answers 400 with an empty message.
  if (options.quirk && query.cursor && !page.next && page.items.length === query.top) {
    throw new GraphError(400, "BadRequest", "");
  }
  const selected = query.select ? `(${query.select.join(",")})` : "";
  const body: Record<string, unknown> = {
    "@odata.context": `${metadataBase(runtime, version)}#${path}${selected}`,
  };
  if (page.next)
    body["@odata.nextLink"] = nextLink(`${runtime.core.baseUrl()}/${version}/${path}`, query, page.next);
  body.value = query.select ? page.items.map((item) => project(item, query.select)) : page.items;
  return { status: 200, body };
}

export function entity(
  ctx: RequestContext,
  runtime: GraphRuntime,
  version: string,
  path: string,
  type: EntityType,
  record: GraphRecord,
): Answer {
  const selectText = ctx.url.searchParams.get("$select") ?? ctx.url.searchParams.get("select");
  const select = selectText?.trim() ? parseSelect(selectText, type) : undefined;
  const selected = select ? `(${select.join(",")})` : "";
  return {
    status: 200,
    body: {
      "@odata.context": `${metadataBase(runtime, version)}#${path}${selected}/$entity`,
      ...project(record, select),
    },
  };
}
