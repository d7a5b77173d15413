/**
 * @azure/msal-node against the emulator over HTTPS, configured as a user would for a non-Microsoft host:
 * the authority is `<emulator>/<tenant>` and, because msal otherwise asks login.microsoftonline.com for
 * instance discovery of an unknown host, the emulator's host is listed in `knownAuthorities`.
 * Every token msal hands back is verified with jose against the emulator's JWKS.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ConfidentialClientApplication, CryptoProvider, PublicClientApplication } from "@azure/msal-node";
import { DEV_APP, DEV_TENANT, DEV_USER, GRAPH_APP_ID } from "../../../src/emulator/well-known.ts";
import { FormSession, walkPages } from "./html-forms.ts";
import {
  baseOf,
  decodePayload,
  type Emulator,
  makeCertificate,
  startTrustedEmulator,
  type TestCertificate,
  verifyWithJwks,
} from "./support.ts";

const run = promisify(execFile);
const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";
const CERT_APP_ID = "2b7e4c19-8d3f-4a65-b0e2-7c1d9f4a6e38";
const REDIRECT_URI = "http://localhost:8765";

let emulator: Emulator;
let base: string;
let host: string;
let certificate: TestCertificate;

before(async () => {
  certificate = await makeCertificate();
  // The certificate app is registered through the config file's `apps` section, as a user uploads one.
  emulator = await startTrustedEmulator({
    config: {
      // Clients poll at the interval the device code response names; one second keeps the test short.
      identity: { deviceCodeIntervalSeconds: 1 },
      apps: [
        {
          clientId: CERT_APP_ID,
          displayName: "fidelity certificate app",
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
  host = new URL(base).host;
});
after(async () => {
  await emulator.close();
});

function authority(tenant: string = DEV_TENANT.id): string {
  return `${base}/${tenant}`;
}

async function verifyGraphAppToken(token: string, clientId: string): Promise<Record<string, unknown>> {
  const claims = await verifyWithJwks(base, token, {
    tenantId: DEV_TENANT.id,
    audience: "https://graph.microsoft.com",
    version: 1,
  });
  assert.equal(claims.appid, clientId);
  assert.equal(claims.idtyp, "app");
  return claims;
}

async function graphUserAudience(token: string): Promise<Record<string, unknown>> {
  return verifyWithJwks(base, token, {
    tenantId: DEV_TENANT.id,
    audience: "https://graph.microsoft.com",
    version: 1,
  });
}

describe("confidential client, client credentials", () => {
  test("with a client secret", async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: DEV_APP.clientId,
        authority: authority(),
        clientSecret: DEV_APP.secret,
        knownAuthorities: [host],
      },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    assert.ok(result?.accessToken);
    const claims = await verifyGraphAppToken(result.accessToken, DEV_APP.clientId);
    assert.ok(Array.isArray(claims.roles) && (claims.roles as string[]).length > 0);
  });

  test("with a certificate and its SHA-256 thumbprint (PS256 + x5t#S256)", async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: CERT_APP_ID,
        authority: authority(),
        knownAuthorities: [host],
        clientCertificate: {
          thumbprintSha256: certificate.thumbprintSha256,
          privateKey: certificate.privateKeyPem,
        },
      },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    const claims = await verifyGraphAppToken(result!.accessToken, CERT_APP_ID);
    assert.deepEqual(claims.roles, ["User.Read.All"]);
  });

  test("with a certificate and its SHA-1 thumbprint (RS256 + x5t)", async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: CERT_APP_ID,
        authority: authority(),
        knownAuthorities: [host],
        clientCertificate: { thumbprint: certificate.thumbprintSha1, privateKey: certificate.privateKeyPem },
      },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    await verifyGraphAppToken(result!.accessToken, CERT_APP_ID);
  });

  for (const [kind, clientCertificate] of [
    ["SHA-1", { thumbprint: "A".repeat(40) }],
    ["SHA-256", { thumbprintSha256: "B".repeat(64) }],
  ] as const) {
    test(`a ${kind} thumbprint the app has no certificate for is refused with AADSTS700027`, async () => {
      const app = new ConfidentialClientApplication({
        auth: {
          clientId: CERT_APP_ID,
          authority: authority(),
          knownAuthorities: [host],
          clientCertificate: { ...clientCertificate, privateKey: certificate.privateKeyPem },
        },
      });
      await assert.rejects(app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }), /AADSTS700027/);
    });
  }

  test("a wrong secret is refused with AADSTS7000215, surfaced by msal", async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: DEV_APP.clientId,
        authority: authority(),
        clientSecret: "wrong-secret",
        knownAuthorities: [host],
      },
    });
    await assert.rejects(
      app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }),
      (error: Error & { errorCode?: string }) => {
        assert.equal(error.errorCode, "invalid_client");
        assert.match(error.message, /AADSTS7000215/);
        return true;
      },
    );
  });
});

describe("trusting the emulator the way a user does: NODE_EXTRA_CA_CERTS", () => {
  test("a fresh process trusting only the printed CA file gets a token; without it TLS verification fails", async () => {
    assert.ok(emulator.caCertPath, "the emulator reports where its CA certificate is");
    const child = new URL("./ca-child.ts", import.meta.url).pathname;
    const args = [child, authority(), DEV_APP.clientId, DEV_APP.secret];
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: emulator.caCertPath };
    const trusted = JSON.parse((await run(process.execPath, args, { env, timeout: 60_000 })).stdout) as {
      token?: string;
      error?: string;
    };
    assert.ok(trusted.token, trusted.error);
    await verifyGraphAppToken(trusted.token, DEV_APP.clientId);

    const { NODE_EXTRA_CA_CERTS: _ignored, ...withoutCa } = process.env;
    const untrusted = JSON.parse(
      (await run(process.execPath, args, { env: withoutCa, timeout: 60_000 })).stdout,
    ) as {
      token?: string;
      error?: string;
    };
    assert.equal(untrusted.token, undefined, "TLS verification stays on");
    assert.ok(untrusted.error, "the untrusting client reports a failure");
  });
});

describe("authorization code with PKCE, silent refresh, refresh token redemption", () => {
  const scopes = ["https://graph.microsoft.com/User.Read", "offline_access", "openid", "profile"];

  test("getAuthCodeUrl → sign-in pages → acquireTokenByCode → acquireTokenSilent → acquireTokenByRefreshToken", async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: DEV_APP.clientId,
        authority: authority(),
        clientSecret: DEV_APP.secret,
        knownAuthorities: [host],
      },
    });
    const pkce = await new CryptoProvider().generatePkceCodes();
    const state = "fidelity-state-1";
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri: REDIRECT_URI,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: "S256",
      state,
    });
    assert.ok(url.startsWith(`${authority()}/oauth2/v2.0/authorize?`), url);

    const landed = new URL(
      await walkPages(new FormSession(), url, DEV_USER, (target) => target.startsWith(REDIRECT_URI)),
    );
    assert.equal(landed.searchParams.get("state"), state);
    const code = landed.searchParams.get("code");
    assert.ok(code, `the redirect carries a code: ${landed.search.replace(/code=[^&]+/, "code=…")}`);

    const first = await app.acquireTokenByCode({
      code,
      scopes,
      redirectUri: REDIRECT_URI,
      codeVerifier: pkce.verifier,
    });
    const claims = await graphUserAudience(first.accessToken);
    assert.equal(claims.oid, DEV_USER.id);
    assert.match(String(claims.scp), /User\.Read/);
    assert.ok(first.account, "an ID token gave msal an account");
    assert.equal(first.account.username, DEV_USER.userPrincipalName);
    assert.equal(decodePayload(first.idToken).aud, DEV_APP.clientId);

    const silent = await app.acquireTokenSilent({ account: first.account, scopes, forceRefresh: true });
    assert.notEqual(silent.accessToken, first.accessToken, "forceRefresh redeemed the refresh token");
    await graphUserAudience(silent.accessToken);

    // msal never returns refresh tokens; an app migrating one in reads it from the serialized cache.
    const cache = JSON.parse(app.getTokenCache().serialize()) as {
      RefreshToken: Record<string, { secret: string }>;
    };
    const refreshToken = Object.values(cache.RefreshToken)[0]?.secret;
    assert.ok(refreshToken, "the cache holds the rotated refresh token");
    const other = new ConfidentialClientApplication({
      auth: {
        clientId: DEV_APP.clientId,
        authority: authority(),
        clientSecret: DEV_APP.secret,
        knownAuthorities: [host],
      },
    });
    const redeemed = await other.acquireTokenByRefreshToken({ refreshToken, scopes });
    assert.ok(redeemed);
    const redeemedClaims = await graphUserAudience(redeemed.accessToken);
    assert.equal(redeemedClaims.oid, DEV_USER.id);
  });
});

describe("public client, device code", () => {
  test("acquireTokenByDeviceCode, the devicelogin page approved by an HTTP form sequence", async () => {
    const app = new PublicClientApplication({
      auth: { clientId: DEV_APP.clientId, authority: authority(), knownAuthorities: [host] },
    });
    let pages: Promise<string> | undefined;
    const result = await app.acquireTokenByDeviceCode({
      scopes: ["https://graph.microsoft.com/User.Read"],
      deviceCodeCallback: (response) => {
        assert.match(response.message, new RegExp(response.userCode));
        pages = walkPages(
          new FormSession(),
          response.verificationUri,
          { ...DEV_USER, userCode: response.userCode },
          () => false,
          { endsOnPage: true },
        ).catch((error: unknown) => `pages failed: ${(error as Error).message}`);
      },
    });
    assert.ok(result);
    const claims = await graphUserAudience(result.accessToken);
    assert.equal(claims.oid, DEV_USER.id);
    assert.ok(pages);
    assert.doesNotMatch(await pages, /^pages failed/);
  });
});
