import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startEmulator } from "../../src/emulator/server.ts";
import { DEV_TENANT } from "../../src/emulator/well-known.ts";
import { isEntrakitError } from "../../src/errors.ts";
import { makeCertificate } from "./identity/helpers.ts";

const TENANT = "4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d7e";
const APP = "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b";

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isEntrakitError(error), String(error));
    assert.equal(error.code, "configuration");
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), "one line");
    return true;
  });
}

describe("emulator config files", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "entrakit-config-test-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("loads a YAML config: tenant, user, app with secret and certificate, consent, identity, fault", async () => {
    const cert = await makeCertificate();
    const indented = cert.certificatePem
      .trim()
      .split("\n")
      .map((l) => `          ${l}`)
      .join("\n");
    const path = join(dir, "emulator.yaml");
    await writeFile(
      path,
      `tenants:
  - id: ${TENANT}
    domain: tailspin.onmicrosoft.com
    licences: { entraIdP1: true, entraIdP2: true }
users:
  - tenant: tailspin.onmicrosoft.com
    userPrincipalName: carol@tailspin.onmicrosoft.com
    password: dev-password-carol
    directoryRoles: [Security Reader]
apps:
  - clientId: ${APP}
    displayName: Tailspin SOAR
    homeTenant: tailspin.onmicrosoft.com
    secrets:
      - value: tailspin-secret
        expiresAt: "2099-01-01T00:00:00Z"
    certificates:
      - pem: |
${indented}
    applicationPermissions:
      - { resource: "https://graph.microsoft.com", value: User.Read.All }
consents:
  - tenant: ${TENANT}
    clientId: ${APP}
    resource: https://graph.microsoft.com
    applicationPermissions: [User.Read.All]
managedIdentities:
  - kind: user
    tenant: ${TENANT}
    clientId: 6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f
    objectId: 7d8e9f0a-1b2c-4d3e-9f4a-5b6c7d8e9f0a
    resourceId: /subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/tailspin
faults:
  - { method: GET, path: /fault-me, status: 418, body: teapot }
graph:
  seed: 42
`,
    );
    const emu = await startEmulator({ config: path });
    try {
      const snapshot = emu.admin.directory();
      const app = snapshot.apps.find((a) => a.clientId === APP) as {
        certificates: { thumbprintSha1: string; thumbprintSha256: string }[];
      };
      assert.equal(app.certificates[0]!.thumbprintSha1, cert.sha1.toString("hex").toUpperCase());
      assert.equal(app.certificates[0]!.thumbprintSha256, cert.sha256.toString("hex").toUpperCase());
      assert.equal(
        snapshot.users.find((u) => u.userPrincipalName === "carol@tailspin.onmicrosoft.com")!.tenantId,
        TENANT,
      );
      assert.ok(snapshot.managedIdentities.some((m) => m.tenantId === TENANT));
      assert.equal(emu.config.graph && (emu.config.graph as { seed: number }).seed, 42);
      const res = await fetch(`${emu.url}/${TENANT}/oauth2/v2.0/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: APP,
          client_secret: "tailspin-secret",
          scope: "https://graph.microsoft.com/.default",
        }),
      });
      assert.equal(res.status, 200);
      const fault = await fetch(`${emu.url}/fault-me`);
      assert.equal(fault.status, 418);
      assert.equal(await fault.text(), "teapot");
      // The well-known directory is still there.
      assert.ok(emu.core.directory.tenant(DEV_TENANT.id));
    } finally {
      await emu.close();
    }
  });

  it("loads JSON, and seedDefaults: false leaves only what the file declares", async () => {
    const path = join(dir, "only.json");
    await writeFile(
      path,
      JSON.stringify({ seedDefaults: false, tenants: [{ id: TENANT, domain: "tailspin.onmicrosoft.com" }] }),
    );
    const emu = await startEmulator({ config: path });
    try {
      assert.deepEqual(
        emu.core.directory.tenants().map((t) => t.id),
        [TENANT],
      );
    } finally {
      await emu.close();
    }
  });

  it("fails with one clear line for a missing file, bad YAML, bad JSON, a bad field and a dangling reference", async () => {
    await rejectsWith(
      startEmulator({ config: join(dir, "missing.yaml") }),
      /Cannot read the emulator config .*missing\.yaml/,
    );
    await writeFile(join(dir, "bad.yaml"), "tenants: [\n  - id: {");
    await rejectsWith(startEmulator({ config: join(dir, "bad.yaml") }), /is not valid YAML/);
    await writeFile(join(dir, "bad.json"), "{ nope");
    await rejectsWith(startEmulator({ config: join(dir, "bad.json") }), /is not valid JSON/);
    await rejectsWith(
      startEmulator({
        config: { apps: [{ clientId: APP, displayName: "x", homeTenant: "t", redirectUris: ["not a url"] }] },
      }),
      /apps\.0\.redirectUris\.0/,
    );
    await rejectsWith(
      startEmulator({
        config: { users: [{ tenant: "nowhere.onmicrosoft.com", userPrincipalName: "a@b.c", password: "p" }] },
      }),
      /unknown tenant "nowhere\.onmicrosoft\.com"/,
    );
    await rejectsWith(
      startEmulator({
        config: {
          apps: [
            {
              clientId: APP,
              displayName: "x",
              homeTenant: DEV_TENANT.id,
              applicationPermissions: [{ resource: "https://nothing.example", value: "X" }],
            },
          ],
        },
      }),
      /unknown resource API "https:\/\/nothing\.example"/,
    );
    await rejectsWith(
      startEmulator({
        config: {
          apps: [
            {
              clientId: APP,
              displayName: "x",
              homeTenant: DEV_TENANT.id,
              certificates: [{ pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" }],
            },
          ],
        },
      }),
      /not a valid PEM certificate/,
    );
    await rejectsWith(
      startEmulator({ config: { identity: { deviceCodeIntervalSeconds: 0 } } }),
      /identity\.deviceCodeIntervalSeconds/,
    );
  });

  it("identity options shorten the device code interval", async () => {
    const emu = await startEmulator({ config: { identity: { deviceCodeIntervalSeconds: 1 } } });
    try {
      const res = await fetch(`${emu.url}/organizations/oauth2/v2.0/devicecode`, {
        method: "POST",
        body: new URLSearchParams({ client_id: "5f2d8c41-9e7b-4a36-8d1f-2b6c0e9a7d58", scope: "openid" }),
      });
      assert.equal(((await res.json()) as { interval: number }).interval, 1);
    } finally {
      await emu.close();
    }
  });
});
