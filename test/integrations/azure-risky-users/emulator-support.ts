/**
 * The emulator side of the Azure Risky Users end-to-end tests: a seeded emulator, app tokens from its
 * token endpoint (client credentials with the documented dev app), and a fetch client per token.
 */
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP } from "../../../src/emulator/well-known.ts";
import { fetchApiClient, type RecordingClient } from "../fetch-client.ts";

/** The data window ends here; relative dates in the tests resolve against it. */
export const ANCHOR = "2026-01-15T00:00:00Z";
export const ANCHOR_MS = Date.parse(ANCHOR);

export async function startRiskyUsersEmulator(graph: Record<string, unknown> = {}): Promise<RunningEmulator> {
  return startEmulator({
    config: {
      graph: { seed: 42, riskyUsers: 1000, detections: 300, anchor: ANCHOR, lastPageQuirk: true, ...graph },
    },
  });
}

/** A client-credentials token for Graph, from the emulator's token endpoint. */
export async function appToken(emu: RunningEmulator, tenantId: string): Promise<string> {
  const response = await fetch(`${emu.url}/${tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: DEV_APP.clientId,
      client_secret: DEV_APP.secret,
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`token endpoint answered ${response.status} ${body.error ?? ""}`);
  return body.access_token;
}

export function graphClient(emu: RunningEmulator, token: string): RecordingClient {
  return fetchApiClient(`${emu.url}/v1.0`, async () => token);
}
