import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_TENANT, DEV_VM } from "../../../src/emulator/well-known.ts";
import { call } from "./support.ts";

/** A token from the emulator's IMDS endpoint for the VM's system-assigned identity. */
async function imdsToken(emu: RunningEmulator, resource: string): Promise<string> {
  const url = `${emu.httpUrl}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(resource)}`;
  const response = await fetch(url, { headers: { Metadata: "true" } });
  const body = (await response.json()) as { access_token?: string };
  assert.ok(body.access_token, `IMDS token for ${resource}`);
  return body.access_token;
}

describe("managed identity tokens at the resource APIs", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator({
      config: {
        managedIdentities: [
          {
            kind: "system",
            tenant: DEV_TENANT.id,
            clientId: "2c4e6a80-1b3d-4f57-9a1c-3e5f7b9d1f20",
            objectId: "7e9f1a3c-5b7d-4e9f-8a1b-2c3d4e5f6a7b",
            vm: "vm-logs",
            roles: { "https://api.loganalytics.io": ["Data.Read"] },
          },
        ],
      },
    });
  });
  after(() => emu.close());

  it("lets the VM's identity read its tenant's subscription and a vault (Azure RBAC)", async () => {
    const arm = await imdsToken(emu, "https://management.azure.com/");
    const subscriptions = await call(emu, "/management.azure.com/subscriptions?api-version=2020-01-01", arm);
    assert.equal(subscriptions.status, 200, subscriptions.text);
    const [subscription] = subscriptions.json().value as Array<{ subscriptionId: string }>;
    assert.equal(subscription!.subscriptionId, DEV_VM.subscriptionId);
    const vault = await imdsToken(emu, "https://vault.azure.net");
    const secrets = await call(emu, "/entrakit-dev.vault.azure.net/secrets?api-version=7.4", vault);
    assert.equal(secrets.status, 200, secrets.text);
  });

  it("needs the identity's granted app role where the API checks roles", async () => {
    const query = "/api.loganalytics.io/v1/workspaces/ws-1/query?query=Usage";
    const devVm = await imdsToken(emu, "https://api.loganalytics.io");
    const denied = await call(emu, query, devVm);
    assert.equal(denied.status, 403);
    assert.match((denied.json().error as { message: string }).message, /Data\.Read/);
    const logsVm = await fetch(
      `${emu.httpUrl}/vm/vm-logs/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent("https://api.loganalytics.io")}`,
      { headers: { Metadata: "true" } },
    );
    const token = ((await logsVm.json()) as { access_token: string }).access_token;
    const allowed = await call(emu, query, token);
    assert.equal(allowed.status, 200, allowed.text);
  });
});
