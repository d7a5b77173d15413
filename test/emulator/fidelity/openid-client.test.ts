/**
 * openid-client v6 against the emulator over HTTPS: OpenID discovery of a tenant's v2.0 issuer (the
 * library checks the issuer it discovers equals the one it asked for), client credentials, and
 * authorization code with PKCE whose ID token the library validates itself; then a refresh.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as client from "openid-client";
import { DEV_TENANT, DEV_USER, GRAPH_APP_ID } from "../../../src/emulator/well-known.ts";
import { FormSession, walkPages } from "./html-forms.ts";
import { baseOf, type Emulator, startTrustedEmulator, verifyWithJwks } from "./support.ts";

/** A web app registered with a loopback callback (Entra ignores the port of loopback redirect URIs). */
const WEB_APP = {
  clientId: "9c4e2a71-3b8d-4f16-a0e5-6d2f8b1c7e93",
  secret: "fidelity-web-app-secret-not-for-production",
};
const REDIRECT_URI = "http://localhost:8766/callback";

let emulator: Emulator;
let base: string;
let config: client.Configuration;

before(async () => {
  emulator = await startTrustedEmulator({
    config: {
      apps: [
        {
          clientId: WEB_APP.clientId,
          displayName: "openid-client fidelity web app",
          homeTenant: DEV_TENANT.id,
          secrets: [{ value: WEB_APP.secret }],
          redirectUris: ["http://localhost/callback"],
          applicationPermissions: [{ resource: GRAPH_APP_ID, value: "User.Read.All" }],
          delegatedScopes: [{ resource: GRAPH_APP_ID, value: "User.Read" }],
        },
      ],
      consents: [
        {
          tenant: DEV_TENANT.id,
          clientId: WEB_APP.clientId,
          resource: GRAPH_APP_ID,
          applicationPermissions: ["User.Read.All"],
          delegated: [{ principal: "admin", scopes: ["User.Read"] }],
        },
      ],
    },
  });
  base = baseOf(emulator);
  config = await client.discovery(new URL(`${base}/${DEV_TENANT.id}/v2.0`), WEB_APP.clientId, WEB_APP.secret);
});
after(async () => {
  await emulator.close();
});

function verifyGraph(token: string): Promise<Record<string, unknown>> {
  return verifyWithJwks(base, token, {
    tenantId: DEV_TENANT.id,
    audience: "https://graph.microsoft.com",
    version: 1,
  });
}

describe("openid-client", () => {
  test("discovery for a tenant", async () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, `${base}/${DEV_TENANT.id}/v2.0`);
    assert.equal(metadata.token_endpoint, `${base}/${DEV_TENANT.id}/oauth2/v2.0/token`);
    assert.equal(metadata.jwks_uri, `${base}/${DEV_TENANT.id}/discovery/v2.0/keys`);
    // Discovery by verified domain names the same tenant-specific issuer, as Entra's does.
    await assert.rejects(
      client.discovery(new URL(`${base}/${DEV_TENANT.domain}/v2.0`), WEB_APP.clientId, WEB_APP.secret),
      (error: Error & { code?: string }) => {
        assert.match(`${error.code} ${error.message}`, /issuer/i);
        return true;
      },
      "openid-client refuses an issuer that differs from the discovery URL",
    );
  });

  test("client credentials", async () => {
    const tokens = await client.clientCredentialsGrant(config, {
      scope: "https://graph.microsoft.com/.default",
    });
    assert.equal(tokens.token_type.toLowerCase(), "bearer");
    assert.ok((tokens.expires_in ?? 0) > 0);
    const claims = await verifyGraph(tokens.access_token);
    assert.equal(claims.appid, WEB_APP.clientId);
  });

  test("authorization code with PKCE, ID token validated by the library, then a refresh", async () => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid profile offline_access https://graph.microsoft.com/User.Read",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    const landed = await walkPages(new FormSession(), url.href, DEV_USER, (target) =>
      target.startsWith(REDIRECT_URI),
    );
    const tokens = await client.authorizationCodeGrant(config, new URL(landed), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    assert.ok(idClaims);
    assert.equal(idClaims.aud, WEB_APP.clientId);
    assert.equal(idClaims.oid, DEV_USER.id);
    const claims = await verifyGraph(tokens.access_token);
    assert.equal(claims.oid, DEV_USER.id);
    assert.ok(tokens.refresh_token, "offline_access granted a refresh token");

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    await verifyGraph(refreshed.access_token);
    assert.ok(
      refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token,
      "refresh tokens rotate",
    );
  });
});
