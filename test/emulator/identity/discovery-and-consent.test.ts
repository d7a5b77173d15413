import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_ADMIN, DEV_TENANT, DEV_TENANT_P1, DEV_USER } from "../../../src/emulator/well-known.ts";
import { assertEntraError, type FormResponse, getPage, hiddenField, postForm, postPage } from "./helpers.ts";

const VENDOR_APP = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const VENDOR_SECRET = "vendor-secret-value";
const VENDOR_REDIRECT = "https://vendor.example.com/consent-done";

async function getJson(url: string): Promise<FormResponse> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe("discovery endpoints", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it("v2 configuration for common and organizations keeps the alias and the {tenantid} issuer template", async () => {
    for (const alias of ["common", "organizations"]) {
      const { status, body } = await getJson(`${emu.url}/${alias}/v2.0/.well-known/openid-configuration`);
      assert.equal(status, 200);
      assert.equal(body.issuer, `${emu.url}/{tenantid}/v2.0`);
      assert.equal(body.token_endpoint, `${emu.url}/${alias}/oauth2/v2.0/token`);
      assert.equal(body.device_authorization_endpoint, `${emu.url}/${alias}/oauth2/v2.0/devicecode`);
      assert.equal(body.authorization_endpoint, `${emu.url}/${alias}/oauth2/v2.0/authorize`);
    }
  });

  it("v1 configuration has the sts.windows.net issuer", async () => {
    const { body } = await getJson(`${emu.url}/${DEV_TENANT.domain}/.well-known/openid-configuration`);
    assert.equal(body.issuer, `https://sts.windows.net/${DEV_TENANT.id}/`);
    assert.equal(body.token_endpoint, `${emu.url}/${DEV_TENANT.id}/oauth2/token`);
  });

  it("AADSTS90002 for an unknown tenant's configuration", async () => {
    assertEntraError(
      await getJson(`${emu.url}/00000000-0000-4000-8000-000000000000/v2.0/.well-known/openid-configuration`),
      90002,
      "invalid_request",
      400,
    );
  });

  it("serves the keys under every tenant path", async () => {
    const keys = await Promise.all(
      [`${DEV_TENANT.id}/discovery/v2.0/keys`, "common/discovery/v2.0/keys", "common/discovery/keys"].map(
        async (p) => (await getJson(`${emu.url}/${p}`)).body,
      ),
    );
    assert.deepEqual(keys[0], keys[1]);
    assert.deepEqual(keys[1], keys[2]);
    const key = (keys[0]!.keys as Record<string, string>[])[0]!;
    assert.equal(key.kty, "RSA");
    assert.equal(key.use, "sig");
    assert.ok(key.kid && key.n && key.e);
  });

  it("answers instance discovery the way MSAL asks for it", async () => {
    const authority = `${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/authorize`;
    const { status, body } = await getJson(
      `${emu.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(authority)}`,
    );
    assert.equal(status, 200);
    assert.equal(
      body.tenant_discovery_endpoint,
      `${emu.url}/${DEV_TENANT.id}/v2.0/.well-known/openid-configuration`,
    );
    const host = new URL(emu.url).host;
    assert.deepEqual(body.metadata, [{ preferred_network: host, preferred_cache: host, aliases: [host] }]);
  });

  it("rejects the wrong method with 405", async () => {
    const res = await fetch(`${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/token`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
  });
});

describe("admin consent", () => {
  let emu: RunningEmulator;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  before(async () => {
    emu = await startEmulator({
      config: {
        apps: [
          {
            clientId: VENDOR_APP,
            displayName: "Vendor multi-tenant app",
            homeTenant: DEV_TENANT_P1.id,
            multiTenant: true,
            secrets: [{ value: VENDOR_SECRET }],
            redirectUris: [VENDOR_REDIRECT],
            applicationPermissions: [
              { resource: "https://graph.microsoft.com", value: "IdentityRiskyUser.Read.All" },
              { resource: "https://api.securitycenter.microsoft.com", value: "Alert.Read.All" },
            ],
            delegatedScopes: [{ resource: "https://graph.microsoft.com", value: "User.Read" }],
          },
        ],
      },
    });
    jwks = createRemoteJWKSet(new URL(`${emu.url}/common/discovery/v2.0/keys`));
  });
  after(() => emu.close());

  const clientCredentials = (scope: string) =>
    postForm(`${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/token`, {
      grant_type: "client_credentials",
      client_id: VENDOR_APP,
      client_secret: VENDOR_SECRET,
      scope,
    });

  async function consent(
    path: string,
    user: { userPrincipalName: string; password: string },
    decision: "accept" | "cancel",
    query: Record<string, string> = {},
  ) {
    const url = `${emu.url}${path}?${new URLSearchParams({ client_id: VENDOR_APP, redirect_uri: VENDOR_REDIRECT, state: "c-1", ...query })}`;
    const first = await getPage(url);
    assert.equal(first.status, 200, first.html);
    const signedIn = await postPage(`${emu.url}${path}`, {
      interaction: hiddenField(first.html, "interaction"),
      login: user.userPrincipalName,
      passwd: user.password,
      action: "signin",
    });
    if (signedIn.status === 302) return new URL(signedIn.location!);
    assert.match(signedIn.html, /IdentityRiskyUser\.Read\.All \(application\)/);
    const done = await postPage(`${emu.url}${path}`, {
      interaction: hiddenField(signedIn.html, "interaction"),
      action: decision,
    });
    assert.equal(done.status, 302);
    return new URL(done.location!);
  }

  it("a multi-tenant app without consent in a tenant gets AADSTS700016 there", async () => {
    assertEntraError(
      await clientCredentials("https://graph.microsoft.com/.default"),
      700016,
      "unauthorized_client",
      400,
    );
  });

  it("a non-admin is refused with access_denied (AADSTS90094)", async () => {
    const location = await consent(`/${DEV_TENANT.id}/adminconsent`, DEV_USER, "accept");
    assert.equal(location.searchParams.get("error"), "access_denied");
    assert.match(location.searchParams.get("error_description")!, /^AADSTS90094: /);
    assert.equal(location.searchParams.get("state"), "c-1");
  });

  it("cancel returns admin_consent=False with access_denied", async () => {
    const location = await consent(`/${DEV_TENANT.id}/adminconsent`, DEV_ADMIN, "cancel");
    assert.equal(location.searchParams.get("admin_consent"), "False");
    assert.equal(location.searchParams.get("error"), "access_denied");
  });

  it("v2 admin consent for one resource grants its app permissions; the app's tokens then carry the roles", async () => {
    const location = await consent(`/${DEV_TENANT.domain}/v2.0/adminconsent`, DEV_ADMIN, "accept", {
      scope: "https://graph.microsoft.com/.default",
    });
    assert.equal(`${location.origin}${location.pathname}`, VENDOR_REDIRECT);
    assert.equal(location.searchParams.get("admin_consent"), "True");
    assert.equal(location.searchParams.get("tenant"), DEV_TENANT.id);
    assert.equal(location.searchParams.get("state"), "c-1");
    assert.equal(location.searchParams.get("scope"), "https://graph.microsoft.com/.default");
    const res = await clientCredentials("https://graph.microsoft.com/.default");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((await jwtVerify(String(res.body.access_token), jwks)).payload.roles, [
      "IdentityRiskyUser.Read.All",
    ]);
    // Defender was not part of that consent.
    const mde = await clientCredentials("https://api.securitycenter.microsoft.com/.default");
    assert.equal((await jwtVerify(String(mde.body.access_token), jwks)).payload.roles, undefined);
  });

  it("v1 admin consent through /common grants everything the app asks for in the admin's tenant", async () => {
    const location = await consent("/common/adminconsent", DEV_ADMIN, "accept");
    assert.equal(location.searchParams.get("admin_consent"), "True");
    assert.equal(location.searchParams.get("tenant"), DEV_TENANT.id);
    const mde = await clientCredentials("https://api.securitycenter.microsoft.com/.default");
    assert.deepEqual((await jwtVerify(String(mde.body.access_token), jwks)).payload.roles, [
      "Alert.Read.All",
    ]);
  });

  it("shows an error page for an unregistered redirect URI", async () => {
    const page = await getPage(
      `${emu.url}/${DEV_TENANT.id}/adminconsent?client_id=${VENDOR_APP}&redirect_uri=${encodeURIComponent("https://evil.example.com/")}`,
    );
    assert.equal(page.status, 400);
    assert.match(page.html, /AADSTS50011:/);
  });
});
