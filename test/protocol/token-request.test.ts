import assert from "node:assert/strict";
import { test } from "node:test";
import {
  authorizationCodeRequest,
  clientCredentialsRequest,
  DEVICE_CODE_GRANT,
  deviceAuthorizationRequest,
  deviceCodeTokenRequest,
  formBody,
  refreshTokenRequest,
  resourceOf,
  tokenEndpoint,
} from "../../src/protocol/token-request.ts";
import { parseTokenResponse } from "../../src/protocol/token-response.ts";

test("client credentials for a v2 scope and for a v1 resource", () => {
  const v2 = clientCredentialsRequest({
    clientId: "app",
    target: { scopes: ["https://graph.microsoft.com/.default"] },
    clientAuth: { kind: "secret", secret: "s p&c" },
  });
  assert.equal(
    formBody(v2),
    "client_id=app&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret=s+p%26c",
  );
  const v1 = clientCredentialsRequest({
    clientId: "app",
    target: { resource: "https://management.azure.com/" },
    clientAuth: { kind: "assertion", assertion: "jwt" },
    claims: '{"access_token":{}}',
  });
  assert.deepEqual(Object.fromEntries(v1), {
    client_id: "app",
    grant_type: "client_credentials",
    resource: "https://management.azure.com/",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: "jwt",
    claims: '{"access_token":{}}',
  });
});

test("delegated grants add offline_access once and carry their grant fields", () => {
  const code = Object.fromEntries(
    authorizationCodeRequest({
      clientId: "app",
      target: { scopes: ["User.Read", "offline_access"] },
      clientAuth: { kind: "none" },
      code: "c",
      redirectUri: "http://127.0.0.1:1/cb",
      codeVerifier: "v",
    }),
  );
  assert.equal(code.scope, "User.Read offline_access");
  assert.equal(code.code_verifier, "v");
  assert.equal(code.redirect_uri, "http://127.0.0.1:1/cb");
  const refresh = Object.fromEntries(
    refreshTokenRequest({
      clientId: "app",
      target: { scopes: ["User.Read"] },
      clientAuth: { kind: "none" },
      refreshToken: "r",
    }),
  );
  assert.equal(refresh.scope, "offline_access User.Read");
  assert.equal(refresh.grant_type, "refresh_token");
  const device = Object.fromEntries(
    deviceCodeTokenRequest({
      clientId: "app",
      target: { scopes: ["User.Read"] },
      clientAuth: { kind: "none" },
      deviceCode: "d",
    }),
  );
  assert.equal(device.grant_type, DEVICE_CODE_GRANT);
  assert.equal(device.device_code, "d");
  assert.equal(device.code, undefined);
  assert.deepEqual(Object.fromEntries(deviceAuthorizationRequest("app", ["User.Read"])), {
    client_id: "app",
    scope: "offline_access User.Read",
  });
});

test("token endpoints per version, and the MI resource of a scope", () => {
  assert.equal(
    tokenEndpoint({ authorityHost: "https://login.microsoftonline.us/", tenant: "t", version: 2 }),
    "https://login.microsoftonline.us/t/oauth2/v2.0/token",
  );
  assert.equal(
    tokenEndpoint({ authorityHost: "https://h", tenant: "t", version: 1 }),
    "https://h/t/oauth2/token",
  );
  assert.equal(resourceOf({ scopes: ["https://vault.azure.net/.default"] }), "https://vault.azure.net");
  assert.throws(() => resourceOf({ scopes: ["a", "b"] }));
});

test("token responses: expires_in as number or string, refresh_in, ext_expires_in, refresh token presence", () => {
  const now = 1_000_000;
  const a = parseTokenResponse(
    { access_token: "at", expires_in: 3600, ext_expires_in: "7200", refresh_token: "rt", scope: "a b" },
    now,
  );
  assert.equal(a.expiresOn, now + 3_600_000);
  assert.equal(a.extExpiresOn, now + 7_200_000);
  assert.equal(a.refreshToken, "rt");
  assert.equal(a.refreshOn, undefined);
  assert.deepEqual(a.grantedScopes, ["a", "b"]);
  const b = parseTokenResponse(
    { access_token: "at", expires_in: "86400", refresh_in: 43200, refresh_token: "" },
    now,
  );
  assert.equal(b.expiresOn, now + 86_400_000);
  assert.equal(b.refreshOn, now + 43_200_000);
  assert.equal("refreshToken" in b, false);
  const c = parseTokenResponse({ access_token: "at", expires_in: "86400" }, now);
  assert.equal(c.refreshOn, now + 43_200_000, "long-lived tokens refresh at half-life");
  const d = parseTokenResponse({ access_token: "at", expires_on: "2000" }, now);
  assert.equal(d.expiresOn, 2_000_000);
  const e = parseTokenResponse({ access_token: "at" }, now);
  assert.equal(e.expiresOn, now + 3_595_000);
  assert.throws(() => parseTokenResponse({ expires_in: 1 }, now), /without an access_token/);
  assert.throws(() => parseTokenResponse([], now), /not a JSON object/);
});
