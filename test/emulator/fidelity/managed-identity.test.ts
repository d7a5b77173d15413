/**
 * Microsoft's own managed identity clients against the emulator, configured as on a real host:
 * @azure/identity's ManagedIdentityCredential and msal-node's ManagedIdentityApplication find IMDS through
 * AZURE_POD_IDENTITY_AUTHORITY_HOST (the documented IMDS host override both honour), App Service through
 * IDENTITY_ENDPOINT + IDENTITY_HEADER, Cloud Shell through MSI_ENDPOINT. Every token verifies with jose
 * against the emulator's JWKS over HTTPS; injected 429/500/404 faults are retried by the libraries.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ManagedIdentityCredential } from "@azure/identity";
import { ManagedIdentityApplication } from "@azure/msal-node";
import { DEV_SYSTEM_IDENTITY, DEV_TENANT, DEV_USER_IDENTITY } from "../../../src/emulator/well-known.ts";
import {
  adminGet,
  adminPost,
  baseOf,
  type Emulator,
  startTrustedEmulator,
  verifyWithJwks,
} from "./support.ts";

const run = promisify(execFile);
const IMDS_PATH = "/metadata/identity/oauth2/token";
/** msal-node appends a slash to the IMDS path when the host comes from AZURE_POD_IDENTITY_AUTHORITY_HOST. */
const IMDS_FAULT_PATH = `${IMDS_PATH}**`;
/** Variables through which the libraries detect a managed identity source; the tests set them explicitly. */
const SOURCE_VARIABLES = [
  "AZURE_POD_IDENTITY_AUTHORITY_HOST",
  "IDENTITY_ENDPOINT",
  "IDENTITY_HEADER",
  "IDENTITY_SERVER_THUMBPRINT",
  "IMDS_ENDPOINT",
  "MSI_ENDPOINT",
  "MSI_SECRET",
  "AZURE_CLIENT_ID",
  "AZURE_TENANT_ID",
  "AZURE_FEDERATED_TOKEN_FILE",
];

let emulator: Emulator;
let base: string;

before(async () => {
  emulator = await startTrustedEmulator();
  base = baseOf(emulator);
  for (const name of SOURCE_VARIABLES) delete process.env[name];
  // IMDS is plain HTTP in Azure; the emulator's loopback HTTP listener plays 169.254.169.254.
  const env = (await adminGet(emulator.httpUrl, "managed-identity/env?source=imds")) as Record<
    string,
    string
  >;
  assert.equal(env.AZURE_POD_IDENTITY_AUTHORITY_HOST, emulator.httpUrl);
  Object.assign(process.env, env);
});
after(async () => {
  await emulator.close();
});

async function imdsRequests(): Promise<number> {
  const log = (await adminGet(base, `requests?path=${encodeURIComponent(IMDS_PATH)}`)) as {
    requests: unknown[];
  };
  return log.requests.length;
}

async function verifyManagedIdentityToken(token: string, audience: string, objectId: string): Promise<void> {
  const claims = await verifyWithJwks(base, token, { tenantId: DEV_TENANT.id, audience, version: 1 });
  assert.equal(claims.oid, objectId);
  assert.equal(claims.tid, DEV_TENANT.id);
  assert.equal(claims.idtyp, "app");
}

describe("@azure/identity ManagedIdentityCredential against the IMDS emulation", () => {
  test("system-assigned", async () => {
    const credential = new ManagedIdentityCredential();
    const token = await credential.getToken("https://management.azure.com/.default");
    assert.ok(token.expiresOnTimestamp > Date.now() + 3600_000);
    await verifyManagedIdentityToken(
      token.token,
      "https://management.azure.com/",
      DEV_SYSTEM_IDENTITY.objectId,
    );
  });

  test("user-assigned by client id, resource id and object id", async () => {
    const scope = "https://vault.azure.net/.default";
    for (const options of [
      { clientId: DEV_USER_IDENTITY.clientId },
      { resourceId: DEV_USER_IDENTITY.resourceId },
      { objectId: DEV_USER_IDENTITY.objectId },
    ]) {
      const token = await new ManagedIdentityCredential(options).getToken(scope);
      await verifyManagedIdentityToken(token.token, "https://vault.azure.net", DEV_USER_IDENTITY.objectId);
    }
  });

  test("an unknown user-assigned identity fails with IMDS's message", async () => {
    const credential = new ManagedIdentityCredential({ clientId: "00000000-0000-0000-0000-00000000beef" });
    await assert.rejects(credential.getToken("https://management.azure.com/.default"), /Identity not found/);
  });

  test("a 429 with Retry-After is waited out and retried (exactly two IMDS requests)", async () => {
    await adminPost(base, "faults", { path: IMDS_FAULT_PATH, status: 429, retryAfterSeconds: 0, count: 1 });
    const before = await imdsRequests();
    const token = await new ManagedIdentityCredential().getToken("https://storage.azure.com/.default");
    await verifyManagedIdentityToken(token.token, "https://storage.azure.com/", DEV_SYSTEM_IDENTITY.objectId);
    assert.equal((await imdsRequests()) - before, 2);
  });

  test("a 404 (IMDS updating) is retried by identity's IMDS retry policy", async () => {
    await adminPost(base, "faults", { path: IMDS_FAULT_PATH, status: 404, count: 1 });
    const before = await imdsRequests();
    const token = await new ManagedIdentityCredential().getToken("https://api.loganalytics.io/.default");
    await verifyManagedIdentityToken(
      token.token,
      "https://api.loganalytics.io",
      DEV_SYSTEM_IDENTITY.objectId,
    );
    assert.equal((await imdsRequests()) - before, 2);
  });
});

describe("msal-node ManagedIdentityApplication against the IMDS emulation", () => {
  test("system-assigned, with msal's own retry of a 500", async () => {
    await adminPost(base, "faults", { path: IMDS_FAULT_PATH, status: 500, count: 1 });
    const before = await imdsRequests();
    const app = new ManagedIdentityApplication();
    assert.equal(app.getManagedIdentitySource(), "DefaultToImds");
    const result = await app.acquireToken({ resource: "https://graph.microsoft.com", forceRefresh: true });
    await verifyManagedIdentityToken(
      result.accessToken,
      "https://graph.microsoft.com",
      DEV_SYSTEM_IDENTITY.objectId,
    );
    assert.equal((await imdsRequests()) - before, 2);
  });

  test("user-assigned by resource id", async () => {
    const app = new ManagedIdentityApplication({
      managedIdentityIdParams: { userAssignedResourceId: DEV_USER_IDENTITY.resourceId },
    });
    const result = await app.acquireToken({ resource: "https://management.azure.com/", forceRefresh: true });
    await verifyManagedIdentityToken(
      result.accessToken,
      "https://management.azure.com/",
      DEV_USER_IDENTITY.objectId,
    );
    const log = (await adminGet(base, `requests?path=${encodeURIComponent(IMDS_PATH)}`)) as {
      requests: Array<{ query?: Record<string, string> }>;
    };
    const last = log.requests.at(-1);
    if (last?.query) assert.ok("msi_res_id" in last.query, JSON.stringify(last.query));
  });
});

describe("other managed identity sources, each in a process with that host's environment", () => {
  async function inChild(
    source: string,
    scope: string,
    clientId?: string,
  ): Promise<{ token?: string; error?: string }> {
    const sourceEnv = (await adminGet(emulator.httpUrl, `managed-identity/env?source=${source}`)) as Record<
      string,
      string
    >;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SOURCE_VARIABLES) delete env[name];
    Object.assign(env, sourceEnv);
    const args = [new URL("./mi-child.ts", import.meta.url).pathname, scope, ...(clientId ? [clientId] : [])];
    const { stdout } = await run(process.execPath, args, { env, timeout: 60_000 });
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as { token?: string; error?: string };
  }

  test("App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER), system- and user-assigned", async () => {
    const system = await inChild("app-service", "https://vault.azure.net/.default");
    assert.ok(system.token, system.error);
    await verifyManagedIdentityToken(system.token, "https://vault.azure.net", DEV_SYSTEM_IDENTITY.objectId);
    const user = await inChild("app-service", "https://vault.azure.net/.default", DEV_USER_IDENTITY.clientId);
    assert.ok(user.token, user.error);
    await verifyManagedIdentityToken(user.token, "https://vault.azure.net", DEV_USER_IDENTITY.objectId);
  });

  test("Cloud Shell (MSI_ENDPOINT, POST)", async () => {
    const result = await inChild("cloud-shell", "https://management.azure.com/.default");
    assert.ok(result.token, result.error);
    await verifyManagedIdentityToken(
      result.token,
      "https://management.azure.com/",
      DEV_SYSTEM_IDENTITY.objectId,
    );
  });
});
