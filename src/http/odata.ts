/**
 * Walks an OData collection page by page. `@odata.nextLink` is followed exactly as the service sent it
 * (it is opaque: skip tokens, re-encoded filters), never rebuilt. Stops at `limit` items without asking
 * for a page it would not use.
 */
import { EntrakitError } from "../errors.ts";

export interface ODataPageOptions {
  /** Stop after this many items. Default: all. */
  limit?: number;
  /** A guard against services that hand back the same link forever. Default 1000 pages. */
  maxPages?: number;
}

/**
 * Yields the items of `firstUrl` and every following page. `getPage` fetches one absolute or relative URL
 * and returns the parsed body (e.g. `(url) => authorizedJson(client, credential, audience, {method: "GET", url})`).
 */
export async function* iterateOData<T = Record<string, unknown>>(
  getPage: (url: string) => Promise<unknown>,
  firstUrl: string,
  options: ODataPageOptions = {},
): AsyncGenerator<T, void, undefined> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const maxPages = options.maxPages ?? 1000;
  if (!(limit >= 0)) throw new RangeError("limit must be a number >= 0");
  let yielded = 0;
  let url: string | undefined = firstUrl;
  const seen = new Set<string>();
  for (let pages = 0; url !== undefined && yielded < limit; pages++) {
    if (pages >= maxPages || seen.has(url)) {
      throw new EntrakitError("internal", `The service kept sending more pages (stopped after ${pages}).`, {
        hint: "Narrow the query with a filter or a limit.",
      });
    }
    seen.add(url);
    const page = await getPage(url);
    const items = pageItems(page, url);
    for (const item of items) {
      if (yielded >= limit) return;
      yielded++;
      yield item as T;
    }
    url = nextLink(page);
  }
}

/** Collects `iterateOData` into an array (convenience for small collections and tests). */
export async function collectOData<T = Record<string, unknown>>(
  getPage: (url: string) => Promise<unknown>,
  firstUrl: string,
  options: ODataPageOptions = {},
): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterateOData<T>(getPage, firstUrl, options)) items.push(item);
  return items;
}

export function nextLink(page: unknown): string | undefined {
  if (typeof page !== "object" || page === null) return undefined;
  const link = (page as Record<string, unknown>)["@odata.nextLink"];
  return typeof link === "string" && link !== "" ? link : undefined;
}

function pageItems(page: unknown, url: string): unknown[] {
  const value = typeof page === "object" && page !== null ? (page as { value?: unknown }).value : undefined;
  if (Array.isArray(value)) return value;
  const path = url.split("?")[0];
  throw new EntrakitError(
    "internal",
    `The answer from ${path} is not an OData collection (no "value" array).`,
    {
      hint: "Check that the URL names a collection.",
    },
  );
}
