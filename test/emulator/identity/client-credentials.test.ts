import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_TENANT_P1, GRAPH_APP_ID } from "../../../src/emulator/well-known.ts";
import {
  assertEntraError,
  CLIENT_ASSERTION_TYPE,
  clientAssertion,
  makeCertificate,
  postForm,
  type TestCertificate,
} from "./helpers.ts";

const CERT_APP = "6b1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const EXPIRED_APP = "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
const SINGLE_TENANT_APP = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f";

describe("client_credentials grant", () => {
  let emu: RunningEmulator;
  let cert: TestCertificate;
  let other: TestCertificate;
  let token: string;
  let tokenV1: string;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    [cert, other] = await Promise.all([makeCertificate(), makeCertificate("not uploaded")]);
    emu = await startEmulator({
      config: {
        identity: { rejectAssertionReplay: true },
        apps: [
          {
            clientId: CERT_APP,
            displayName: "cert app",
            homeTenant: DEV_TENANT.domain,
            certificates: [{ pem: cert.certificatePem }],
            applicationPermissions: [{ resource: "https://graph.microsoft.com", value: "User.Read.All" }],
          },
          {
            clientId: EXPIRED_APP,
            displayName: "expired secret app",
            homeTenant: DEV_TENANT.id,
            secrets: [{ value: "old-secret-value", expiresAt: "2020-01-01T00:00:00Z" }],
          },
          {
            clientId: SINGLE_TENANT_APP,
            displayName: "single tenant",
            homeTenant: DEV_TENANT.id,
            secrets: [{ value: "st-secret" }],
          },
        ],
        consents: [
          {
            tenant: DEV_TENANT.id,
            clientId: CERT_APP,
            resource: GRAPH_APP_ID,
            applicationPermissions: ["User.Read.All"],
          },
        ],
      },
    });
    jwks = createRemoteJWKSet(new URL(`${emu.url}/${DEV_TENANT.id}/discovery/v2.0/keys`));
  });
  after(() => emu.close());

  const v2 = () => `${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/token`;
  const secretForm = (extra: Record<string, string> = {}) => ({
    grant_type: "client_credentials",
    client_id: DEV_APP.clientId,
    client_secret: DEV_APP.secret,
    scope: "https://graph.microsoft.com/.default",
    ...extra,
  });

  it("issues a v2 app token with the admin-consented roles, verifiable with the JWKS", async () => {
    const res = await postForm(v2(), secretForm());
    assert.equal(res.status, 200);
    assert.equal(res.body.token_type, "Bearer");
    assert.equal(res.body.expires_in, 3599);
    assert.equal(res.body.ext_expires_in, 3599);
    assert.equal(res.body.refresh_token, undefined);
    token = String(res.body.access_token);
    const { payload } = await jwtVerify(token, jwks, {
      audience: "https://graph.microsoft.com",
      issuer: `https://sts.windows.net/${DEV_TENANT.id}/`,
    });
    assert.equal(payload.tid, DEV_TENANT.id);
    assert.equal(payload.appid, DEV_APP.clientId);
    assert.equal(payload.idtyp, "app");
    assert.equal(payload.sub, payload.oid);
    assert.ok(typeof payload.uti === "string");
    assert.ok((payload.roles as string[]).includes("IdentityRiskyUser.ReadWrite.All"));
    assert.equal(payload.scp, undefined);
    assert.equal((payload.exp as number) - (payload.iat as number), 3599);
  });

  it("issues a v1 token for a resource, with Entra's string-typed numbers", async () => {
    const res = await postForm(`${emu.url}/${DEV_TENANT.domain}/oauth2/token`, {
      grant_type: "client_credentials",
      client_id: DEV_APP.clientId,
      client_secret: DEV_APP.secret,
      resource: "https://management.azure.com/",
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.expires_in, "3599");
    assert.match(String(res.body.expires_on), /^\d+$/);
    assert.equal(res.body.resource, "https://management.azure.com/");
    tokenV1 = String(res.body.access_token);
    const { payload } = await jwtVerify(tokenV1, jwks, { audience: "https://management.azure.com/" });
    assert.equal(payload.ver, "1.0");
    assert.equal(payload.roles, undefined);
  });

  it("accepts HTTP Basic client authentication", async () => {
    const basic = Buffer.from(`${DEV_APP.clientId}:${DEV_APP.secret}`).toString("base64");
    const res = await postForm(
      v2(),
      { grant_type: "client_credentials", scope: "https://graph.microsoft.com/.default" },
      { authorization: `Basic ${basic}` },
    );
    assert.equal(res.status, 200);
  });

  it("gives a multi-tenant app a token in another consented tenant, with that tenant's id", async () => {
    const res = await postForm(`${emu.url}/${DEV_TENANT_P1.id}/oauth2/v2.0/token`, secretForm());
    assert.equal(res.status, 200);
    const { payload } = await jwtVerify(String(res.body.access_token), jwks);
    assert.equal(payload.tid, DEV_TENANT_P1.id);
  });

  it("resolves national-cloud and regional identifier URIs to the same API", async () => {
    const res = await postForm(
      v2(),
      secretForm({ scope: "https://securitycenter.onmicrosoft.com/windowsatpservice/.default" }),
    );
    assert.equal(res.status, 200);
    const { payload } = await jwtVerify(String(res.body.access_token), jwks);
    assert.equal(payload.aud, "https://securitycenter.onmicrosoft.com/windowsatpservice");
    const kusto = await postForm(v2(), secretForm({ scope: "https://help.kusto.windows.net/.default" }));
    assert.equal(kusto.status, 200);
    assert.equal(
      (await jwtVerify(String(kusto.body.access_token), jwks)).payload.aud,
      "https://help.kusto.windows.net",
    );
  });

  it("AADSTS7000215 for a wrong secret", async () => {
    assertEntraError(
      await postForm(v2(), secretForm({ client_secret: "wrong" })),
      7000215,
      "invalid_client",
      401,
    );
  });

  it("AADSTS7000222 for an expired secret", async () => {
    const res = await postForm(v2(), {
      grant_type: "client_credentials",
      client_id: EXPIRED_APP,
      client_secret: "old-secret-value",
      scope: "https://graph.microsoft.com/.default",
    });
    assertEntraError(res, 7000222, "invalid_client", 401);
  });

  it("AADSTS700016 for an unknown app and for an app absent from the tenant", async () => {
    assertEntraError(
      await postForm(v2(), secretForm({ client_id: "00000000-1111-4222-8333-444444444444" })),
      700016,
      "unauthorized_client",
      400,
    );
    const res = await postForm(`${emu.url}/${DEV_TENANT_P1.id}/oauth2/v2.0/token`, {
      grant_type: "client_credentials",
      client_id: SINGLE_TENANT_APP,
      client_secret: "st-secret",
      scope: "https://graph.microsoft.com/.default",
    });
    assertEntraError(res, 700016, "unauthorized_client", 400);
  });

  it("AADSTS90002 for an unknown tenant, 900023 for a malformed one, 50059 for common", async () => {
    assertEntraError(
      await postForm(`${emu.url}/nosuch.onmicrosoft.com/oauth2/v2.0/token`, secretForm()),
      90002,
      "invalid_request",
      400,
    );
    assertEntraError(
      await postForm(`${emu.url}/not_a_tenant/oauth2/v2.0/token`, secretForm()),
      900023,
      "invalid_request",
      400,
    );
    assertEntraError(
      await postForm(`${emu.url}/common/oauth2/v2.0/token`, secretForm()),
      50059,
      "invalid_request",
      400,
    );
  });

  it("AADSTS500011 for an unknown resource, 1002012 for a non-.default scope, 900144 without scope", async () => {
    assertEntraError(
      await postForm(v2(), secretForm({ scope: "https://unknown.example.com/.default" })),
      500011,
      "invalid_resource",
      400,
    );
    assertEntraError(
      await postForm(v2(), secretForm({ scope: "https://graph.microsoft.com/User.Read.All" })),
      1002012,
      "invalid_scope",
      400,
    );
    const { scope: _scope, ...noScope } = secretForm();
    assertEntraError(await postForm(v2(), noScope), 900144, "invalid_request", 400);
  });

  it("AADSTS7000218 without any credential, 70003 for an unknown grant", async () => {
    assertEntraError(
      await postForm(v2(), {
        grant_type: "client_credentials",
        client_id: DEV_APP.clientId,
        scope: "https://graph.microsoft.com/.default",
      }),
      7000218,
      "invalid_client",
      401,
    );
    assertEntraError(
      await postForm(v2(), secretForm({ grant_type: "urn:example:magic" })),
      70003,
      "unsupported_grant_type",
      400,
    );
  });

  it("echoes the client-request-id as the correlation id", async () => {
    const correlation = "5c6b1f7e-2d3a-4b8c-9e0f-1a2b3c4d5e6f";
    const res = await postForm(v2(), secretForm({ client_secret: "wrong" }), {
      "client-request-id": correlation,
    });
    assert.equal(res.body.correlation_id, correlation);
    assert.match(String(res.body.error_description), new RegExp(`Correlation ID: ${correlation}`));
  });

  describe("client assertion (certificate credential)", () => {
    const form = (assertion: string) => ({
      grant_type: "client_credentials",
      client_id: CERT_APP,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: "https://graph.microsoft.com/.default",
    });

    for (const [alg, thumbprint] of [
      ["PS256", "x5t#S256"],
      ["RS256", "x5t"],
      ["RS256", "x5t#S256"],
      ["PS256", "x5t"],
    ] as const) {
      it(`accepts ${alg} with ${thumbprint}`, async () => {
        const assertion = await clientAssertion(cert, {
          clientId: CERT_APP,
          audience: v2(),
          alg,
          thumbprint,
        });
        const res = await postForm(v2(), form(assertion));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { payload } = await jwtVerify(String(res.body.access_token), jwks);
        assert.deepEqual(payload.roles, ["User.Read.All"]);
        assert.equal(payload.appidacr, "1");
      });
    }

    it("accepts the v1 token endpoint and the tenant domain as audience", async () => {
      const audience = `${emu.url}/${DEV_TENANT.domain}/oauth2/token`;
      const assertion = await clientAssertion(cert, { clientId: CERT_APP, audience });
      assert.equal((await postForm(v2(), form(assertion))).status, 200);
    });

    it("AADSTS700027 when the key is not uploaded or the signature is wrong", async () => {
      const unknown = await clientAssertion(other, { clientId: CERT_APP, audience: v2() });
      const res = await postForm(v2(), form(unknown));
      assertEntraError(res, 700027, "invalid_client", 401);
      assert.match(String(res.body.error_description), /The key was not found/);
      // Right thumbprint, wrong key: sign with the other key but claim the uploaded certificate.
      const forged = await clientAssertion(
        { ...other, sha1: cert.sha1, sha256: cert.sha256 },
        { clientId: CERT_APP, audience: v2() },
      );
      const bad = await postForm(v2(), form(forged));
      assertEntraError(bad, 700027, "invalid_client", 401);
      assert.match(String(bad.body.error_description), /Signature is invalid/);
    });

    it("AADSTS700024 for an expired assertion and one not yet valid", async () => {
      const expired = await clientAssertion(cert, {
        clientId: CERT_APP,
        audience: v2(),
        now: Date.now() - 3600_000,
      });
      assertEntraError(await postForm(v2(), form(expired)), 700024, "invalid_client", 401);
      const future = await clientAssertion(cert, {
        clientId: CERT_APP,
        audience: v2(),
        now: Date.now() + 3600_000,
      });
      assertEntraError(await postForm(v2(), form(future)), 700024, "invalid_client", 401);
    });

    it("AADSTS700021 when iss/sub are not the client id, 50013 for a foreign audience", async () => {
      const wrongIssuer = await clientAssertion(cert, {
        clientId: CERT_APP,
        audience: v2(),
        issuer: DEV_APP.clientId,
      });
      assertEntraError(await postForm(v2(), form(wrongIssuer)), 700021, "invalid_client", 401);
      const foreign = await clientAssertion(cert, {
        clientId: CERT_APP,
        audience: `https://login.microsoftonline.com/${DEV_TENANT.id}/oauth2/v2.0/token`,
      });
      assertEntraError(await postForm(v2(), form(foreign)), 50013, "invalid_client", 401);
      const otherTenant = await clientAssertion(cert, {
        clientId: CERT_APP,
        audience: `${emu.url}/${DEV_TENANT_P1.id}/oauth2/v2.0/token`,
      });
      assertEntraError(await postForm(v2(), form(otherTenant)), 50013, "invalid_client", 401);
    });

    it("refuses a replayed jti when replay protection is on", async () => {
      const assertion = await clientAssertion(cert, { clientId: CERT_APP, audience: v2() });
      assert.equal((await postForm(v2(), form(assertion))).status, 200);
      const replay = await postForm(v2(), form(assertion));
      assertEntraError(replay, 50013, "invalid_client", 401);
      assert.match(String(replay.body.error_description), /replay/);
    });

    it("AADSTS50027 for a malformed assertion", async () => {
      assertEntraError(await postForm(v2(), form("not-a-jwt")), 50027, "invalid_request", 400);
    });
  });
});
