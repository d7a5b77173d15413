/**
 * Walks an OData collection through its nextLinks, keeping only the items of one window
 * [skip, skip + limit). Pages are dropped as soon as their items are copied, so a 100,000-item walk
 * holds the window once, never the pages beside it; `walkPagesPaged` holds it as the pages' JSON text.
 */

import { nextLink } from "../http/odata.ts";
import { PagedList } from "../runtime/paged-list.ts";
import { type ApiClient, isHttpStatus, type Query } from "./api-client.ts";
import { asPage, type ODataPage } from "./odata.ts";

export interface WalkOptions {
  /** Items to take. */
  limit: number;
  /** Items to pass over first (for page-numbered commands). */
  skip?: number;
  /** For messages: "risky users". */
  what: string;
  progress?: (message: string) => void;
}

export interface WalkResult {
  items: Record<string, unknown>[];
  /** `@odata.context` of the last page read. */
  context: string | undefined;
  /** The link to the data after the window, or undefined when the service ran out. */
  nextLink: string | undefined;
}

/**
 * Graph answers 400 with an empty message when the items left after a nextLink exactly fill one page
 * (docs issues #16332, #2329). A nextLink the service itself handed out cannot be a bad request of ours,
 * so a 400 on one means "the bug", never "our mistake".
 */
function isEndOfDataOnNextLink(error: unknown): boolean {
  return isHttpStatus(error, 400);
}

/**
 * The same nextLink asking for a page one item larger (one smaller at Graph's maximum), so the items left
 * no longer exactly fill a page and the bug does not strike. Only the `$top` digits change; the rest of
 * the link stays byte for byte. Undefined when the link carries no `$top`.
 */
export function alternatePageLink(link: string, maxPageSize = 500): string | undefined {
  const match = /([?&](?:\$|%24)top=)(\d+)/i.exec(link);
  if (!match) return undefined;
  const top = Number(match[2]);
  if (top < 1) return undefined;
  const other = top < maxPageSize ? top + 1 : top - 1;
  return `${link.slice(0, match.index)}${match[1]}${other}${link.slice(match.index + match[0].length)}`;
}

/** The bug's exact signature: 400 with an empty message. For links a user pasted, where a 400 may be real. */
export function isLastPageBug(error: unknown): boolean {
  return isHttpStatus(error, 400) && error.serviceMessage === "";
}

/**
 * GETs a nextLink, riding out Graph's last-page bug: on a 400 it asks once more with another page size.
 * Resolves to undefined when that fails too, which means there is nothing more to read.
 */
export async function getNextPage(
  client: ApiClient,
  link: string,
  what: string,
  isBug: (error: unknown) => boolean = isEndOfDataOnNextLink,
): Promise<ODataPage | undefined> {
  try {
    return asPage(await client.get(link), what);
  } catch (error) {
    if (!isBug(error)) throw error;
  }
  const alternate = alternatePageLink(link);
  if (alternate === undefined) return undefined;
  try {
    return asPage(await client.get(alternate), what);
  } catch (error) {
    if (isBug(error)) return undefined;
    throw error;
  }
}

export async function walkPages(
  client: ApiClient,
  path: string,
  query: Query,
  options: WalkOptions,
): Promise<WalkResult> {
  const items: Record<string, unknown>[] = [];
  const walk = await walkWindow(client, path, query, options, (window) => {
    for (const item of window) items.push(item);
  });
  return { items, ...walk };
}

export interface PagedWalkResult extends Omit<WalkResult, "items"> {
  /** The window's items, kept as the pages' JSON text (runtime/paged-list.ts). */
  items: PagedList;
}

/**
 * `walkPages` for windows of up to 100,000 items: the items are kept page by page as JSON text, so the
 * walk holds no parsed item beyond the page in hand.
 */
export async function walkPagesPaged(
  client: ApiClient,
  path: string,
  query: Query,
  options: WalkOptions,
): Promise<PagedWalkResult> {
  const items = new PagedList();
  const walk = await walkWindow(client, path, query, options, (window) => items.push(window));
  return { items, ...walk };
}

/** The walk itself: hands each page's part of the window to `take`, in order. */
async function walkWindow(
  client: ApiClient,
  path: string,
  query: Query,
  options: WalkOptions,
  take: (window: Record<string, unknown>[]) => void,
): Promise<Omit<WalkResult, "items">> {
  const skip = options.skip ?? 0;
  let taken = 0;
  let seen = 0;
  let page = asPage(await client.get(path, query), `GET ${path}`);
  let context = page["@odata.context"];
  let link: string | undefined;
  for (;;) {
    const window: Record<string, unknown>[] = [];
    for (const item of page.value) {
      if (seen++ < skip) continue;
      if (taken >= options.limit) break;
      window.push(item);
      taken++;
    }
    take(window);
    link = nextLink(page);
    if (!link || taken >= options.limit) break;
    options.progress?.(
      seen < skip
        ? `Skipping to item ${skip + 1} of ${options.what}…`
        : `Fetched ${taken} of ${options.limit} ${options.what}…`,
    );
    const next = await getNextPage(client, link, `GET ${path} (next page)`);
    if (!next) {
      link = undefined;
      break;
    }
    page = next;
    context = page["@odata.context"] ?? context;
  }
  return { context, nextLink: link };
}
