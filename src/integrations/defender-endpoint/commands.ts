/**
 * Defender for Endpoint commands over `/api/alerts` and `/api/machines`. They follow the reference
 * (filters as `field eq 'value'` joined with `and`, a list of host names as a DNF, context fields in
 * PascalCase) and fix it where it fell short: `limit` walks nextLinks instead of trusting one page, filter
 * quotes are escaped, comments map from the API's `comments` list, and ids that all fail are an error
 * naming the fix instead of an empty table.
 */
import { EntrakitError } from "../../errors.ts";
import type { Arguments } from "../../runtime/arguments.ts";
import { formatODataDate } from "../../runtime/dates.ts";
import { tableToMarkdown } from "../../runtime/render.ts";
import { type ApiClient, isHttpStatus } from "../api-client.ts";
import type { CommandHandler } from "../handler.ts";
import { odataQuery, odataString } from "../odata.ts";
import { walkPages } from "../paging.ts";
import {
  ALERT_COLUMNS,
  ALERT_FIELDS,
  ALERT_PREFIX,
  MACHINE_COLUMNS,
  MACHINE_DETAIL_COLUMNS,
  MACHINE_FIELDS,
  MACHINE_PREFIX,
  MAX_PAGE_SIZE,
  PREFIX,
  TITLE_NAME,
} from "./manifest.ts";

type Item = Record<string, unknown>;

const isEmpty = (value: unknown): boolean =>
  value === null ||
  value === undefined ||
  value === "" ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0);

/** The reference's `get_alert_data`: every field, present or not, in its order. */
export function alertData(alert: Item): Item {
  const data: Item = {};
  for (const [api, field] of ALERT_FIELDS) data[field] = alert[api] ?? null;
  const comments = Array.isArray(alert.comments) ? (alert.comments as Item[]) : [];
  data.Comments = comments.map((comment) => ({
    Comment: comment.comment ?? null,
    CreatedBy: comment.createdBy ?? null,
    CreatedTime: comment.createdTime ?? null,
  }));
  return data;
}

/** The reference's `get_machine_data`: empty values are left out (its `assign_params`). */
export function machineData(machine: Item): Item {
  const data: Item = {};
  for (const [api, field] of MACHINE_FIELDS) {
    if (!isEmpty(machine[api])) data[field] = machine[api];
  }
  return data;
}

/** `field eq 'value'` for each given value, joined with `and` (the reference's `reformat_filter`). */
export function andFilter(fields: ReadonlyArray<readonly [string, string | undefined]>): string {
  return fields
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined && entry[1] !== "")
    .map(([field, value]) => `${field} eq ${odataString(value)}`)
    .join(" and ");
}

/**
 * Several values of one field as a DNF: `(f eq 'a' and g eq 'x') or (f eq 'b' and g eq 'x')`, so each
 * alternative keeps the other conditions (the reference's `reformat_filter_with_list_arg`).
 */
export function anyOfFilter(
  field: string,
  values: readonly string[],
  others: ReadonlyArray<readonly [string, string | undefined]>,
): string {
  if (values.length <= 1) return andFilter([[field, values[0]], ...others]);
  return values.map((value) => `(${andFilter([[field, value], ...others])})`).join(" or ");
}

/** `['a', 'b']`: how the reference prints the id lists in its titles. */
function pythonList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(", ")}]`;
}

async function list(
  client: ApiClient,
  path: string,
  filter: string,
  limit: number,
  what: string,
  progress: ((message: string) => void) | undefined,
): Promise<{ items: Item[]; raw: Item }> {
  const query = odataQuery([
    ["$filter", filter],
    ["$top", Math.min(limit, MAX_PAGE_SIZE)],
  ]);
  let walk: Awaited<ReturnType<typeof walkPages>>;
  try {
    walk = await walkPages(client, path, query, { limit, what, ...(progress ? { progress } : {}) });
  } catch (error) {
    // Only the filter is ours to get wrong: say which values the API refused.
    if (isHttpStatus(error, 400)) {
      throw new EntrakitError(
        "usage",
        `Defender for Endpoint refused the ${what} filter: ${error.serviceMessage}`,
        {
          cause: error,
          hint: `Check the argument values; the filter sent was: ${filter}`,
        },
      );
    }
    throw error;
  }
  return {
    items: walk.items,
    raw: {
      "@odata.context": walk.context ?? null,
      value: walk.items,
      "@odata.nextLink": walk.nextLink ?? null,
    },
  };
}

const listAlerts: CommandHandler = async (args, { client, progress }) => {
  const limit = args.integer("limit") ?? 50;
  const created = args.date("creation_time");
  const equalities = andFilter([
    ["severity", args.string("severity")],
    ["status", args.string("status")],
    ["category", args.string("category")],
  ]);
  const since = created ? `alertCreationTime ge ${formatODataDate(created)}` : "";
  const filter = [equalities, since].filter(Boolean).join(" and ");
  const { items, raw } = await list(client, "/alerts", filter, limit, "alerts", progress);
  const alerts = items.map(alertData);
  return [
    {
      readable: tableToMarkdown(`${TITLE_NAME} alerts with limit of ${limit}:`, alerts, {
        headers: ALERT_COLUMNS,
        removeNull: true,
      }),
      outputs: { prefix: ALERT_PREFIX, key: "ID", data: alerts },
      raw,
    },
  ];
};

const getMachines: CommandHandler = async (args, { client, progress }) => {
  const limit = args.integer("limit") ?? 50;
  const hostnames = [...new Set(args.list("hostname") ?? [])];
  const filter = anyOfFilter("computerDnsName", hostnames, [
    ["lastIpAddress", args.string("ip")],
    ["riskScore", args.string("risk_score")],
    ["healthStatus", args.string("health_status")],
    ["osPlatform", args.string("os_platform")],
  ]);
  const { items, raw } = await list(client, "/machines", filter, limit, "machines", progress);
  const machines = items.map(machineData);
  return [
    {
      readable: tableToMarkdown(`${TITLE_NAME} Machines:`, machines, {
        headers: MACHINE_COLUMNS,
        removeNull: true,
      }),
      outputs: { prefix: MACHINE_PREFIX, key: "ID", data: machines },
      raw,
    },
  ];
};

interface Fetched {
  found: Item[];
  notFound: string[];
  failed: Array<{ id: string; error: unknown }>;
}

/** GETs each id; a 404 is noted, any other failure kept; when every id failed, the first error is thrown. */
async function getEach(
  client: ApiClient,
  path: string,
  ids: readonly string[],
  notFound: (ids: readonly string[]) => EntrakitError,
): Promise<Fetched> {
  const fetched: Fetched = { found: [], notFound: [], failed: [] };
  for (const id of ids) {
    try {
      fetched.found.push((await client.get(`${path}/${encodeURIComponent(id)}`)) as Item);
    } catch (error) {
      if (isHttpStatus(error, 404)) fetched.notFound.push(id);
      else fetched.failed.push({ id, error });
    }
  }
  if (fetched.found.length === 0) {
    if (fetched.failed.length > 0) throw fetched.failed[0]!.error;
    throw notFound(fetched.notFound);
  }
  return fetched;
}

/** What the reference appends under the table when some ids did not come back. */
function partialNote(fetched: Fetched): string {
  let note = "";
  if (fetched.failed.length > 0) {
    note += "\nNote: you don't see the following IDs in the results as the request was failed for them. \n";
    for (const { id, error } of fetched.failed) {
      note += `ID ${id} failed with the error: ${error instanceof Error ? error.message : String(error)} \n`;
    }
  }
  if (fetched.notFound.length > 0) {
    note += `\n You don't see the following IDs in the results as they were not found: ${pythonList(fetched.notFound)}.`;
  }
  return note;
}

function uniqueIds(args: Arguments, name: string): string[] {
  return [...new Set(args.list(name) ?? [])];
}

const getAlerts: CommandHandler = async (args, { client }) => {
  const ids = uniqueIds(args, "alert_ids");
  const fetched = await getEach(
    client,
    "/alerts",
    ids,
    (missing) =>
      new EntrakitError("not_found", `No alert with the ID ${missing.join(", ")} was found.`, {
        hint: `Check the IDs with !${PREFIX}-list-alerts.`,
      }),
  );
  const alerts = fetched.found.map(alertData);
  return [
    {
      readable:
        tableToMarkdown(`${TITLE_NAME} Alerts Info for IDs ${pythonList(ids)}:`, alerts, {
          headers: ALERT_COLUMNS,
          removeNull: true,
        }) + partialNote(fetched),
      outputs: { prefix: ALERT_PREFIX, key: "ID", data: alerts },
      raw: fetched.found,
    },
  ];
};

/** `1. | MAC : … | IP Addresses : a,b | Type : … | Status : …`, one line per MAC (the reference's table cell). */
export function ipAddressesText(addresses: unknown): string {
  if (!Array.isArray(addresses)) return "";
  const byMac = new Map<string, { ips: string[]; type: string; status: string }>();
  for (const entry of addresses as Item[]) {
    const mac = String(entry.macAddress ?? "");
    const known = byMac.get(mac);
    if (known) known.ips.push(String(entry.ipAddress ?? ""));
    else
      byMac.set(mac, {
        ips: [String(entry.ipAddress ?? "")],
        type: String(entry.type ?? ""),
        status: String(entry.operationalStatus ?? ""),
      });
  }
  const rows = [...byMac].map(([mac, entry], index) => [
    `${index + 1}.`,
    `MAC : ${mac}`,
    `IP Addresses : ${entry.ips.join(",")}`,
    `Type : ${entry.type}`,
    `Status : ${entry.status}`,
  ]);
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]!.length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")).join("\n");
}

const getMachineDetails: CommandHandler = async (args, { client }) => {
  const ids = uniqueIds(args, "machine_id");
  const fetched = await getEach(
    client,
    "/machines",
    ids,
    (missing) =>
      new EntrakitError("not_found", `No machine with the ID ${missing.join(", ")} was found.`, {
        hint: `Check the IDs with !${PREFIX}-get-machines.`,
      }),
  );
  const machines = fetched.found.map(machineData);
  const readableRows = machines.map((machine) => ({
    ...machine,
    IPAddresses: ipAddressesText(machine.IPAddresses),
  }));
  return [
    {
      readable:
        tableToMarkdown(`${TITLE_NAME} machines ${pythonList(ids)} details:`, readableRows, {
          headers: MACHINE_DETAIL_COLUMNS,
          removeNull: true,
        }) + partialNote(fetched),
      outputs: { prefix: MACHINE_PREFIX, key: "ID", data: machines },
      raw: fetched.found,
    },
  ];
};

export const handlers: Readonly<Record<string, CommandHandler>> = {
  "microsoft-atp-list-alerts": listAlerts,
  "microsoft-atp-get-alert-by-id": getAlerts,
  "microsoft-atp-get-machines": getMachines,
  "microsoft-atp-get-machine-details": getMachineDetails,
};
