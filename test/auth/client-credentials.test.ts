import assert from "node:assert/strict";
import { createHash, randomUUID, X509Certificate } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, beforeEach, test } from "node:test";
import { decodeProtectedHeader } from "jose";
import { ClientAssertionCredential } from "../../src/auth/client-assertion.ts";
import { ClientCertificateCredential } from "../../src/auth/client-certificate.ts";
import { ClientSecretCredential } from "../../src/auth/client-secret.ts";
import { WorkloadIdentityCredential } from "../../src/auth/workload-identity.ts";
import { CLOUDS, customCloud, resourceFor, scopeFor } from "../../src/clouds/index.ts";
import { ARM_APP_ID, DEV_APP, DEV_TENANT, GRAPH_APP_ID } from "../../src/emulator/well-known.ts";
import { createClientAssertion } from "../../src/protocol/client-assertion.ts";
import { claimsOf, recording, startTestEmulator } from "./emulator.ts";
import { createTestCertificate } from "./fixtures.ts";

const t = await startTestEmulator();
after(() => t.close());
const { emulator } = t;
const authorityHost = emulator.url;
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const ARM = "https://management.azure.com/";

// Upload a certificate to the dev app, as an admin would in the portal.
const cert = createTestCertificate("entrakit-dev-app");
const der = new X509Certificate(cert.certificatePem).raw;
const thumbprintSha1 = createHash("sha1").update(der).digest("hex").toUpperCase();
const app = emulator.core.directory.app(DEV_APP.clientId)!;
emulator.core.directory.putApp({
  ...app,
  certificates: [
    ...app.certificates,
    {
      keyId: randomUUID(),
      certificatePem: cert.certificatePem,
      thumbprintSha1,
      thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
      expiresAt: Date.now() + 365 * 86_400_000,
    },
  ],
});

beforeEach(() => {
  emulator.admin.clearRequests();
  emulator.admin.clearFaults();
});

function formsSent(http: ReturnType<typeof recording>) {
  return http.sent.map((r) => Object.fromEntries(new URLSearchParams(r.body ?? "")));
}

test("client secret: v2 scope and v1 resource, each with its own token, fetched lazily and cached", async () => {
  const credential = new ClientSecretCredential({
    authorityHost,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    http: t.http,
  });
  const graph = await credential.getToken({ scopes: [GRAPH_SCOPE] });
  const graphClaims = claimsOf(graph.token);
  assert.equal(graphClaims.appid ?? graphClaims.azp, DEV_APP.clientId);
  assert.equal(graphClaims.tid, DEV_TENANT.id);
  assert.deepEqual(graph.scopes, [GRAPH_SCOPE]);
  assert.ok(graph.expiresOn > Date.now());
  const arm = await credential.getToken({ resource: ARM });
  assert.notEqual(arm.token, graph.token);
  assert.ok([ARM, ARM.slice(0, -1), ARM_APP_ID].includes(String(claimsOf(arm.token).aud)));
  assert.equal((await credential.getToken({ scopes: [GRAPH_SCOPE] })).token, graph.token);
  const tokenCalls = emulator.admin.requests({ path: /oauth2\/(v2\.0\/)?token$/ });
  assert.equal(tokenCalls.length, 2);
  assert.deepEqual(
    tokenCalls.map((r) => r.path.endsWith("/v2.0/token")),
    [true, false],
    "scope → v2, resource → v1",
  );
  assert.ok(
    String(claimsOf(graph.token).aud).includes("graph.microsoft.com") ||
      claimsOf(graph.token).aud === GRAPH_APP_ID,
  );
});

test("client secret: forceRefresh and claims challenges go to the network; claims are passed through", async () => {
  const http = recording(t.http);
  const credential = new ClientSecretCredential({
    authorityHost,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    http,
    scopes: [GRAPH_SCOPE],
  });
  await credential.getToken();
  await credential.getToken({ forceRefresh: true });
  const claims = JSON.stringify({ access_token: { nbf: { essential: true, value: "1700000000" } } });
  await credential.getToken({ claims });
  const forms = formsSent(http);
  assert.equal(forms.length, 3);
  assert.equal(forms[2]!.claims, claims);
  assert.equal(forms[0]!.claims, undefined);
});

test("client secret: a wrong secret fails with Entra's error and never echoes the secret", async () => {
  const secret = "wrong-secret-value-canary-1234";
  const credential = new ClientSecretCredential({
    authorityHost,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: secret,
    http: t.http,
  });
  await assert.rejects(credential.getToken({ scopes: [GRAPH_SCOPE] }), (error: Error) => {
    assert.match(error.message, /Error in Microsoft authorization\. Status: 401/);
    assert.match(error.message, /invalid_client/);
    assert.ok(!`${error.message} ${(error as { hint?: string }).hint}`.includes(secret));
    return true;
  });
  assert.throws(
    () =>
      new ClientSecretCredential({ tenantId: DEV_TENANT.id, clientId: DEV_APP.clientId, clientSecret: "" }),
    /client secret is empty/,
  );
});

test("client certificate by PEM: PS256 + x5t#S256, a fresh assertion per request", async () => {
  const http = recording(t.http);
  const credential = new ClientCertificateCredential({
    authorityHost,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    certificate: cert.certificatePem,
    privateKey: cert.privateKeyPem,
    http,
  });
  const first = await credential.getToken({ scopes: [GRAPH_SCOPE] });
  assert.equal(claimsOf(first.token).tid, DEV_TENANT.id);
  await credential.getToken({ scopes: [GRAPH_SCOPE], forceRefresh: true });
  const assertions = formsSent(http).map((f) => f.client_assertion!);
  assert.equal(assertions.length, 2);
  assert.equal(decodeProtectedHeader(assertions[0]!).alg, "PS256");
  assert.ok(decodeProtectedHeader(assertions[0]!)["x5t#S256"]);
  assert.notEqual(claimsOf(assertions[0]!).jti, claimsOf(assertions[1]!).jti);
  assert.equal(formsSent(http)[0]!.client_secret, undefined);
});

test("client certificate by SHA-1 thumbprint (the reference's way): RS256 + x5t", async () => {
  const http = recording(t.http);
  const credential = new ClientCertificateCredential({
    authorityHost,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    thumbprint: thumbprintSha1,
    privateKey: cert.privateKeyPem,
    http,
  });
  const token = await credential.getToken({ resource: ARM });
  assert.ok(token.token);
  const header = decodeProtectedHeader(formsSent(http)[0]!.client_assertion!);
  assert.equal(header.alg, "RS256");
  assert.equal(header.x5t, createHash("sha1").update(der).digest("base64url"));
});

test("client certificate with a key the app does not know is refused by Entra", async () => {
  const stranger = createTestCertificate("stranger");
  const credential = new ClientCertificateCredential({
    authorityHost,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    certificate: stranger.certificatePem,
    privateKey: stranger.privateKeyPem,
    http: t.http,
  });
  await assert.rejects(credential.getToken({ scopes: [GRAPH_SCOPE] }), /Status: 401.*invalid_client/s);
});

test("client assertion callback is called for every request with the token endpoint as audience", async () => {
  const audiences: string[] = [];
  const credential = new ClientAssertionCredential({
    authorityHost,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    http: t.http,
    getAssertion: (audience) => {
      audiences.push(audience);
      return createClientAssertion({
        clientId: DEV_APP.clientId,
        audience,
        privateKey: cert.privateKeyPem,
        certificate: { certificatePem: cert.certificatePem },
        now: Date.now(),
      });
    },
  });
  await credential.getToken({ scopes: [GRAPH_SCOPE] });
  await credential.getToken({ resource: ARM });
  assert.deepEqual(audiences, [
    `${authorityHost}/${DEV_TENANT.id}/oauth2/v2.0/token`,
    `${authorityHost}/${DEV_TENANT.id}/oauth2/token`,
  ]);
});

test("workload identity reads AZURE_FEDERATED_TOKEN_FILE and re-reads it when it changes", async () => {
  const file = join(t.stateDir, "federated-token");
  const assertionFor = (audience: string) =>
    createClientAssertion({
      clientId: DEV_APP.clientId,
      audience,
      privateKey: cert.privateKeyPem,
      certificate: { certificatePem: cert.certificatePem },
      now: Date.now(),
      lifetimeSeconds: 600,
    });
  const audience = `${authorityHost}/${DEV_TENANT.id}/oauth2/v2.0/token`;
  writeFileSync(file, await assertionFor(audience));
  const http = recording(t.http);
  const credential = new WorkloadIdentityCredential({
    authorityHost,
    env: {
      AZURE_FEDERATED_TOKEN_FILE: file,
      AZURE_CLIENT_ID: DEV_APP.clientId,
      AZURE_TENANT_ID: DEV_TENANT.id,
    },
    http,
  });
  assert.ok((await credential.getToken({ scopes: [GRAPH_SCOPE] })).token);
  const second = await assertionFor(audience);
  writeFileSync(file, `${second}\n`);
  assert.ok((await credential.getToken({ scopes: [GRAPH_SCOPE], forceRefresh: true })).token);
  const sent = formsSent(http).map((f) => f.client_assertion);
  assert.equal(sent[1], second, "the rotated file content was sent");
  rmSync(file);
  await assert.rejects(
    credential.getToken({ scopes: [GRAPH_SCOPE], forceRefresh: true }),
    /federated token file is missing/,
  );
  assert.throws(
    () => new WorkloadIdentityCredential({ env: {} }),
    (error: Error & { hint?: string }) =>
      /needs a federated token file/.test(error.message) &&
      /AZURE_FEDERATED_TOKEN_FILE/.test(error.hint ?? ""),
  );
});

test("the authority comes from the cloud (a custom cloud aimed at the emulator) or AZURE_AUTHORITY_HOST", async () => {
  const cloud = customCloud({ endpoints: { login: authorityHost } }, CLOUDS.com);
  const viaCloud = new ClientSecretCredential({
    cloud,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    http: t.http,
  });
  assert.ok((await viaCloud.getToken({ scopes: [scopeFor(cloud, "graph")] })).token);
  assert.ok((await viaCloud.getToken({ resource: resourceFor(cloud, "arm") })).token);
  const viaEnv = new ClientSecretCredential({
    env: { AZURE_AUTHORITY_HOST: authorityHost },
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    http: t.http,
  });
  assert.ok((await viaEnv.getToken({ scopes: [GRAPH_SCOPE] })).token);
  assert.equal(emulator.admin.requests({ path: /oauth2\/(v2\.0\/)?token$/ }).length, 3);
});

test("Entra's refusals come back diagnosed: unknown tenant names the cloud, the command prefix shows in hints", async () => {
  const credential = new ClientSecretCredential({
    authorityHost,
    tenantId: "00000000-0000-0000-0000-0000000000aa",
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    http: t.http,
    commandPrefix: "azure-risky-users",
  });
  await assert.rejects(
    credential.getToken({ scopes: [GRAPH_SCOPE] }),
    (error: Error & { hint?: string; errorCodes?: number[]; traceId?: string }) => {
      assert.match(
        error.message,
        /^Error in Microsoft authorization\. Status: 400, body: invalid_request\. Tenant/,
      );
      assert.deepEqual(error.errorCodes, [90002]);
      assert.ok(error.traceId);
      assert.ok(error.hint);
      return true;
    },
  );
});
