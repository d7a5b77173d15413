/**
 * The emulator side of the Defender for Endpoint tests: an emulator with seeded Defender data and a
 * small page size (so nextLinks appear), the dev app granted Alert.Read.All and Machine.Read.All in the
 * Contoso tenant but only Alert.Read.All in Fabrikam (for 403s), and app tokens from its token endpoint.
 */
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_TENANT_P1 } from "../../../src/emulator/well-known.ts";

export const ANCHOR = "2026-01-15T00:00:00Z";
export const ANCHOR_MS = Date.parse(ANCHOR);
/** The page size the emulator cuts lists at in these tests. */
export const PAGE_SIZE = 7;
export const ALERTS = 60;
export const MACHINES = 25;
export const DEFENDER_RESOURCE = "https://api.securitycenter.microsoft.com";

export async function startDefenderEmulator(extra: Record<string, unknown> = {}): Promise<RunningEmulator> {
  return startEmulator({
    config: {
      defenderEndpoint: {
        seed: 7,
        alerts: ALERTS,
        machines: MACHINES,
        anchor: ANCHOR,
        maxPageSize: PAGE_SIZE,
      },
      consents: [
        {
          tenant: DEV_TENANT.id,
          clientId: DEV_APP.clientId,
          resource: DEFENDER_RESOURCE,
          applicationPermissions: ["Alert.Read.All", "Machine.Read.All"],
        },
        {
          tenant: DEV_TENANT_P1.id,
          clientId: DEV_APP.clientId,
          resource: DEFENDER_RESOURCE,
          applicationPermissions: ["Alert.Read.All"],
        },
      ],
      ...extra,
    },
  });
}

/** A client-credentials token from the emulator for a scope (Defender's by default). */
export async function appToken(
  emu: RunningEmulator,
  tenantId: string,
  scope = "https://securitycenter.onmicrosoft.com/windowsatpservice/.default",
): Promise<string> {
  const response = await fetch(`${emu.url}/${tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: DEV_APP.clientId,
      client_secret: DEV_APP.secret,
      scope,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token)
    throw new Error(`token endpoint answered ${response.status}: ${body.error_description}`);
  return body.access_token;
}
