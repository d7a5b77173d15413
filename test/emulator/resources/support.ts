/**
 * Helpers for the resource API tests: an emulator whose dev app holds admin consent for every role the
 * connectivity probes need (in the dev tenant only, so the P1 tenant is where permissions are missing), tokens
 * from its real token endpoints (v2 `scope=` and v1 `resource=`), and plain `fetch` calls.
 */
import { connectivityConsents } from "../../../src/emulator/resources/grants.ts";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../../src/emulator/well-known.ts";

export async function startResourceEmulator(): Promise<RunningEmulator> {
  return startEmulator({
    config: {
      consents: connectivityConsents(DEV_TENANT.id, DEV_APP.clientId),
    },
  });
}

/** A client-credentials token from the emulator's token endpoint: v2 with a scope, v1 with a resource. */
export async function appToken(
  emu: RunningEmulator,
  target: { scope: string } | { resource: string },
  tenant: string = DEV_TENANT.id,
): Promise<string> {
  const v2 = "scope" in target;
  const response = await fetch(`${emu.url}/${tenant}/oauth2/${v2 ? "v2.0/" : ""}token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: DEV_APP.clientId,
      client_secret: DEV_APP.secret,
      ...target,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token)
    throw new Error(`no token for ${JSON.stringify(target)}: ${body.error_description}`);
  return body.access_token;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}

export async function call(
  emu: RunningEmulator,
  path: string,
  bearer: string | undefined,
  init: { method?: string; body?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${emu.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}
