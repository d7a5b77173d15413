import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { SettableClock } from "../../src/emulator/clock.ts";
import { InvalidTokenError } from "../../src/emulator/contracts.ts";
import { RequestLog } from "../../src/emulator/request-log.ts";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";
import { EmulatorTokenService, loadSigningKey } from "../../src/emulator/tokens.ts";
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

describe("token service", () => {
  const graph = {
    appId: GRAPH_APP_ID,
    displayName: "Microsoft Graph",
    identifierUris: ["https://graph.microsoft.com"],
    appRoles: [],
    scopes: [],
  };
  const input = {
    tenantId: DEV_TENANT.id,
    resource: graph,
    clientId: DEV_APP.clientId,
    subject: { kind: "app" as const, servicePrincipalId: "11111111-2222-4333-8444-555555555555" },
    version: 2 as const,
  };

  for (const threads of [0, 1]) {
    it(`signs the same way with ${threads} signing thread(s) and verifies against the clock`, async () => {
      const clock = new SettableClock();
      clock.set(Date.parse("2030-01-01T00:00:00Z"), { frozen: true });
      const tokens = new EmulatorTokenService(
        await loadSigningKey(undefined),
        clock,
        () => "http://emu.test",
        threads,
      );
      try {
        const issued = await Promise.all([1, 2, 3].map(() => tokens.issueAccessToken(input)));
        for (const t of issued) {
          const claims = await tokens.verifyAccessToken(t.token);
          assert.equal(claims.iss, `http://emu.test/${DEV_TENANT.id}/v2.0`);
          assert.equal(claims.aud, GRAPH_APP_ID);
          assert.equal(claims.azp, DEV_APP.clientId);
          assert.equal(claims.ver, "2.0");
        }
        const token = issued[0]!.token;
        clock.advance(3599 * 1000);
        await assert.rejects(
          tokens.verifyAccessToken(token),
          (e: unknown) => e instanceof InvalidTokenError && e.reason === "expired",
        );
        clock.advance(-2 * 3599 * 1000);
        await assert.rejects(
          tokens.verifyAccessToken(token),
          (e: unknown) => e instanceof InvalidTokenError && e.reason === "not_yet_valid",
        );
        const [h, p, sig] = token.split(".");
        const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), roles: ["x"] })).toString("base64url")}.${sig}`;
        await assert.rejects(
          tokens.verifyAccessToken(tampered),
          (e: unknown) => e instanceof InvalidTokenError && e.reason === "signature",
        );
        await assert.rejects(
          tokens.verifyAccessToken("abc"),
          (e: unknown) => e instanceof InvalidTokenError && e.reason === "malformed",
        );
      } finally {
        await tokens.close();
      }
    });
  }

  it("rejects a token signed by another emulator's key", async () => {
    const clock = new SettableClock();
    const a = new EmulatorTokenService(await loadSigningKey(undefined), clock, () => "http://a", 0);
    const b = new EmulatorTokenService(await loadSigningKey(undefined), clock, () => "http://b", 0);
    const issued = await a.issueAccessToken(input);
    await assert.rejects(
      b.verifyAccessToken(issued.token),
      (e: unknown) => e instanceof InvalidTokenError && e.reason === "signature",
    );
  });
});

describe("request log", () => {
  it("keeps only the newest entries up to its capacity", () => {
    const log = new RequestLog(3);
    for (let i = 0; i < 5; i++) {
      log.add({ requestId: String(i), time: i, method: "GET", path: `/p${i}`, status: 200, handledBy: "x" });
    }
    assert.deepEqual(
      log.list().map((e) => e.requestId),
      ["2", "3", "4"],
    );
    assert.deepEqual(
      log.list({ path: /p4$/ }).map((e) => e.requestId),
      ["4"],
    );
  });
});
