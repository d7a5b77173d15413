import assert from "node:assert/strict";
import { join } from "node:path";
import { after, beforeEach, test } from "node:test";
import { ManagedIdentityCredential, SYSTEM_ASSIGNED } from "../../src/auth/managed-identity/index.ts";
import { detectSource } from "../../src/auth/managed-identity/sources.ts";
import { managedIdentityModule } from "../../src/emulator/managed-identity/index.ts";
import { DEV_SYSTEM_IDENTITY, DEV_USER_IDENTITY } from "../../src/emulator/well-known.ts";
import { claimsOf, recording, startTestEmulator } from "./emulator.ts";

const t = await startTestEmulator({ modules: [managedIdentityModule] });
after(() => t.close());
const { emulator } = t;
const GRAPH = "https://graph.microsoft.com";
const ARM = "https://management.azure.com/";

async function envFor(source: string): Promise<Record<string, string>> {
  const response = await t.http.send({
    method: "GET",
    url: `${emulator.url}/_emulator/managed-identity/env?source=${source}`,
  });
  assert.equal(response.status, 200, response.text);
  return JSON.parse(response.text) as Record<string, string>;
}

function tokenRequests(path: RegExp) {
  return emulator.admin.requests({ path }).filter((r) => r.handledBy !== "none");
}

beforeEach(() => {
  emulator.admin.clearFaults();
  emulator.admin.clearRequests();
  emulator.admin.resetClock();
  t.waits.length = 0;
});

test("detection order: App Service, Cloud Shell, Azure Arc, then IMDS", () => {
  const none = () => false;
  assert.equal(
    detectSource(
      { IDENTITY_ENDPOINT: "x", IDENTITY_HEADER: "h", IMDS_ENDPOINT: "i", MSI_ENDPOINT: "m" },
      none,
    ).name,
    "app-service",
  );
  assert.equal(
    detectSource({ MSI_ENDPOINT: "m", IDENTITY_ENDPOINT: "x", IMDS_ENDPOINT: "i" }, none).name,
    "cloud-shell",
  );
  assert.equal(detectSource({ IDENTITY_ENDPOINT: "x", IMDS_ENDPOINT: "i" }, none).name, "azure-arc");
  assert.equal(detectSource({}, (path) => path === "/opt/azcmagent/bin/himds").name, "azure-arc");
  assert.equal(detectSource({}, none).name, "imds");
});

test("IMDS system-assigned (and the SYSTEM_ASSIGNED sentinel): one request per resource, lazily", async () => {
  const env = await envFor("imds");
  const http = recording(t.http);
  const credential = new ManagedIdentityCredential({ env, http, clientId: SYSTEM_ASSIGNED, sleep: t.sleep });
  assert.equal(credential.source, "imds");
  const graph = await credential.getToken({ scopes: [`${GRAPH}/.default`] });
  assert.equal(claimsOf(graph.token).oid, DEV_SYSTEM_IDENTITY.objectId);
  assert.ok(graph.expiresOn > Date.now() + 3_600_000);
  assert.deepEqual(graph.scopes, [`${GRAPH}/.default`]);
  assert.equal((await credential.getToken({ scopes: [`${GRAPH}/.default`] })).token, graph.token);
  const arm = await credential.getToken({ resource: ARM });
  assert.notEqual(arm.token, graph.token);
  const requests = tokenRequests(/\/metadata\/identity\/oauth2\/token$/);
  assert.equal(requests.length, 2);
  assert.equal(http.sent.length, 2);
  for (const request of http.sent) {
    const url = new URL(request.url);
    assert.deepEqual(
      [...url.searchParams.keys()].sort(),
      ["api-version", "resource"],
      "no selector for system-assigned",
    );
    assert.equal(request.headers?.Metadata, "true");
    assert.equal(request.direct, true, "never through a proxy");
  }
});

test("IMDS user-assigned by client_id, object_id and msi_res_id", async () => {
  const env = await envFor("imds");
  const http = recording(t.http);
  for (const selector of [
    { clientId: DEV_USER_IDENTITY.clientId },
    { objectId: DEV_USER_IDENTITY.objectId },
    { resourceId: DEV_USER_IDENTITY.resourceId },
  ]) {
    const credential = new ManagedIdentityCredential({ env, http, ...selector });
    const token = await credential.getToken({ resource: GRAPH });
    assert.equal(claimsOf(token.token).oid, DEV_USER_IDENTITY.objectId, JSON.stringify(selector));
  }
  const selectors = http.sent.map((r) =>
    [...new URL(r.url).searchParams.keys()].filter((k) => k !== "api-version" && k !== "resource"),
  );
  assert.deepEqual(selectors, [["client_id"], ["object_id"], ["msi_res_id"]]);
  assert.throws(
    () => new ManagedIdentityCredential({ env, clientId: "a", objectId: "b" }),
    /Give one managed identity selector/,
  );
});

test("App Service with mi_res_id, Azure Arc with its key file challenge, Cloud Shell with POST", async () => {
  const http = recording(t.http);
  const appService = new ManagedIdentityCredential({
    env: await envFor("app-service"),
    http,
    resourceId: DEV_USER_IDENTITY.resourceId,
  });
  assert.equal(appService.source, "app-service");
  assert.equal(
    claimsOf((await appService.getToken({ resource: GRAPH })).token).oid,
    DEV_USER_IDENTITY.objectId,
  );
  const sent = new URL(http.sent[0]!.url);
  assert.equal(sent.searchParams.get("mi_res_id"), DEV_USER_IDENTITY.resourceId);
  assert.equal(sent.searchParams.get("api-version"), "2019-08-01");
  assert.ok(http.sent[0]!.headers?.["X-IDENTITY-HEADER"]);

  const arc = new ManagedIdentityCredential({
    env: await envFor("azure-arc"),
    http: t.http,
    arcKeyDirectory: join(t.stateDir, "arc-tokens"),
  });
  assert.equal(arc.source, "azure-arc");
  assert.equal(claimsOf((await arc.getToken({ resource: GRAPH })).token).oid, DEV_SYSTEM_IDENTITY.objectId);
  const elsewhere = new ManagedIdentityCredential({
    env: await envFor("azure-arc"),
    http: t.http,
    arcKeyDirectory: "/var/opt/azcmagent/tokens",
  });
  await assert.rejects(elsewhere.getToken({ resource: GRAPH }), /outside the agent's token directory/);
  assert.throws(
    () => new ManagedIdentityCredential({ env: {}, source: "azure-arc", clientId: "x" }),
    /supports only the system-assigned identity/,
  );

  const shell = new ManagedIdentityCredential({ env: await envFor("cloud-shell"), http: t.http });
  assert.equal(shell.source, "cloud-shell");
  assert.equal(claimsOf((await shell.getToken({ resource: ARM })).token).oid, DEV_SYSTEM_IDENTITY.objectId);
  assert.equal(tokenRequests(/cloudshell/)[0]?.method, "POST");
});

test("IMDS retries 5xx and 429 with exponential backoff and honours Retry-After", async () => {
  const env = await envFor("imds");
  emulator.admin.addFault({ path: "/metadata/identity/oauth2/token", status: 503, count: 2 });
  emulator.admin.addFault({ path: "/metadata/identity/oauth2/token", status: 429, retryAfterSeconds: 7 });
  const credential = new ManagedIdentityCredential({ env, http: t.http, sleep: t.sleep });
  const token = await credential.getToken({ resource: GRAPH });
  assert.ok(token.token);
  assert.deepEqual(t.waits, [1000, 2000, 7000]);
});

test("IMDS 410 is retried every 10 s within the 70-second budget, then reported", async () => {
  const env = await envFor("imds");
  emulator.admin.addFault({ path: "/metadata/identity/oauth2/token", status: 410, count: 3 });
  const credential = new ManagedIdentityCredential({ env, http: t.http, sleep: t.sleep });
  assert.ok((await credential.getToken({ resource: GRAPH })).token);
  assert.deepEqual(t.waits, [10_000, 10_000, 10_000]);

  t.waits.length = 0;
  emulator.admin.addFault({ path: "/metadata/identity/oauth2/token", status: 410, persistent: true });
  await assert.rejects(credential.getToken({ resource: ARM }), /Azure Managed Identities/);
  assert.equal(
    t.waits.reduce((a, b) => a + b, 0),
    70_000,
  );
  assert.equal(t.waits.length, 7);
});

test("404 is retried three times; a 400 (unknown identity) is not retried and says what to check", async () => {
  const env = await envFor("imds");
  emulator.admin.addFault({ path: "/metadata/identity/oauth2/token", status: 404, persistent: true });
  const credential = new ManagedIdentityCredential({ env, http: t.http, sleep: t.sleep });
  await assert.rejects(credential.getToken({ resource: GRAPH }));
  assert.deepEqual(t.waits, [1000, 2000, 4000]);
  emulator.admin.clearFaults();
  t.waits.length = 0;
  const unknown = new ManagedIdentityCredential({
    env,
    http: t.http,
    sleep: t.sleep,
    clientId: "00000000-0000-0000-0000-000000000000",
  });
  await assert.rejects(unknown.getToken({ resource: GRAPH }), (error: Error & { hint?: string }) => {
    assert.match(
      error.message,
      /Error in Microsoft authorization with Azure Managed Identities: Identity not found/,
    );
    assert.match(error.hint ?? "", /assigned/);
    return true;
  });
  assert.deepEqual(t.waits, []);
});

test("App Service retries 500 once a second", async () => {
  const env = await envFor("app-service");
  emulator.admin.addFault({ path: "/msi/token", status: 500, count: 2 });
  const credential = new ManagedIdentityCredential({ env, http: t.http, sleep: t.sleep });
  assert.ok((await credential.getToken({ resource: GRAPH })).token);
  assert.deepEqual(t.waits, [1000, 1000]);
});
