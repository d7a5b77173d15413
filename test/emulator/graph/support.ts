/**
 * Helpers for the Graph emulator tests: start an emulator with a Graph config, issue tokens through the
 * emulator's own token service (app or delegated, any roles), and call Graph over real HTTP.
 */
import type { UserRecord } from "../../../src/emulator/contracts.ts";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, GRAPH_APP_ID } from "../../../src/emulator/well-known.ts";

export const FIXTURES_DIR = new URL("../../fixtures/graph-examples/", import.meta.url).pathname;

/** Every Identity Protection and directory read/write permission the Graph module checks. */
export const ALL_ROLES = [
  "IdentityRiskyUser.ReadWrite.All",
  "IdentityRiskEvent.Read.All",
  "User.Read.All",
  "Directory.Read.All",
];

export async function startGraphEmulator(
  graph: Record<string, unknown> = {},
  options: { tls?: boolean } = {},
): Promise<RunningEmulator> {
  return startEmulator({ ...options, config: { graph: { lastPageQuirk: false, ...graph } } });
}

export interface TokenOptions {
  tenantId?: string;
  roles?: string[];
  /** A delegated token for this user with these scopes, instead of an app token. */
  user?: UserRecord;
  scopes?: string[];
  resource?: string;
  lifetimeSeconds?: number;
}

export async function token(emu: RunningEmulator, options: TokenOptions = {}): Promise<string> {
  const resource = emu.core.directory.resourceApi(options.resource ?? GRAPH_APP_ID)!;
  const issued = await emu.core.tokens.issueAccessToken({
    tenantId: options.tenantId ?? DEV_TENANT.id,
    resource,
    clientId: DEV_APP.clientId,
    subject: options.user
      ? { kind: "user", user: options.user }
      : { kind: "app", servicePrincipalId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9" },
    roles: options.user ? undefined : (options.roles ?? ALL_ROLES),
    scopes: options.user ? (options.scopes ?? []) : undefined,
    version: 1,
    lifetimeSeconds: options.lifetimeSeconds,
  });
  return issued.token;
}

export const APP_OBJECT_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";

export interface GraphResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function graph(
  emu: RunningEmulator,
  pathOrUrl: string,
  bearer: string | undefined,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<GraphResult> {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${emu.url}${pathOrUrl}`;
  const headers: Record<string, string> = { ...init.headers };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === "string"
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  if (text) body = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body, text };
}

export async function adminPost(
  emu: RunningEmulator,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${emu.httpUrl}/_emulator/graph/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`admin ${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

export function values(result: GraphResult): Record<string, unknown>[] {
  return result.body.value as Record<string, unknown>[];
}

/** Walks every nextLink from `path`, returning all items and the number of pages. */
export async function walk(
  emu: RunningEmulator,
  path: string,
  bearer: string,
): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const result = await graph(emu, next, bearer);
    if (result.status !== 200) throw new Error(`page ${pages + 1} answered ${result.status}: ${result.text}`);
    items.push(...values(result));
    pages += 1;
    next = result.body["@odata.nextLink"] as string | undefined;
  }
  return { items, pages };
}
