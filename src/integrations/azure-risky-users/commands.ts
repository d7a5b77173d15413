/**
 * Azure Risky Users commands over Microsoft Graph v1.0 Identity Protection. Behaviour follows the
 * reference (spec azure-risky-users.md §3) where it is sound, and fixes it where the spec says it was
 * wrong: dates that do not parse are errors, filter quotes are escaped, detections pages walk nextLinks
 * instead of asking for `$top` over 500, a 400 on a last nextLink ends paging, 404 on a user is explained.
 */
import { EntrakitError } from "../../errors.ts";
import { nextLink } from "../../http/odata.ts";
import type { Arguments } from "../../runtime/arguments.ts";
import { formatODataDate, type UtcInstant } from "../../runtime/dates.ts";
import { PagedList, pagedField } from "../../runtime/paged-list.ts";
import { pascalToSpace, tableChunks, tableToMarkdown, withLazyReadable } from "../../runtime/render.ts";
import type { CommandOutputs, CommandResult } from "../../runtime/result.ts";
import { type ApiClient, isHttpStatus } from "../api-client.ts";
import type { CommandContext, CommandHandler } from "../handler.ts";
import { asPage, odataQuery } from "../odata.ts";
import { getNextPage, isLastPageBug, walkPages, walkPagesPaged } from "../paging.ts";
import { buildFilter } from "./filter.ts";
import {
  CONTEXT_ROOT,
  DETECTION_GET_COLUMNS,
  DETECTION_LIST_COLUMNS,
  DETECTION_PREFIX,
  HISTORY_COLUMNS,
  HISTORY_PREFIX,
  MAX_PAGE_SIZE,
  NEXT_TOKEN_FIELD,
  PREFIX,
  USER_COLUMNS,
  USER_PREFIX,
} from "./manifest.ts";

const USERS_PATH = "/identityProtection/riskyUsers";
const DETECTIONS_PATH = "/identityProtection/riskDetections";
const DEFAULT_LIMIT = 50;
/** Graph's documented maximum of user IDs per dismiss / confirm call. */
const MAX_USER_IDS_PER_CALL = 60;

type Item = Record<string, unknown>;

const USER_TABLE = { headers: USER_COLUMNS, headerTransform: pascalToSpace, removeNull: true } as const;
const userTable = (title: string, rows: unknown) => tableToMarkdown(title, rows, USER_TABLE);

/** `limit` as the reference reads it: absent or 0 means 50. */
function limitOf(args: Arguments): number {
  return args.integer("limit") || DEFAULT_LIMIT;
}

function odataDate(instant: UtcInstant | undefined): string | undefined {
  return instant === undefined ? undefined : formatODataDate(instant);
}

function pathSegment(id: string): string {
  // The reference pasted the id into the path as is; encoding keeps `/`, `?` or `#` in an id from
  // turning into a different request.
  return encodeURIComponent(id);
}

function notRiskyUser(id: string, cause: unknown): EntrakitError {
  return new EntrakitError("not_found", `User ${id} is not a risky user (or not found) in this tenant.`, {
    cause,
    hint: `Users who were never at risk are not in Identity Protection; check the id with !${PREFIX}-list.`,
  });
}

async function getUserOrExplain(client: ApiClient, path: string, id: string): Promise<unknown> {
  try {
    return await client.get(path);
  } catch (error) {
    if (isHttpStatus(error, 404)) throw notRiskyUser(id, error);
    throw error;
  }
}

function nextTokenResult(link: string): CommandResult {
  const data = { [NEXT_TOKEN_FIELD]: link };
  return {
    readable: tableToMarkdown(
      "Risky Users List Token:",
      { next_token: link },
      { headers: ["next_token"], removeNull: true },
    ),
    outputs: { prefix: CONTEXT_ROOT, data },
    raw: data,
  };
}

const listUsers: CommandHandler = async (args, { client, progress }) => {
  const page = args.integer("page");
  if (page) {
    throw new EntrakitError(
      "usage",
      "Page argument is deprecated, please use next_token and page_size instead.",
    );
  }
  const limit = limitOf(args);
  const nextToken = args.string("next_token");
  const pageSize = args.integer("page_size");
  const filter = buildFilter({
    riskState: args.string("risk_state"),
    riskLevel: args.string("risk_level"),
    updatedBefore: odataDate(args.date("updated_before")),
    updatedAfter: odataDate(args.date("updated_after")),
  });
  const orderBy = args.string("order_by");

  let raw: Item;
  let users: Item[] | PagedList;
  if (nextToken !== undefined) {
    // The link already carries the filter, order and page size of the call that produced it. When
    // Graph's last-page bug leaves nothing to read, the previous page was the last one.
    raw = (await getNextPage(client, nextToken, "the next_token page", isLastPageBug)) ?? { value: [] };
    users = raw.value as Item[];
  } else if (pageSize !== undefined) {
    const query = odataQuery([
      ["$top", pageSize],
      ["$orderby", orderBy],
      ["$filter", filter],
    ]);
    raw = asPage(await client.get(USERS_PATH, query), `GET ${USERS_PATH}`);
    users = raw.value as Item[];
  } else {
    const query = odataQuery([
      ["$top", Math.min(limit, MAX_PAGE_SIZE)],
      ["$orderby", orderBy],
      ["$filter", filter],
    ]);
    // Up to 100,000 users: kept as the pages' JSON text, parsed a page at a time by whatever shows,
    // writes or merges them (runtime/paged-list.ts).
    const walk = await walkPagesPaged(client, USERS_PATH, query, {
      limit,
      what: "risky users",
      ...(progress ? { progress } : {}),
    });
    users = walk.items;
    // The reference's synthetic raw response: exactly these three keys, in this order.
    raw = pagedField({} as Item, "value", walk.items);
    raw["@odata.context"] = walk.context ?? null;
    raw["@odata.nextLink"] = walk.nextLink ?? null;
  }

  const outputs =
    users instanceof PagedList
      ? pagedField({ prefix: USER_PREFIX, key: "id" } as CommandOutputs, "data", users)
      : { prefix: USER_PREFIX, key: "id", data: users };
  const results: CommandResult[] = [
    // The markdown is rendered when shown, piece by piece where the CLI streams it.
    withLazyReadable({ outputs, raw }, () => tableChunks("Risky Users List:", users, USER_TABLE)),
  ];
  const link = nextLink(raw);
  if (link && (nextToken !== undefined || pageSize !== undefined)) results.push(nextTokenResult(link));
  return results;
};

const getUser: CommandHandler = async (args, { client }) => {
  const id = args.string("id")!;
  const user = (await getUserOrExplain(client, `${USERS_PATH}/${pathSegment(id)}`, id)) as Item;
  return [
    {
      readable: userTable(`Found Risky User With ID: ${String(user.id ?? id)}`, user),
      outputs: { prefix: USER_PREFIX, key: "id", data: user },
      raw: user,
    },
  ];
};

function detectionsTitle(args: Arguments): string {
  return `Risk Detections List\nCurrent page size: ${args.raw.limit ?? DEFAULT_LIMIT}\nShowing page ${args.raw.page ?? 1} out others that may exist`;
}

const listDetections: CommandHandler = async (args, { client, progress }) => {
  const limit = limitOf(args);
  const page = args.integer("page") ?? 1;
  const filter = buildFilter({
    riskState: args.string("risk_state"),
    riskLevel: args.string("risk_level"),
    detectedBefore: odataDate(args.date("detected_date_time_before")),
    detectedAfter: odataDate(args.date("detected_date_time_after")),
  });
  const query = odataQuery([
    ["$top", Math.min(limit, MAX_PAGE_SIZE)],
    ["$orderby", args.string("order_by")],
    ["$filter", filter],
  ]);
  const title = detectionsTitle(args);

  let detections: Item[];
  let raw: Item;
  if (page === 1 && limit <= MAX_PAGE_SIZE) {
    raw = asPage(await client.get(DETECTIONS_PATH, query), `GET ${DETECTIONS_PATH}`);
    detections = raw.value as Item[];
  } else {
    // Walk nextLinks past the earlier pages: never a `$top` above Graph's 500.
    const walk = await walkPages(client, DETECTIONS_PATH, query, {
      limit,
      skip: limit * (page - 1),
      what: "risk detections",
      ...(progress ? { progress } : {}),
    });
    if (walk.items.length === 0 && page > 1) {
      return [{ readable: title, outputs: { prefix: DETECTION_PREFIX, key: "id", data: [] }, raw: [] }];
    }
    detections = walk.items;
    raw = {
      value: detections,
      "@odata.context": walk.context ?? null,
      "@odata.nextLink": walk.nextLink ?? null,
    };
  }
  return [
    {
      readable: tableToMarkdown(title, detections, {
        headers: DETECTION_LIST_COLUMNS,
        headerTransform: pascalToSpace,
      }),
      outputs: { prefix: DETECTION_PREFIX, key: "id", data: detections },
      raw,
    },
  ];
};

const getDetection: CommandHandler = async (args, { client }) => {
  const id = args.string("id")!;
  let detection: Item;
  try {
    detection = (await client.get(`${DETECTIONS_PATH}/${pathSegment(id)}`)) as Item;
  } catch (error) {
    if (isHttpStatus(error, 404)) {
      throw new EntrakitError("not_found", `Risk detection ${id} was not found in this tenant.`, {
        cause: error,
        hint: `Check the id with !${PREFIX}-risk-detections-list.`,
      });
    }
    throw error;
  }
  return [
    {
      readable: tableToMarkdown(`Found Risk Detection with ID: ${String(detection.id ?? id)}`, detection, {
        headers: DETECTION_GET_COLUMNS,
        headerTransform: pascalToSpace,
      }),
      outputs: { prefix: DETECTION_PREFIX, key: "id", data: detection },
      raw: detection,
    },
  ];
};

const listHistory: CommandHandler = async (args, { client, progress }) => {
  const id = args.string("id")!;
  const limit = limitOf(args);
  const path = `${USERS_PATH}/${pathSegment(id)}/history`;
  let walk: Awaited<ReturnType<typeof walkPages>>;
  try {
    walk = await walkPages(client, path, odataQuery([["$top", Math.min(limit, MAX_PAGE_SIZE)]]), {
      limit,
      what: "history items",
      ...(progress ? { progress } : {}),
    });
  } catch (error) {
    if (isHttpStatus(error, 404)) throw notRiskyUser(id, error);
    throw error;
  }
  const items = walk.items;
  return [
    {
      readable: tableToMarkdown(`Risky User History For ID: ${id}`, items, {
        headers: HISTORY_COLUMNS,
        headerTransform: pascalToSpace,
        removeNull: true,
      }),
      outputs: { prefix: HISTORY_PREFIX, key: "id", data: items },
      raw: { value: items, "@odata.context": walk.context ?? null, "@odata.nextLink": walk.nextLink ?? null },
    },
  ];
};

/** The write actions: Graph action name and the success line's verb. */
const ACTIONS = {
  confirmCompromised: "Confirmed as compromised",
  confirmSafe: "Confirmed as safe",
  dismiss: "Dismissed the risk",
} as const;

function userAction(action: keyof typeof ACTIONS): CommandHandler {
  return async (args, { client }: CommandContext) => {
    const ids = [...new Set(args.list("user_ids")!)];
    for (let start = 0; start < ids.length; start += MAX_USER_IDS_PER_CALL) {
      await client.post(`${USERS_PATH}/${action}`, {
        userIds: ids.slice(start, start + MAX_USER_IDS_PER_CALL),
      });
    }
    const count = ids.length === 1 ? "1 user" : `${ids.length} users`;
    return [{ readable: `✅ ${ACTIONS[action]} (${count}): ${ids.join(", ")}.` }];
  };
}

export const handlers: Readonly<Record<string, CommandHandler>> = {
  "azure-risky-users-list": listUsers,
  "azure-risky-user-get": getUser,
  "azure-risky-users-risk-detections-list": listDetections,
  "azure-risky-users-risk-detection-get": getDetection,
  "azure-risky-user-history-list": listHistory,
  "azure-risky-users-confirm-compromise": userAction("confirmCompromised"),
  "azure-risky-users-confirm-safe": userAction("confirmSafe"),
  "azure-risky-users-dismiss": userAction("dismiss"),
};
