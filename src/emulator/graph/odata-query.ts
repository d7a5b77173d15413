/**
 * The OData system query options of a collection request: `$top`, `$filter`, `$orderby`, `$select` and
 * the server-made `$skiptoken`, checked against the entity table. The skip token is a keyset cursor (the
 * sort key and id of the last item served), so following a nextLink continues exactly after that item
 * even if items were added or changed meanwhile: paging never repeats or skips an unchanged item.
 */
import type { EntityType } from "./entities.ts";
import { badRequest } from "./graph-error.ts";
import { compileFilter, type Predicate } from "./odata-filter.ts";

export interface OrderBy {
  /** The property sorted on; `id` is the stable default (and the tie-breaker for every order). */
  property: string;
  descending: boolean;
}

export interface Cursor {
  /** The order the cursor was made for, `property asc|desc`. */
  order: string;
  /** Sort value and id of the last item served. */
  key: string;
  id: string;
}

export interface CollectionQuery {
  top: number;
  /** Whether `$top` was given (Graph keeps it in nextLinks only then). */
  topGiven: boolean;
  filter: string | undefined;
  predicate: Predicate | undefined;
  orderBy: OrderBy;
  /** The `$orderby` text as given, echoed in nextLinks. */
  orderByText: string | undefined;
  select: string[] | undefined;
  cursor: Cursor | undefined;
}

export interface PageLimits {
  defaultTop: number;
  maxTop: number;
  /** The order without `$orderby` (default: by id). */
  defaultOrder?: OrderBy;
}

const UNSUPPORTED = ["$skip", "$expand", "$search", "$count", "$apply", "$compute"];
export const DEFAULT_ORDER: OrderBy = { property: "id", descending: false };

export function orderKey(order: OrderBy): string {
  return `${order.property} ${order.descending ? "desc" : "asc"}`;
}

/** Reads a query option by its name with or without the `$` (Graph accepts both). */
function option(params: URLSearchParams, name: string): string | undefined {
  return params.get(`$${name}`) ?? params.get(name) ?? undefined;
}

export function parseCollectionQuery(
  params: URLSearchParams,
  entity: EntityType,
  limits: PageLimits,
): CollectionQuery {
  for (const name of UNSUPPORTED) {
    if (params.has(name)) {
      throw badRequest(
        `The query option '${name}' is not supported on this resource; page with @odata.nextLink.`,
      );
    }
  }
  const topText = option(params, "top");
  let top = limits.defaultTop;
  if (topText !== undefined) {
    top = /^\d+$/.test(topText.trim()) ? Number(topText.trim()) : Number.NaN;
    if (!Number.isInteger(top) || top < 1 || top > limits.maxTop) {
      throw badRequest(
        `Invalid page size specified: '${topText}'. Must be between 1 and ${limits.maxTop} inclusive.`,
      );
    }
  }
  const filterText = option(params, "filter");
  const filter = filterText?.trim() ? filterText : undefined;
  const predicate = filter === undefined ? undefined : compileFilter(filter, entity);
  const orderByText = option(params, "orderby");
  const orderBy = orderByText?.trim()
    ? parseOrderBy(orderByText, entity)
    : (limits.defaultOrder ?? DEFAULT_ORDER);
  const selectText = option(params, "select");
  const select = selectText?.trim() ? parseSelect(selectText, entity) : undefined;
  const tokenText = option(params, "skiptoken");
  const cursor = tokenText ? decodeCursor(tokenText, orderKey(orderBy)) : undefined;
  return {
    top,
    topGiven: topText !== undefined,
    filter,
    predicate,
    orderBy,
    orderByText: orderByText?.trim() ? orderByText : undefined,
    select,
    cursor,
  };
}

export function parseOrderBy(text: string, entity: EntityType): OrderBy {
  const clauses = text.split(",").map((clause) => clause.trim());
  const allowed = entity.orderable.flatMap((p) => [`${p} asc`, `${p} desc`]).join(", ");
  if (clauses.length > 1) {
    throw badRequest(
      `Sorting by more than one property is not supported on this resource; use one of: ${allowed}.`,
    );
  }
  const m = /^([A-Za-z]+)(?:\s+(asc|desc))?$/.exec(clauses[0]!);
  if (!m) throw badRequest(`Invalid $orderby '${text}'; use one of: ${allowed}.`);
  const property = m[1]!;
  if (!(property in entity.fields)) {
    throw badRequest(`Could not find a property named '${property}' on type '${entity.typeName}'.`);
  }
  if (!entity.orderable.includes(property)) {
    throw badRequest(`Sorting by '${property}' is not supported on this resource; use one of: ${allowed}.`);
  }
  return { property, descending: m[2] === "desc" };
}

export function parseSelect(text: string, entity: EntityType): string[] {
  const names = text.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!(name in entity.fields)) {
      throw badRequest(`Could not find a property named '${name}' on type '${entity.typeName}'.`);
    }
  }
  return [...new Set(names)];
}

/** Keeps only the selected properties, in the entity's order (as Graph does); `id` only when selected. */
export function project(
  record: Record<string, unknown>,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select) return record;
  const out: Record<string, unknown> = {};
  for (const name of select) if (name in record) out[name] = record[name];
  return out;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.order, cursor.key, cursor.id])).toString("base64url");
}

function decodeCursor(token: string, expectedOrder: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((part) => typeof part === "string")) {
    throw badRequest(
      "The $skiptoken is not valid; follow @odata.nextLink exactly as the server returned it.",
    );
  }
  const [order, key, id] = parsed as [string, string, string];
  if (order !== expectedOrder) {
    throw badRequest(
      `The $skiptoken was issued for $orderby '${order}', not '${expectedOrder}'; keep the same $orderby when paging.`,
    );
  }
  return { order, key, id };
}

/**
 * The nextLink: the same resource with the caller's query options plus the new `$skiptoken`, so a client
 * can follow it unchanged or lift the token out and send it with its own `$top`.
 */
export function nextLink(resourceUrl: string, query: CollectionQuery, cursor: Cursor): string {
  const parts: string[] = [];
  if (query.filter !== undefined) parts.push(`$filter=${encodeURIComponent(query.filter)}`);
  if (query.orderByText !== undefined) parts.push(`$orderby=${encodeURIComponent(query.orderByText)}`);
  if (query.select) parts.push(`$select=${query.select.join(",")}`);
  if (query.topGiven) parts.push(`$top=${query.top}`);
  parts.push(`$skiptoken=${encodeCursor(cursor)}`);
  return `${resourceUrl}?${parts.join("&")}`;
}
