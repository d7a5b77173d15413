import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, GRAPH_APP_ID } from "../../src/emulator/well-known.ts";

describe("emulator core", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it("serves the tenant's OpenID configuration by GUID and by domain with the tenant-specific issuer", async () => {
    for (const segment of [DEV_TENANT.id, DEV_TENANT.domain]) {
      const res = await fetch(`${emu.url}/${segment}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as Record<string, string>;
      assert.equal(doc.issuer, `${emu.url}/${DEV_TENANT.id}/v2.0`);
      assert.equal(doc.token_endpoint, `${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/token`);
      assert.equal(doc.jwks_uri, `${emu.url}/${DEV_TENANT.id}/discovery/v2.0/keys`);
    }
  });

  it("signs access tokens that verify against its JWKS", async () => {
    const graph = emu.core.directory.resourceApi(GRAPH_APP_ID)!;
    const issued = await emu.core.tokens.issueAccessToken({
      tenantId: DEV_TENANT.id,
      resource: graph,
      clientId: DEV_APP.clientId,
      subject: { kind: "app", servicePrincipalId: "11111111-2222-4333-8444-555555555555" },
      roles: ["User.Read.All"],
      version: 1,
    });
    const jwks = createRemoteJWKSet(new URL(`${emu.url}/${DEV_TENANT.id}/discovery/v2.0/keys`));
    const { payload, protectedHeader } = await jwtVerify(issued.token, jwks, {
      issuer: `https://sts.windows.net/${DEV_TENANT.id}/`,
      audience: "https://graph.microsoft.com",
    });
    assert.equal(protectedHeader.alg, "RS256");
    assert.ok(protectedHeader.kid);
    assert.deepEqual(payload.roles, ["User.Read.All"]);
    assert.equal(payload.appid, DEV_APP.clientId);
    assert.equal(payload.idtyp, "app");
    assert.equal(payload.ver, "1.0");
    const claims = await emu.core.tokens.verifyAccessToken(issued.token);
    assert.equal(claims.tid, DEV_TENANT.id);
  });

  it("answers unknown paths with a 404 JSON body", async () => {
    const res = await fetch(`${emu.url}/no/such/thing`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: string }).error, "not_found");
  });
});
