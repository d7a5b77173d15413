/**
 * @azure/identity credentials against the emulator over HTTPS, configured as for a sovereign or private
 * cloud: `authorityHost` is the emulator and `disableInstanceDiscovery: true` (identity demands it for a
 * host msal does not know; it then lists the host in msal's knownAuthorities). Tokens verify with jose.
 * (ManagedIdentityCredential has its own file: msal picks a managed identity source once per process.)
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential } from "@azure/identity";
import { DEV_APP, DEV_TENANT, DEV_USER, GRAPH_APP_ID } from "../../../src/emulator/well-known.ts";
import { FormSession, walkPages } from "./html-forms.ts";
import {
  baseOf,
  type Emulator,
  makeCertificate,
  startTrustedEmulator,
  type TestCertificate,
  verifyWithJwks,
} from "./support.ts";

const CERT_APP_ID = "6d3a9e17-4c2b-4f80-a5d6-9e1b7c3f2a48";

let emulator: Emulator;
let base: string;
let certificate: TestCertificate;

before(async () => {
  certificate = await makeCertificate("CN=entrakit identity fidelity");
  emulator = await startTrustedEmulator({
    config: {
      // Clients poll at the interval the device code response names; one second keeps the test short.
      identity: { deviceCodeIntervalSeconds: 1 },
      apps: [
        {
          clientId: CERT_APP_ID,
          displayName: "identity fidelity certificate app",
          homeTenant: DEV_TENANT.id,
          certificates: [{ pem: certificate.certificatePem }],
          applicationPermissions: [{ resource: GRAPH_APP_ID, value: "User.Read.All" }],
        },
      ],
      consents: [
        {
          tenant: DEV_TENANT.id,
          clientId: CERT_APP_ID,
          resource: GRAPH_APP_ID,
          applicationPermissions: ["User.Read.All"],
        },
      ],
    },
  });
  base = baseOf(emulator);
});
after(async () => {
  await emulator.close();
});

const options = () => ({ authorityHost: base, disableInstanceDiscovery: true });

function verifyGraph(token: string): Promise<Record<string, unknown>> {
  return verifyWithJwks(base, token, {
    tenantId: DEV_TENANT.id,
    audience: "https://graph.microsoft.com",
    version: 1,
  });
}

describe("@azure/identity", () => {
  test("ClientSecretCredential", async () => {
    const credential = new ClientSecretCredential(DEV_TENANT.id, DEV_APP.clientId, DEV_APP.secret, options());
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    assert.ok(token.expiresOnTimestamp > Date.now());
    const claims = await verifyGraph(token.token);
    assert.equal(claims.appid, DEV_APP.clientId);
    assert.equal(claims.idtyp, "app");
  });

  test("ClientSecretCredential with a wrong secret: AuthenticationError carrying AADSTS7000215", async () => {
    const credential = new ClientSecretCredential(
      DEV_TENANT.id,
      DEV_APP.clientId,
      "not-the-secret",
      options(),
    );
    await assert.rejects(credential.getToken("https://graph.microsoft.com/.default"), /AADSTS7000215/);
  });

  test("ClientCertificateCredential (PEM with key; identity signs PS256 with x5t#S256)", async () => {
    const pem = `${certificate.privateKeyPem}${certificate.certificatePem}`;
    const credential = new ClientCertificateCredential(
      DEV_TENANT.id,
      CERT_APP_ID,
      { certificate: pem },
      options(),
    );
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    const claims = await verifyGraph(token.token);
    assert.equal(claims.appid, CERT_APP_ID);
    assert.deepEqual(claims.roles, ["User.Read.All"]);
  });

  test("ClientCertificateCredential sending its chain (x5c)", async () => {
    const pem = `${certificate.privateKeyPem}${certificate.certificatePem}`;
    const credential = new ClientCertificateCredential(
      DEV_TENANT.id,
      CERT_APP_ID,
      { certificate: pem },
      { ...options(), sendCertificateChain: true },
    );
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    assert.equal((await verifyGraph(token.token)).appid, CERT_APP_ID);
  });

  test("DeviceCodeCredential, approved through the devicelogin pages", async () => {
    let pages: Promise<string> | undefined;
    const credential = new DeviceCodeCredential({
      ...options(),
      tenantId: DEV_TENANT.id,
      clientId: DEV_APP.clientId,
      userPromptCallback: (info) => {
        pages = walkPages(
          new FormSession(),
          info.verificationUri,
          { ...DEV_USER, userCode: info.userCode },
          () => false,
          { endsOnPage: true },
        ).catch((error: unknown) => `pages failed: ${(error as Error).message}`);
      },
    });
    const token = await credential.getToken("https://graph.microsoft.com/User.Read");
    const claims = await verifyGraph(token.token);
    assert.equal(claims.oid, DEV_USER.id);
    assert.equal(claims.idtyp, "user");
    assert.ok(pages);
    assert.doesNotMatch(await pages, /^pages failed/);
  });
});
