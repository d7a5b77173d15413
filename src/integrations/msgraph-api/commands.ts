/**
 * `msgraph-api-request`: any Microsoft Graph call, as the reference makes it (`{api_version}/{resource}`
 * plus `?{odata}`, a JSON body, the response's `value` or object in the `MicrosoftGraph` context, "no
 * content" for an empty answer), with two additions: `limit` follows `@odata.nextLink` through a
 * collection, and Graph's refusals come back as one line with Graph's own message and what to check.
 */
import { EntrakitError } from "../../errors.ts";
import { nextLink } from "../../http/odata.ts";
import { tableToMarkdown } from "../../runtime/render.ts";
import { type ApiClient, type ApiMethod, isHttpStatus } from "../api-client.ts";
import type { CommandHandler } from "../handler.ts";
import { getNextPage } from "../paging.ts";
import { CONTEXT_ROOT, NO_CONTENT, PREFIX } from "./manifest.ts";

type Item = Record<string, unknown>;

/** The JSON body, or a usage error quoting the parser (never the body: it may hold a secret). */
export function parseRequestBody(text: string | undefined): unknown {
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EntrakitError("usage", `Invalid request body - ${(error as Error).message}`, {
      hint: `Give request_body as JSON in single quotes, e.g. request_body='{"displayName": "Sales"}'.`,
    });
  }
}

/**
 * `/../{version}/{resource}?{odata}`, relative to the profile's Graph base (`<graph host>/v1.0`): the `..`
 * replaces the base's version segment, so `api_version` picks v1.0 or beta on any cloud's host (URLs
 * resolve dot segments before the request is sent).
 */
export function requestPath(version: string, resource: string, odata: string | undefined): string {
  if (/^https?:\/\//i.test(resource.trim())) {
    throw new EntrakitError("usage", "resource is a path under the Graph version, not a whole URL.", {
      hint: "Give the part after /v1.0 or /beta, e.g. resource=/users/{id}; the host comes from the instance's cloud.",
    });
  }
  const query = (odata ?? "").trim().replace(/^\?/, "");
  return `/../${version}/${resource.trim().replace(/^\/+/, "")}${query ? `?${query}` : ""}`;
}

/** The path as Graph sees it, for messages: `/beta/users`. */
const shownPath = (path: string): string => path.replace(/^\/\.\./, "").split("?")[0]!;

/** What goes into the context: the collection's items, or the object without its metadata link. */
export function responseOutputs(response: Item): unknown {
  if ("value" in response) return response.value;
  const { "@odata.context": _context, ...rest } = response;
  return rest;
}

/** Rows for the readable table: plain values (a list of ids, a count) become a `value` column. */
export function tableRows(data: unknown): unknown {
  const plain = (item: unknown) => typeof item !== "object" || item === null || Array.isArray(item);
  if (Array.isArray(data)) return data.map((item) => (plain(item) ? { value: item } : item));
  return plain(data) ? { value: data } : data;
}

const isEmptyResponse = (response: unknown): boolean =>
  response === undefined ||
  response === null ||
  response === "" ||
  (typeof response === "object" && Object.keys(response as object).length === 0);

/** The first page plus nextLinks until `limit` items; the link after the last page read stays. */
async function collect(
  client: ApiClient,
  first: Item,
  limit: number,
  progress: ((message: string) => void) | undefined,
): Promise<Item> {
  if (!Array.isArray(first.value)) return first;
  const items = (first.value as Item[]).slice(0, limit);
  let link = nextLink(first);
  while (link && items.length < limit) {
    progress?.(`Fetched ${items.length} of ${limit} items…`);
    const page = await getNextPage(client, link, "the next Graph page");
    if (!page) {
      link = undefined;
      break;
    }
    items.push(...page.value.slice(0, limit - items.length));
    link = nextLink(page);
  }
  const { "@odata.nextLink": _link, ...rest } = first;
  return { ...rest, value: items, ...(link ? { "@odata.nextLink": link } : {}) };
}

const HINTS: Readonly<Record<number, string>> = {
  400: "Check resource, odata and request_body against the Graph reference for this call.",
  403: `Grant the permission the Graph reference names for this call (with admin consent) and assign any licence the message names, then run !${PREFIX}-auth-reset.`,
  404: "Check the resource path and ids; some resources exist only in api_version=beta.",
  405: "This resource does not accept that http_method; see the Graph reference.",
  409: "The object already exists or changed meanwhile; read it again and retry.",
};

/** Graph's refusal as one line with its own message (401 and 429 are explained by dispatch). */
function graphRefusal(error: unknown, method: string, path: string): unknown {
  if (!isHttpStatus(error) || error.status === 401 || error.status === 429) return error;
  const code = error.serviceCode ? ` ${error.serviceCode}` : "";
  const said = error.serviceMessage ? `: ${error.serviceMessage}` : ".";
  const kind = error.status === 404 ? "not_found" : error.status === 403 ? "permission_denied" : "usage";
  return new EntrakitError(
    kind,
    `Microsoft Graph answered ${method} ${shownPath(path)} with ${error.status}${code}${said}`,
    {
      cause: error,
      hint: HINTS[error.status] ?? "See the Graph reference for this call.",
    },
  );
}

const request: CommandHandler = async (args, { client, progress }) => {
  const method = (args.string("http_method") ?? "GET") as ApiMethod;
  const path = requestPath(
    args.string("api_version") ?? "v1.0",
    args.string("resource")!,
    args.string("odata"),
  );
  const body = parseRequestBody(args.string("request_body"));
  const limit = args.integer("limit");
  let response: unknown;
  try {
    response = await client.send(method, path, body);
    if (limit !== undefined && method === "GET" && response && typeof response === "object") {
      response = await collect(client, response as Item, limit, progress);
    }
  } catch (error) {
    throw graphRefusal(error, method, path);
  }
  if (isEmptyResponse(response)) return [{ readable: NO_CONTENT }];
  if (typeof response !== "object" || response === null)
    return [{ readable: String(response), raw: response }];
  const data = responseOutputs(response as Item);
  const readable = tableToMarkdown(`${method} ${shownPath(path)}`, tableRows(data));
  if (args.boolean("populate_context") === false) return [{ readable, raw: response }];
  return [{ readable, outputs: { prefix: CONTEXT_ROOT, data }, raw: response }];
};

export const handlers: Readonly<Record<string, CommandHandler>> = { "msgraph-api-request": request };
