/**
 * Walks an OData collection through its nextLinks, keeping only the items of one window
 * [skip, skip + limit). Pages are dropped as soon as their items are copied, so a 100,000-item walk
 * holds the window once, never the pages beside it.
 */
import { type ApiClient, isApiError, type Query } from "./api-client.ts";
import { asPage, nextLinkOf } from "./odata.ts";

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
  /** Requests made. */
  requests: number;
  /** The first page's body, untouched (some commands return it as their raw response). */
  firstPage: Record<string, unknown>;
}

/**
 * Graph answers 400 with an empty message when a nextLink points just past the last item (docs issues
 * #16332, #2329). A nextLink the service itself handed out cannot be a bad request of ours, so a 400 on
 * one means there is nothing more.
 */
export function isEndOfDataOnNextLink(error: unknown): boolean {
  return isApiError(error) && error.status === 400;
}

export async function walkPages(
  client: ApiClient,
  path: string,
  query: Query,
  options: WalkOptions,
): Promise<WalkResult> {
  const skip = options.skip ?? 0;
  const items: Record<string, unknown>[] = [];
  let seen = 0;
  let requests = 1;
  let page = asPage(await client.get(path, query), `GET ${path}`);
  const firstPage = page;
  let context = page["@odata.context"];
  let link: string | undefined;
  for (;;) {
    for (const item of page.value) {
      if (seen++ < skip) continue;
      if (items.length >= options.limit) break;
      items.push(item);
    }
    link = nextLinkOf(page);
    if (!link || items.length >= options.limit) break;
    options.progress?.(
      seen < skip
        ? `Skipping to item ${skip + 1} of ${options.what}…`
        : `Fetched ${items.length} of ${options.limit} ${options.what}…`,
    );
    try {
      page = asPage(await client.get(link), `GET ${path} (next page)`);
      requests++;
    } catch (error) {
      if (!isEndOfDataOnNextLink(error)) throw error;
      requests++;
      link = undefined;
      break;
    }
    context = page["@odata.context"] ?? context;
  }
  return { items, context, nextLink: link, requests, firstPage };
}
